import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeExport, formatEta, progressBar, shortenSource, truncate, truncateMiddle } from '../../src/tui/format.js';
import { messageLineLimit, messageLines } from '../../src/tui/footer.js';
import { bodyLayout, frameHeight, MARKER_WIDTH, GAP, tableLayout } from '../../src/tui/layout.js';
import { expandedIds, rowWindow, tableRows, visibleTasks } from '../../src/tui/task-list.js';
import { handleKey, initialUi, splitTyped, type KeyContext } from '../../src/tui/keys.js';
import { colorFromEnv, unicodeFromEnv } from '../../src/tui/theme.js';
import { cellText } from '../../src/tui/task-table.js';
import { fakeTask } from '../../src/tui/dev/fake-pool.js';

const width = (l: ReturnType<typeof tableLayout>) => MARKER_WIDTH + l.columns.reduce((s, c) => s + c.width, 0) + GAP * (l.columns.length - 1);
const keys = (l: ReturnType<typeof tableLayout>) => l.columns.map((c) => c.key);

test('the totals row says total in full under short task ids (was tot… under cam1 and vt2)', () => {
  for (const cols of [160, 80, 40]) {
    const id = tableLayout(cols, ['cam1', 'vt2']).columns.find((c) => c.key === 'id')!;
    assert.ok(id.width >= 'total'.length, `${cols} columns: the id column is ${id.width} wide`);
  }
});

test('the table fills at most the terminal width, drops the least useful columns first and the counts last', () => {
  const ids = ['lobby', 'entrance'];
  for (const cols of [200, 120, 100, 80, 60, 50, 40, 30]) assert.ok(width(tableLayout(cols, ids)) <= cols, `${cols} columns`);
  assert.deepEqual(keys(tableLayout(100, ids)), ['id', 'source', 'state', 'fps', 'in', 'out', 'occ', 'progress', 'cpu', 'mem', 'restarts']);
  assert.deepEqual(keys(tableLayout(80, ids)), ['id', 'source', 'state', 'fps', 'in', 'out', 'occ', 'progress'], 'cpu and memory only while the source stays readable');
  assert.deepEqual(keys(tableLayout(50, ids)), ['id', 'state', 'in', 'out', 'occ'], 'source, fps and progress go before the counts');
  assert.deepEqual(keys(tableLayout(32, ids)), ['id', 'state', 'in', 'out']);
  assert.deepEqual(keys(tableLayout(24, ids)), ['id', 'state', 'in']);
});

test('column widths depend on the terminal and the ids only, and the source gets room before the bar grows', () => {
  const a = tableLayout(80, ['lobby', 'entrance']);
  assert.deepEqual(tableLayout(80, ['lobby', 'entrance']), a);
  const source = (l: ReturnType<typeof tableLayout>) => l.columns.find((c) => c.key === 'source')?.width ?? 0;
  assert.equal(source(a), 18);
  assert.equal(a.barWidth, 8);
  const mid = tableLayout(120, ['lobby', 'entrance']);
  assert.equal(source(mid), 38);
  assert.equal(mid.barWidth, 12);
  const wide = tableLayout(160, ['lobby']);
  assert.equal(source(wide), 40);
  assert.equal(wide.barWidth, 20);
});

test('the frame is one line shorter than the terminal; the log pane takes part of the body', () => {
  assert.equal(frameHeight(24), 23);
  assert.deepEqual(bodyLayout(24, null, 30), { tableRows: 19, logLines: 0, previewLines: 0 });
  const many = bodyLayout(24, 'log', 30);
  assert.equal(many.tableRows + 1 + many.logLines, 20);
  assert.ok(many.logLines >= 5 && many.tableRows >= 5);
  const two = bodyLayout(24, 'log', 2);
  assert.deepEqual(two, { tableRows: 2, logLines: 17, previewLines: 0 }, 'a short table leaves the rest to the log');
  const preview = bodyLayout(24, 'preview', 30);
  assert.deepEqual(preview, { tableRows: 5, logLines: 0, previewLines: 14 }, 'the preview takes three quarters of the body');
});

test('a camera table widens the state column when there is room; the state falls back to its short form', () => {
  const state = (cols: number) => tableLayout(cols, ['door'], true).columns.find((c) => c.key === 'state')!.width;
  assert.equal(state(120), 23);
  assert.ok(state(80) < 23 && state(80) >= 10);
  const now = Date.parse('2026-01-01T12:00:00');
  const cam = fakeTask('door', { kind: 'camera', state: 'processing', lastFrameAt: now - 5000, reconnect: { attempt: 3, delayMs: 8000, at: now - 2000 }, outageSince: now - 5000 });
  const col = (w: number) => ({ key: 'state' as const, title: 'state', width: w, align: 'left' as const });
  assert.equal(cellText(cam, col(23), 0, true, now), 'reconnecting #3 in 6s');
  assert.equal(cellText(cam, col(15), 0, true, now), 'reconn #3 6s');
});

