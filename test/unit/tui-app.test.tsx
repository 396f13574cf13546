import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakePool, fakeTask } from '../../src/tui/dev/fake-pool.js';
import { SignalLatch } from '../../src/common/signal-latch.js';
import { KEY, mountDashboard, type Mounted } from '../tui-harness.js';

const twoTasks = () =>
  new FakePool([
    fakeTask('lobby', { state: 'processing', progress: 0.5, etaSeconds: 42, fps: 12.5, in: 3, out: 1, occupancy: 2, logs: ['opened lobby.mp4'] }),
    fakeTask('door', { source: 'rtsp://admin:hunter2@cam7/live', kind: 'camera', restarts: 2 }),
  ]);

/** The row of a task as shown, found by its id. */
const row = (ui: Mounted, id: string) => ui.lines().find((l) => l.slice(2).startsWith(`${id} `)) ?? '';

async function quit(ui: Mounted) {
  await ui.press(KEY.ctrlC);
  await ui.exitCode;
}

test('the table shows every task with its state, counts, progress bar and ETA; the first is selected', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  assert.match(ui.lines()[0], /^pcount-tui\s+test\.json/);
  assert.match(ui.lines()[1], /active 1\/2\s+queued 1\s+done 0\s+failed 0/);
  assert.match(ui.lines()[1], /12\.5 fps/);
  assert.match(ui.frame(), /task\s+source\s+state\s+fps\s+in\s+out\s+occ\s+progress \/ eta\s+cpu$/m);
  assert.match(row(ui, 'lobby'), /^> lobby\s+lobby\.mp4\s+processing\s+12\.5\s+3\s+1\s+2\s+█+░+\s+50% 0:42\s+-$/);
  assert.match(row(ui, 'door'), /^ {2}door\s+rtsp:\/\/cam7\/live\s+pending\s+-\s+0\s+0\s+0\s+live\s+-$/);
  assert.match(row(ui, 'total'), /^ {2}total\s+2 tasks\s+12\.5\s+3\s+1\s+2\s+0%$/, 'a totals row under the tasks');
  assert.doesNotMatch(ui.frame(), /hunter2/, 'credentials in a source URL never reach the screen');
  await quit(ui);
});

test('j/k and the arrows move the selection marker; it stops at both ends', async () => {
  const ui = mountDashboard(twoTasks());
  await ui.waitFor(/lobby/);
  await ui.press('j');
  await ui.waitFor((f) => /^> door/m.test(f));
  assert.match(row(ui, 'lobby'), /^ {2}lobby/);
  await ui.press(KEY.down);
  assert.match(row(ui, 'door'), /^> door/);
  await ui.press('k');
  await ui.waitFor((f) => /^> lobby/m.test(f));
  await ui.press(KEY.up);
  await ui.press(KEY.up);
  assert.match(row(ui, 'lobby'), /^> lobby/);
  await ui.press(KEY.down);
  await ui.waitFor((f) => /^> door/m.test(f));
  await quit(ui);
});

test('Enter opens the log pane of the selected task and closes it again', async () => {
  const pool = twoTasks();
  pool.update((tasks) => tasks.map((t) => (t.id === 'door' ? { ...t, logs: ['connecting to camera', 'warn: stream stalled'] } : t)));
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  assert.doesNotMatch(ui.frame(), /log: /);
  await ui.press('j');
  await ui.press(KEY.enter);
  const open = await ui.waitFor(/log: door/);
  assert.match(open, /^connecting to camera$/m);
  assert.match(open, /^warn: stream stalled$/m);
  assert.doesNotMatch(open, /opened lobby\.mp4/);
  await ui.press(KEY.enter);
  await ui.waitFor((f) => !/log: door/.test(f));
  await quit(ui);
});

test('the log pane shows the newest lines and scrolls with PgUp/PgDn within the bounds of the log', async () => {
  const logs = Array.from({ length: 40 }, (_, i) => `line ${String(i + 1).padStart(2, '0')}`);
  const ui = mountDashboard(new FakePool([fakeTask('cam', { state: 'processing', logs })]));
  await ui.waitFor(/cam/);
  await ui.press(KEY.enter);
  const tail = await ui.waitFor(/log: cam/);
  // 24 rows: 23 drawn, 20 for the body; one task row leaves 18 lines to the pane, 17 of them log lines.
  assert.match(tail, /24-40\/40 following/);
  assert.match(tail, /^line 40$/m);
  assert.match(tail, /^line 24$/m);
  assert.doesNotMatch(tail, /^line 23$/m);
  await ui.press(KEY.pageUp);
  const up = await ui.waitFor(/7-23\/40/);
  assert.match(up, /^line 07$/m);
  assert.doesNotMatch(up, /^line 24$/m);
  for (let i = 0; i < 10; i++) await ui.press(KEY.pageUp);
  await ui.waitFor(/1-17\/40/);
  await ui.press(KEY.pageDown);
  await ui.waitFor(/18-34\/40/);
  for (let i = 0; i < 10; i++) await ui.press(KEY.pageDown);
  await ui.waitFor(/24-40\/40 following/);
  await quit(ui);
});

