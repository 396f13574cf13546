import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeFolder } from '../../src/common/make-folder.js';

describe('makeFolder (mkdir -p for the store, run folders, logs, journals and written files)', () => {
  it('makes the missing folders with the mode asked for, and leaves an existing one alone', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-folder-'));
    const deep = path.join(dir, 'a', 'b', 'c');
    makeFolder(deep, 0o700);
    assert.ok(statSync(deep).isDirectory());
    assert.equal(statSync(path.join(dir, 'a')).mode & 0o777, 0o700);
    makeFolder(deep);
    writeFileSync(path.join(dir, 'file'), 'x');
    assert.throws(() => makeFolder(path.join(dir, 'file', 'sub')), { code: 'ENOTDIR' });
    assert.throws(() => makeFolder(path.join(dir, 'file')), { code: 'EEXIST' });
  });

  it('ends with ENOENT where a folder cannot be made in one that exists (/proc), where Node\'s own spins for ever', () => {
    // In a child process: a regression would hang there, not the test runner.
    const module = new URL('../../src/common/make-folder.js', import.meta.url).href;
    const script = `import(${JSON.stringify(module)}).then(({ makeFolder }) => { try { makeFolder('/proc/pcount-tui-nowhere/x'); } catch (e) { console.log(e.code); } });`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(r.signal, null, 'ended on its own');
    assert.equal(r.stdout.trim(), 'ENOENT');
  });
});
