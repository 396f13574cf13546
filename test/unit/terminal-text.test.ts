import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { escapeControls, mapStrings } from '../../src/common/terminal-text.js';
import { isLineName, isTaskId, LINE_NAME_PATTERN, TASK_ID_PATTERN } from '../../src/protocol/names.js';

describe('escapeControls', () => {
  it('shows every control character escaped and leaves other text alone', () => {
    assert.equal(escapeControls('ok\n2026-01-01 ERROR forged'), 'ok\\n2026-01-01 ERROR forged');
    assert.equal(escapeControls('\u001b]0;pwned\u0007\u001b[2J\r\t'), '\\x1b]0;pwned\\x07\\x1b[2J\\r\\t');
    assert.equal(escapeControls('a\u009b2Jb\u007f\u0000'), 'a\\x9b2Jb\\x7f\\x00');
    assert.equal(escapeControls('evil\u202egnp.exe \u2028next'), 'evil\\u{202e}gnp.exe \\u{2028}next');
    assert.equal(escapeControls('Eingang Süd → 入口 ✓'), 'Eingang Süd → 入口 ✓');
  });

  it('is idempotent', () => {
    const once = escapeControls('x\u001b[31my\n\u0085');
    assert.equal(escapeControls(once), once);
  });

  it('mapStrings reaches every string of an event', () => {
    const ev = { type: 'log', message: 'a\nb', lines: [{ name: 'c\u001b' }], n: 3, ok: true, none: null };
    assert.deepEqual(mapStrings(ev, escapeControls), { type: 'log', message: 'a\\nb', lines: [{ name: 'c\\x1b' }], n: 3, ok: true, none: null });
  });
});

describe('ids and line names', () => {
  it('the config schema uses the same patterns as the worker', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../config/pcount.schema.json', import.meta.url), 'utf8')) as {
      definitions: { task: { properties: { id: { pattern: string } } }; line: { properties: { name: { pattern: string } } } };
    };
    assert.equal(schema.definitions.task.properties.id.pattern, TASK_ID_PATTERN);
    assert.equal(schema.definitions.line.properties.name.pattern, LINE_NAME_PATTERN);
  });

  it('allows readable names in any script and nothing that could drive a terminal', () => {
    for (const ok of ['door', 'Eingang Süd (2)', '入口', 'gate #3 / north', 'A+B: east-west']) assert.ok(isLineName(ok), ok);
    for (const bad of ['', ' door', 'door\n', 'a\u001b[2J', 'a,b', 'x\u009b', 'y\u202e', 'z'.repeat(65)]) assert.ok(!isLineName(bad), JSON.stringify(bad));
    for (const ok of ['lobby', 'cam-1.north_2', 'A'.repeat(64)]) assert.ok(isTaskId(ok), ok);
    for (const bad of ['', '-x', '.hidden', 'a b', 'a/b', 'é', 'A'.repeat(65)]) assert.ok(!isTaskId(bad), JSON.stringify(bad));
  });
});
