import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COARSE_STEP, editLines, FINE_STEP, openEditor, type EditorKey, type EditorState } from '../../src/tui/line-editor.js';
import { handleKey, initialUi, type KeyContext } from '../../src/tui/keys.js';

const lines = [
  { name: 'door', points: [0.5, 0, 0.5, 1] },
  { name: 'hall', points: [0, 0.7, 1, 0.7] },
];
const k = (input: string, flags: Omit<EditorKey, 'input'> = {}): EditorKey => ({ input, ...flags });
const press = (s: EditorState, ...keys: EditorKey[]) => keys.reduce(editLines, s);

test('editor: Tab picks the next line (Shift-Tab the previous), Space the end; arrows and hjkl move by 2 %, Shift and HJKL by 0.2 %', () => {
  const s0 = openEditor('north', lines);
  assert.equal(s0.selected, 0);
  assert.equal(s0.end, 'a');
  assert.equal(press(s0, k('', { tab: true })).selected, 1);
  assert.equal(press(s0, k('', { tab: true }), k('', { tab: true })).selected, 0, 'Tab wraps');
  assert.equal(press(s0, k('', { tab: true, shift: true })).selected, 1);
  assert.equal(press(s0, k(' ')).end, 'b');
  assert.equal(press(s0, k(' '), k(' ')).end, 'both');

  const right = press(s0, k('', { rightArrow: true }));
  assert.deepEqual(right.lines[0].points, [0.5 + COARSE_STEP, 0, 0.5, 1], 'end A moves, B stays');
  assert.equal(right.dirty, true);
  assert.deepEqual(press(s0, k('l')).lines[0].points, right.lines[0].points, 'l is the right arrow');
  assert.deepEqual(press(s0, k('j')).lines[0].points, [0.5, COARSE_STEP, 0.5, 1]);
  assert.deepEqual(press(s0, k('H')).lines[0].points, [0.5 - FINE_STEP, 0, 0.5, 1], 'capitals are fine steps');
  assert.deepEqual(press(s0, k('', { leftArrow: true, shift: true })).lines[0].points, [0.498, 0, 0.5, 1], 'so is Shift with an arrow');
  assert.deepEqual(press(s0, k(' '), k('k')).lines[0].points, [0.5, 0, 0.5, 1 - COARSE_STEP], 'end B');
  assert.deepEqual(press(s0, k(' '), k(' '), k('h')).lines[0].points, [0.48, 0, 0.48, 1], 'the whole line');
  assert.equal(s0.lines[0].points[0], 0.5, 'the old state is not changed');
});

test('editor: ends stay in the frame, the whole line keeps its shape at the edge, the ends never meet', () => {
  let s = openEditor('t', [{ name: 'x', points: [0.01, 0.5, 0.03, 0.5] }]);
  s = press(s, k('h'));
  assert.deepEqual(s.lines[0].points, [0, 0.5, 0.03, 0.5], 'clamped at 0');
  s = press(s, k(' '), k(' '), k('h'));
  assert.deepEqual(s.lines[0].points, [0, 0.5, 0.03, 0.5], 'the whole line cannot leave the frame');
  s = press(s, k(' '), k(' '), k('h'));
  assert.equal(s.end, 'b');
  assert.deepEqual(s.lines[0].points, [0, 0.5, 0.01, 0.5]);
  const meet = press(s, k('h'));
  assert.deepEqual(meet.lines[0].points, [0, 0.5, 0.01, 0.5]);
  assert.match(meet.message ?? '', /cannot meet/);
});

test('editor: n adds a line with a free name, d deletes but never the last, f swaps the ends (in becomes out)', () => {
  const s0 = openEditor('t', lines);
  const added = press(s0, k('n'), k('n'));
  assert.deepEqual(added.lines.map((l) => l.name), ['door', 'hall', 'line3', 'line4']);
  assert.equal(added.selected, 3);
  const deleted = press(added, k('d'));
  assert.deepEqual(deleted.lines.map((l) => l.name), ['door', 'hall', 'line3']);
  assert.equal(deleted.selected, 2);
  const one = press(s0, k('d'));
  assert.deepEqual(one.lines.map((l) => l.name), ['hall']);
  const refused = press(one, k('d'));
  assert.equal(refused.lines.length, 1);
  assert.match(refused.message ?? '', /at least one line/);
  assert.deepEqual(press(s0, k('f')).lines[0].points, [0.5, 1, 0.5, 0]);
});

test('editor: Enter applies, Esc cancels, and after that keys do nothing', () => {
  const moved = press(openEditor('t', lines), k('l'));
  const applied = press(moved, k('', { return: true }));
  assert.equal(applied.status, 'applied');
  assert.deepEqual(press(applied, k('l')), applied);
  assert.equal(press(moved, k('', { escape: true })).status, 'cancelled');
});

const ctx: KeyContext = { taskIds: ['north', 'south'], selectedLines: lines, unfinished: 1, logLength: 0, logPage: 10 };

test('keys: v toggles the preview, l opens the editor on it, its keys do not reach the table, Enter hands the lines over', () => {
  let s = initialUi(ctx.taskIds);
  s = handleKey(s, 'v', {}, ctx).state;
  assert.equal(s.preview, true);
  s = handleKey(s, 'l', {}, ctx).state;
  assert.equal(s.editor?.task, 'north');
  const x = handleKey(s, 'x', {}, ctx);
  assert.equal(x.effect, null, 'x does not stop the task while editing');
  s = handleKey(s, 'j', {}, ctx).state;
  assert.equal(s.selectedId, 'north', 'j moves the line, not the selection');
  assert.deepEqual(s.editor?.lines[0].points, [0.5, COARSE_STEP, 0.5, 1]);
  const done = handleKey(s, '', { return: true }, ctx);
  assert.equal(done.state.editor, null);
  assert.deepEqual(done.effect, { kind: 'lines', task: 'north', lines: [{ name: 'door', points: [0.5, COARSE_STEP, 0.5, 1] }, lines[1]] });
  assert.equal(done.state.preview, true, 'back to the preview');
  const unchanged = handleKey(handleKey(s, '', { escape: true }, ctx).state, 'l', {}, ctx);
  assert.equal(handleKey(unchanged.state, '', { return: true }, ctx).effect, null, 'nothing to apply without a change');
  assert.equal(handleKey(done.state, '', { escape: true }, ctx).state.preview, false, 'Esc closes the preview');
});

test('keys: / types a filter, Enter keeps it, Esc clears it; o cycles the sort; → and ← expand and collapse the lines', () => {
  let s = initialUi(ctx.taskIds);
  s = handleKey(s, '/', {}, ctx).state;
  for (const ch of 'sou') s = handleKey(s, ch, {}, ctx).state;
  assert.equal(s.filter, 'sou');
  s = handleKey(s, '', { backspace: true }, ctx).state;
  assert.equal(s.filter, 'so');
  const q = handleKey(s, 'q', {}, ctx);
  assert.equal(q.effect, null, 'q is a letter of the filter while typing');
  s = handleKey(s, '', { return: true }, ctx).state;
  assert.equal(s.filtering, false);
  assert.equal(s.filter, 'so');
  assert.equal(handleKey(s, '', { escape: true }, ctx).state.filter, '');
  assert.equal(handleKey(s, 'o', {}, ctx).state.sort, 'id');
  s = handleKey(s, '', { rightArrow: true }, ctx).state;
  assert.deepEqual(s.expanded, { north: true });
  assert.deepEqual(handleKey(s, '', { leftArrow: true }, ctx).state.expanded, { north: false });
});