test('filter by id or source, sort, per-line rows by default when they fit, a window that keeps the selection on screen', () => {
  const tasks = [
    fakeTask('north', { source: '/v/gate-a.mp4', in: 1, lines: [{ name: 'door', in: 1, out: 0 }, { name: 'hall', in: 0, out: 0 }] }),
    fakeTask('south', { source: 'rtsp://cam/b', in: 5, lines: [{ name: 'gate', in: 5, out: 2 }] }),
    fakeTask('west', { source: '/v/gate-c.mp4', in: 3, lines: [{ name: 'a', in: 1, out: 0 }, { name: 'b', in: 2, out: 0 }] }),
  ];
  assert.deepEqual(visibleTasks(tasks, 'GATE', 'config').map((t) => t.id), ['north', 'west'], 'case-insensitive, sources too');
  assert.deepEqual(visibleTasks(tasks, '', 'in').map((t) => t.id), ['south', 'west', 'north']);
  assert.deepEqual(visibleTasks(tasks, '', 'id').map((t) => t.id), ['north', 'south', 'west']);
  // 3 tasks + 4 line rows of the two-line tasks fit in 7: all expanded; in 6 they do not.
  assert.deepEqual([...expandedIds(tasks, {}, 7)], ['north', 'west']);
  assert.deepEqual([...expandedIds(tasks, {}, 6)], []);
  assert.deepEqual([...expandedIds(tasks, { south: true, north: false }, 6)], ['south'], 'the user\'s choice wins');
  const rows = tableRows(tasks, new Set(['north', 'west']));
  assert.deepEqual(
    rows.map((r) => (r.kind === 'task' ? r.task.id : `${r.task.id}/${r.line.name}${r.last ? '.' : ''}`)),
    ['north', 'north/door', 'north/hall.', 'south', 'west', 'west/a', 'west/b.'],
  );
  assert.equal(rowWindow(rows, 'north', 4), 0);
  const start = rowWindow(rows, 'west', 4);
  assert.ok(start <= 4 && start + 4 >= 7, `west and both its lines are in rows ${start}..${start + 3}`);
  assert.equal(rowWindow(rows, 'south', 10), 0, 'no scrolling when everything fits');
});

test('the table scrolls to keep the selected row on screen', () => {
  const rows = tableRows(Array.from({ length: 30 }, (_, i) => fakeTask(`t${i}`)), new Set());
  assert.equal(rowWindow(rows.slice(0, 5), 't0', 10), 0);
  assert.equal(rowWindow(rows, 't0', 10), 0);
  assert.equal(rowWindow(rows, 't15', 10), 10);
  assert.equal(rowWindow(rows, 't29', 10), 20);
  for (let s = 0; s < 30; s++) {
    const start = rowWindow(rows, `t${s}`, 10);
    assert.ok(s >= start && s < start + 10);
  }
});

test('formatting: ETA in five characters, bars of exact width, sources without credentials, export summary', () => {
  assert.equal(formatEta(42), '0:42');
  assert.equal(formatEta(3599), '59:59');
  assert.equal(formatEta(3600 + 120), '1h02m');
  assert.equal(formatEta(500 * 3600), '99h+');
  assert.equal(formatEta(null), '');
  assert.equal(progressBar(0.5, 10, true), '█████░░░░░');
  assert.equal(progressBar(2, 6, false), '######');
  assert.equal(progressBar(-1, 4, false), '----');
  assert.equal(shortenSource('rtsp://user:pa55@cam.local:554/h264'), 'rtsp://cam.local:554/h264');
  assert.equal(shortenSource('/data/videos/lobby.mp4'), 'lobby.mp4');
  assert.equal(shortenSource('/dev/video0'), '/dev/video0');
  assert.equal(describeExport(['out/a.json', 'out/b.csv']), 'exported 2 files to out/: a.json, b.csv');
  assert.equal(describeExport([]), 'nothing to export yet');
  assert.equal(truncate('entrance-north', 8), 'entranc…');
  assert.equal(truncate('door', 8), 'door');
  assert.equal(truncateMiddle('rtsp://cam/stream1', 9), 'rtsp…eam1');
  assert.equal(truncateMiddle('lobby.mp4', 9), 'lobby.mp4');
});

test('NO_COLOR (when set and not empty) turns colour off; a non-UTF-8 locale turns to ASCII', () => {
  assert.equal(colorFromEnv({ NO_COLOR: '1' }), false);
  assert.equal(colorFromEnv({ NO_COLOR: '' }), true);
  assert.equal(colorFromEnv({}), true);
  assert.equal(unicodeFromEnv({ LANG: 'C' }), false);
  assert.equal(unicodeFromEnv({ LANG: 'en_US.UTF-8' }), true);
  assert.equal(unicodeFromEnv({ LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }), false);
});

const ctx: KeyContext = { taskIds: ['a', 'b', 'c'], unfinished: 1, logLength: 30, logPage: 8 };

