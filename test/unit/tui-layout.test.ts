import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeExport, formatEta, progressBar, shortenSource, truncate, truncateMiddle } from '../../src/tui/format.js';
import { bodyLayout, frameHeight, MARKER_WIDTH, GAP, scrollStart, tableLayout } from '../../src/tui/layout.js';
import { handleKey, initialUi, splitTyped, type KeyContext } from '../../src/tui/keys.js';
import { colorFromEnv, unicodeFromEnv } from '../../src/tui/theme.js';
import { cellText } from '../../src/tui/task-table.js';
import { fakeTask } from '../../src/tui/dev/fake-pool.js';

const width = (l: ReturnType<typeof tableLayout>) => MARKER_WIDTH + l.columns.reduce((s, c) => s + c.width, 0) + GAP * (l.columns.length - 1);
const keys = (l: ReturnType<typeof tableLayout>) => l.columns.map((c) => c.key);

test('the table fills at most the terminal width, keeps every column at 80, drops the least useful ones when narrower', () => {
  const ids = ['lobby', 'entrance'];
  for (const cols of [200, 120, 100, 80, 60, 50, 40, 30]) assert.ok(width(tableLayout(cols, ids)) <= cols, `${cols} columns`);
  assert.deepEqual(keys(tableLayout(80, ids)), ['id', 'source', 'state', 'fps', 'in', 'out', 'occ', 'progress', 'restarts']);
  const narrow = keys(tableLayout(50, ids));
  assert.ok(!narrow.includes('occ') && narrow.includes('state') && narrow.includes('id'));
  assert.deepEqual(keys(tableLayout(24, ids)), ['id', 'state']);
});

test('column widths depend on the terminal and the ids only, and the source gets room before the bar grows', () => {
  const a = tableLayout(80, ['lobby', 'entrance']);
  assert.deepEqual(tableLayout(80, ['lobby', 'entrance']), a);
  const source = (l: ReturnType<typeof tableLayout>) => l.columns.find((c) => c.key === 'source')?.width ?? 0;
  assert.equal(source(a), 16);
  assert.equal(a.barWidth, 6);
  const mid = tableLayout(100, ['lobby', 'entrance']);
  assert.equal(source(mid), 30);
  assert.equal(mid.barWidth, 12);
  const wide = tableLayout(160, ['lobby']);
  assert.equal(source(wide), 40);
  assert.equal(wide.barWidth, 20);
});

test('the frame is one line shorter than the terminal; the log pane takes part of the body', () => {
  assert.equal(frameHeight(24), 23);
  assert.deepEqual(bodyLayout(24, false, 30), { tableRows: 19, logLines: 0 });
  const many = bodyLayout(24, true, 30);
  assert.equal(many.tableRows + 1 + many.logLines, 20);
  assert.ok(many.logLines >= 5 && many.tableRows >= 5);
  const two = bodyLayout(24, true, 2);
  assert.deepEqual(two, { tableRows: 2, logLines: 17 }, 'a short table leaves the rest to the log');
});

test('the table scrolls to keep the selected row on screen', () => {
  assert.equal(scrollStart(0, 5, 10), 0);
  assert.equal(scrollStart(0, 30, 10), 0);
  assert.equal(scrollStart(15, 30, 10), 10);
  assert.equal(scrollStart(29, 30, 10), 20);
  for (let s = 0; s < 30; s++) {
    const start = scrollStart(s, 30, 10);
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
  assert.deepEqual(handleKey(s, 'y', {}, ctx).effect, { kind: 'quit', code: 0 });
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
  assert.deepEqual(handleKey(s, 'q', {}, { ...ctx, unfinished: 0 }).effect, { kind: 'quit', code: 0 });
  assert.deepEqual(handleKey(s, 'c', { ctrl: true }, ctx).effect, { kind: 'quit', code: 130 });
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