test('s, x and c dispatch start, stop and cancel for the selected task', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press('c');
  await ui.waitFor(/^> lobby\s+\S+\s+cancelled/m);
  assert.match(ui.lines().at(-1) ?? '', /cancel lobby/);
  await ui.press('j');
  await ui.press('s');
  await ui.press('x');
  assert.deepEqual(pool.calls, ['cancel lobby', 'start door', 'stop door']);
  await quit(ui);
});

test('r restarts a task that does not run at once, and asks before discarding the counts of a running one', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press('r');
  await ui.waitFor(/Restart lobby from zero and discard its counts \(3 in, 1 out\)\? \(y\/n\)/);
  assert.deepEqual(pool.calls, []);
  await ui.press('j');
  assert.match(row(ui, 'lobby'), /^> lobby/, 'while asking, other keys do nothing');
  await ui.press('n');
  await ui.waitFor(/lobby goes on/);
  assert.deepEqual(pool.calls, []);
  await ui.press('r');
  await ui.waitFor(/Restart lobby from zero/);
  await ui.press('y');
  await ui.waitFor(/restart lobby/);
  assert.deepEqual(pool.calls, ['restart lobby']);
  await ui.press('j');
  await ui.waitFor((f) => /^> door/m.test(f));
  await ui.press('r');
  assert.deepEqual(pool.calls, ['restart lobby', 'restart door'], 'a pending task is restarted without a question');
  await quit(ui);
});

test('a command the pool rejects is reported in the footer, the dashboard goes on', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  pool.rejectNext = 'task lobby is completed';
  await ui.press('c');
  await ui.waitFor(/cannot cancel lobby: task lobby is completed/);
  await ui.press('j');
  await ui.waitFor((f) => /^> door/m.test(f));
  await quit(ui);
});

test('e exports and shows the written files', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press('e');
  const shown = await ui.waitFor(/exported 3 files to results\/: summary\.json, lobby\.csv, crossings\.ndjson/);
  assert.ok(pool.calls.includes('export'));
  assert.ok(shown.split('\n').every((l) => l.length <= 80));
  await quit(ui);
});

test('? shows the help in place of the table and closes again', async () => {
  const ui = mountDashboard(twoTasks());
  await ui.waitFor(/lobby/);
  await ui.press('?');
  const help = await ui.waitFor(/Keys \(press \? or Esc to close\)/);
  for (const key of ['Enter', 'PgUp/PgDn', 's ', 'x ', 'c ', 'r ', 'e ', 'q ']) assert.ok(help.includes(`\n${key}`), `help lists ${key}`);
  assert.doesNotMatch(help, /^> lobby/m);
  await ui.press('?');
  await ui.waitFor(/^> lobby/m);
  await quit(ui);
});

test('q asks before stopping running tasks: n keeps running, y shuts the pool down and exits 1 for the tasks cut short', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press('q');
  await ui.waitFor(/Quit and stop 2 unfinished tasks\? \(y\/n\)/);
  await ui.press('n');
  await ui.waitFor((f) => !/Quit and stop/.test(f));
  assert.deepEqual(pool.calls, []);
  await ui.press('q');
  await ui.waitFor(/Quit and stop/);
  await ui.press('y');
  assert.equal(await ui.exitCode, 1);
  assert.deepEqual(pool.calls, ['shutdown']);
});

test('q quits at once when every task has finished: exit 1 after a failed task, as headless', async () => {
  const pool = new FakePool([fakeTask('a', { state: 'completed', progress: 1 }), fakeTask('b', { state: 'error', reason: 'no such file' })]);
  const ui = mountDashboard(pool);
  await ui.waitFor(/all tasks finished/);
  await ui.press('q');
  assert.equal(await ui.exitCode, 1);
  assert.deepEqual(pool.calls, ['shutdown']);
});