test('keys: the quit question swallows other keys, help closes on Esc, commands go to the selected task', () => {
  let s = initialUi(ctx.taskIds);
  s = handleKey(s, 'q', {}, ctx).state;
  assert.equal(s.confirmQuit, true);
  const ignored = handleKey(s, 'c', {}, ctx);
  assert.equal(ignored.effect, null);
  assert.equal(ignored.state.confirmQuit, true);
  assert.deepEqual(handleKey(s, 'y', {}, ctx).effect, { kind: 'quit' });
  s = handleKey(s, '', { escape: true }, ctx).state;
  assert.equal(s.confirmQuit, false);
  s = handleKey(s, 'j', {}, ctx).state;
  assert.deepEqual(handleKey(s, 'r', {}, ctx).effect, { kind: 'command', command: 'restart', task: 'b' });
  s = handleKey(s, '?', {}, ctx).state;
  assert.equal(handleKey(s, 'c', {}, ctx).effect, null, 'no command while the help is open');
  assert.equal(handleKey(s, '', { escape: true }, ctx).state.help, false);
  assert.deepEqual(handleKey(initialUi([]), 'c', {}, { ...ctx, taskIds: [] }).effect, null);
});

test('keys: log scrolling stays within the log; quitting with nothing unfinished needs no answer', () => {
  let s = { ...initialUi(ctx.taskIds), logOpen: true };
  for (let i = 0; i < 10; i++) s = handleKey(s, '', { pageUp: true }, ctx).state;
  assert.equal(s.logScroll, 22);
  s = handleKey(s, '', { end: true }, ctx).state;
  assert.equal(s.logScroll, 0);
  s = handleKey(s, '', { pageDown: true }, ctx).state;
  assert.equal(s.logScroll, 0);
  assert.deepEqual(handleKey(s, 'q', {}, { ...ctx, unfinished: 0 }).effect, { kind: 'quit' });
  assert.deepEqual(handleKey(s, 'c', { ctrl: true }, ctx).effect, { kind: 'quit', signal: 'SIGINT' });
});

test('typed-ahead input is split into single keys; escape sequences and single keys pass through', () => {
  assert.deepEqual(splitTyped('j\rc', {}), [['j', {}], ['', { return: true }], ['c', {}]]);
  assert.deepEqual(splitTyped('q', {}), [['q', {}]]);
  assert.deepEqual(splitTyped('', { upArrow: true }), [['', { upArrow: true }]]);
});

test('cells: occupancy as counted (negative when people inside at the start left), idle fps "-", cameras "live", a queued file says so', () => {
  const layout = tableLayout(80, ['a']);
  const col = (key: string) => layout.columns.find((c) => c.key === key)!;
  assert.equal(cellText(fakeTask('a', { occupancy: -1 }), col('occ'), layout.barWidth, true), '-1');
  assert.equal(cellText(fakeTask('a', { occupancy: 3 }), col('occ'), layout.barWidth, true), '3');
  assert.equal(cellText(fakeTask('a', { fps: 12, state: 'completed' }), col('fps'), layout.barWidth, true), '-');
  assert.equal(cellText(fakeTask('a', { kind: 'camera', state: 'processing' }), col('progress'), layout.barWidth, true), 'live');
  assert.equal(cellText(fakeTask('a'), col('progress'), layout.barWidth, true), 'queued');
  assert.equal(cellText(fakeTask('a', { state: 'completed', progress: 1 }), col('progress'), 6, false), '###### 100% ');
});

test('cells: a camera waiting to be tried again shows why, and outside text is shown escaped', () => {
  const layout = tableLayout(80, ['a']);
  const col = (key: string) => layout.columns.find((c) => c.key === key)!;
  assert.equal(cellText(fakeTask('a', { kind: 'camera', state: 'processing', phase: 'offline' }), col('state'), layout.barWidth, true), 'offline');
  assert.equal(cellText(fakeTask('a', { kind: 'camera', state: 'processing', phase: 'restarting' }), col('state'), layout.barWidth, true), 'restarting');
  assert.equal(cellText(fakeTask('a', { state: 'processing', phase: 'running' }), col('state'), layout.barWidth, true), 'processing');
  assert.equal(cellText(fakeTask('a', { source: '/x/door\u001b]0;t\u0007.mp4' }), col('source'), 200, true), 'door\\x1b]0;t\\x07.mp4');
});

test('a footer message is broken at spaces to the width, a longer word across lines, and ends in … past its line limit', () => {
  assert.deepEqual(messageLines('lines of lobby applied', 80, 4), ['lines of lobby applied']);
  assert.deepEqual(messageLines('aaa bbb ccc ddd', 7, 4), ['aaa bbb', 'ccc ddd']);
  assert.deepEqual(messageLines('to reuse: --line 0.1,0.5,0.9,0.5,door', 10, 4), ['to reuse:', '--line', '0.1,0.5,0.', '9,0.5,door']);
  assert.deepEqual(messageLines('one two three four five six', 5, 2), ['one', 'two…']);
  assert.deepEqual([messageLineLimit(24), messageLineLimit(45), messageLineLimit(10), messageLineLimit(3)], [4, 4, 2, 1]);
});