test('q after every task completed exits 0 and leaves the totals and the results folder on the terminal', async () => {
  const pool = new FakePool([fakeTask('a', { state: 'completed', progress: 1, in: 5, out: 2 }), fakeTask('b', { state: 'completed', progress: 1, in: 1, out: 4 })]);
  pool.update((t) => t, { lastExport: { dir: '/srv/results', files: ['/srv/results/results.json', '/srv/results/a.csv', '/srv/results/b.csv'], at: 0, error: null } });
  const ui = mountDashboard(pool);
  await ui.waitFor(/all tasks finished/);
  await ui.press('q');
  assert.equal(await ui.exitCode, 0);
  const summary = ui.stdout.writes.at(-1) ?? '';
  assert.equal(summary, 'pcount-tui: 2 tasks, 2 completed, 0 failed, 0 cancelled; 6 in, 6 out\nresults: /srv/results\n  results.json\n  a.csv\n  b.csv\n');
});

test('the totals left on the terminal say "1 task" for one task', async () => {
  const pool = new FakePool([fakeTask('a', { state: 'completed', progress: 1, in: 3, out: 1 })]);
  const ui = mountDashboard(pool);
  await ui.waitFor(/all tasks finished/);
  await ui.press('q');
  assert.equal(await ui.exitCode, 0);
  assert.match(ui.stdout.writes.at(-1) ?? '', /^pcount-tui: 1 task, 1 completed, 0 failed, 0 cancelled; 3 in, 1 out\n/);
});

test('Ctrl-C shuts the pool down without asking and exits 130', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press(KEY.ctrlC);
  assert.equal(await ui.exitCode, 130);
  assert.deepEqual(pool.calls, ['shutdown']);
});

test('Ctrl-C or SIGTERM when no task was cut short (all completed, or left running in the fleet) exits 0, as headless', async () => {
  for (const end of [(ui: Mounted) => ui.press(KEY.ctrlC), async () => void process.emit('SIGTERM')]) {
    const pool = new FakePool([fakeTask('a', { state: 'completed', progress: 1, in: 2 }), fakeTask('b', { state: 'left', kind: 'camera' })]);
    const ui = mountDashboard(pool);
    await ui.waitFor((f) => /^. a /m.test(f));
    await end(ui);
    assert.equal(await ui.exitCode, 0);
    assert.deepEqual(pool.calls, ['shutdown']);
  }
});

test('keys typed in one read (as over SSH) act one after the other', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool);
  await ui.waitFor(/lobby/);
  await ui.press('j\rc');
  await ui.waitFor(/log: door/);
  assert.deepEqual(pool.calls, ['cancel door']);
  await quit(ui);
});

test('every frame is exactly one line shorter than the terminal, so Ink never clears the screen', async () => {
  const ui = mountDashboard(twoTasks(), { columns: 80, rows: 24 });
  await ui.waitFor(/lobby/);
  assert.equal(ui.lines().length, 23);
  assert.match(ui.lines()[22], /move.*preview.*cancel.*\? help  q quit$/);
  await ui.press(KEY.enter);
  await ui.waitFor(/log: lobby/);
  assert.equal(ui.lines().length, 23);
  await quit(ui);
});

test('at 80 columns long ids and sources are cut, not wrapped; a narrow terminal drops the least useful columns', async () => {
  const longSource = '/very/long/folder/name/that/goes/on/camera-recording-2024-06-01-entrance-north.mp4';
  const pool = new FakePool([fakeTask('entrance-north-long-id', { source: longSource, state: 'processing', progress: 0.25, etaSeconds: 4000 })]);
  const ui = mountDashboard(pool, { columns: 80, rows: 24 });
  await ui.waitFor(/entrance/);
  for (const line of ui.lines()) assert.ok(line.length <= 80, `fits 80 columns: ${JSON.stringify(line)}`);
  const wide = ui.lines().find((l) => l.startsWith('> ')) ?? '';
  assert.match(wide, /^> entrance-north-… /);
  assert.match(wide, /…/);
  assert.match(wide, /1h06m/);
  await ui.resize(50, 20);
  const narrow = await ui.waitFor((f) => f.split('\n').length === 19);
  for (const line of narrow.split('\n')) assert.ok(line.length <= 50, `fits 50 columns: ${JSON.stringify(line)}`);
  assert.doesNotMatch(narrow, /\bsource\b|progress/);
  assert.match(narrow, /state\s+in\s+out\s+occ/, 'the counts are the last columns to go');
  assert.match(narrow, /^> entrance\S*\s+processing/m);
  await ui.resize(120, 40);
  const big = await ui.waitFor((f) => f.split('\n').length === 39);
  assert.match(big, /occ/);
  assert.match(big, /camera-record\S*…\S*-north\.mp4/);
  assert.doesNotMatch(wide, /entrance-north\.mp4/, 'at 80 columns less of the name fits');
  await quit(ui);
});

/** One event-loop turn: any timer due by now would have run before it ends. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a burst of pool changes is drawn once, when the refresh interval is up', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool, undefined, { refreshMs: 400 });
  await ui.waitFor(/lobby/);
  // A key press re-reads the pool at once and starts a refresh interval.
  await ui.press('j');
  await ui.waitFor((f) => /^> door/m.test(f));
  const before = ui.stdout.writes.length;
  for (let i = 1; i <= 30; i++) pool.update((tasks) => tasks.map((t) => (t.id === 'lobby' ? { ...t, in: 100 + i } : t)));
  await turn();
  assert.equal(ui.stdout.writes.length, before, 'nothing is drawn before the interval is up');
  await ui.waitFor(() => /\b130\b/.test(row(ui, 'lobby')));
  assert.equal(ui.stdout.writes.length - before, 1, 'the 30 changes are drawn in one frame');
  await quit(ui);
});

test('a key press redraws at once with what changed meanwhile, without waiting for the refresh interval', async () => {
  const pool = twoTasks();
  // An interval no test outlasts: whatever is drawn after a change was drawn because of the key.
  const ui = mountDashboard(pool, undefined, { refreshMs: 600_000 });
  await ui.waitFor(/lobby/);
  pool.update((tasks) => tasks.map((t) => (t.id === 'lobby' ? { ...t, in: 999 } : t)));
  await turn();
  assert.doesNotMatch(row(ui, 'lobby'), /\b999\b/);
  await ui.press('j');
  await ui.waitFor((f) => /^> door/m.test(f));
  assert.match(row(ui, 'lobby'), /\b999\b/);
  await quit(ui);
});

test('without a terminal on stdin the dashboard still shows, says keys are off, and SIGTERM stops the pool (143)', async () => {
  const pool = twoTasks();
  const ui = mountDashboard(pool, undefined, {}, false);
  await ui.waitFor(/lobby/);
  assert.match(ui.lines().at(-1) ?? '', /keys off: stdin is not a terminal/);
  process.emit('SIGTERM');
  assert.equal(await ui.exitCode, 143);
  assert.deepEqual(pool.calls, ['shutdown']);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'the dashboard removes its signal handlers');
});

test('a Ctrl-C that came while the run was starting quits the dashboard at once, as a later one: 130, the totals printed', async () => {
  const pool = twoTasks();
  const latch = new SignalLatch();
  process.emit('SIGINT');
  const ui = mountDashboard(pool, undefined, { latch });
  assert.equal(await ui.exitCode, 130);
  assert.deepEqual(pool.calls, ['shutdown']);
  assert.match(ui.stdout.writes.at(-1) ?? '', /^pcount-tui: 2 tasks, .*; 3 in, 1 out\n/);
  assert.equal(process.listenerCount('SIGINT'), 0, 'neither the latch nor the dashboard listens any more');
});

test('on a small terminal the header keeps the name and "? help" on one line, dropping the /metrics address first; the frame keeps its height', async () => {
  const ui = mountDashboard(twoTasks(), { columns: 40, rows: 10 }, { note: 'http://127.0.0.1:9464/metrics' });
  await ui.waitFor(/lobby/);
  assert.match(ui.lines()[0], /^pcount-tui .*\? help$/);
  assert.match(ui.lines()[1], /^active 1\/2/);
  assert.equal(ui.lines().length, 9);
  await ui.resize(20, 6);
  await ui.waitFor((f) => f.split('\n').length === 5 && /^pcount-tui/.test(f));
  assert.match(ui.lines()[1], /^active/);
  // The log pane does not fit; cut, it no longer runs over the footer.
  await ui.press(KEY.enter);
  await ui.waitFor(/── log: lobby/);
  assert.equal(ui.lines().at(-1), '? help  q quit');
  assert.equal(ui.lines().length, 5);
  await ui.press(KEY.enter);
  await ui.resize(100, 24);
  await ui.waitFor(/metrics/);
  assert.match(ui.lines()[0], /^pcount-tui  test\.json\s+http:\/\/127\.0\.0\.1:9464\/metrics  \? help$/);
  await quit(ui);
});
