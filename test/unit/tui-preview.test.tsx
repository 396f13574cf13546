import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreviewEvent } from '../../src/protocol/events.js';
import { FakePool, fakeTask } from '../../src/tui/dev/fake-pool.js';
import type { UiPreferences } from '../../src/tui/app.js';
import { KEY, mountDashboard, type Mounted } from '../tui-harness.js';

/** The dashboard's picture, editor and table additions, on the fake pool. */

const door = { name: 'door', points: [0.5, 0, 0.5, 1] as [number, number, number, number] };
const hall = { name: 'hall', points: [0, 0.7, 1, 0.7] as [number, number, number, number] };

const pool = () =>
  new FakePool([
    fakeTask('lobby', {
      state: 'processing',
      progress: 0.4,
      fps: 20,
      in: 4,
      out: 2,
      occupancy: 2,
      lines: [
        { name: 'door', in: 3, out: 1 },
        { name: 'hall', in: 1, out: 1 },
      ],
      lineSpecs: [door, hall],
    }),
    fakeTask('north', { state: 'processing', progress: 0.1, fps: 10, in: 1, lines: [{ name: 'gate', in: 1, out: 0 }], lineSpecs: [{ name: 'gate', points: [0.3, 0, 0.3, 1] }] }),
  ]);

/** A 32×24 picture as a worker sends it: a left-to-right grey gradient. */
function picture(task: string, width = 32, height = 24): PreviewEvent {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.fill(Math.round((x / (width - 1)) * 255), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return {
    v: 1,
    type: 'preview',
    task,
    ts: Date.now(),
    frame: 42,
    pts: 4.2,
    width,
    height,
    encoding: 'rgb24-base64',
    data: rgb.toString('base64'),
    source_width: 768,
    source_height: 576,
    tracks: [{ id: 7, box: [300, 200, 60, 150] }],
    lines: [{ ...door, in: 3, out: 1 }],
  };
}

const row = (ui: Mounted, text: string) => ui.lines().find((l) => l.includes(text)) ?? '';

async function quit(ui: Mounted) {
  await ui.press(KEY.ctrlC);
  await ui.exitCode;
}

test('v asks the worker for pictures sized to the pane and draws them in half blocks with the lines, their names and counts', async () => {
  const p = pool();
  const ui = mountDashboard(p, { columns: 80, rows: 24 }, { colourMode: '256' });
  await ui.waitFor(/lobby/);
  await ui.press('v');
  await ui.waitFor(/preview: lobby/);
  await ui.waitFor(() => p.previewRequests.has('lobby'));
  // 24 rows: 20 for the body; the table header and its 3 rows (two tasks, the totals), a title, 15 rows of two pixels.
  assert.deepEqual(p.previewRequests.get('lobby'), { width: 80, height: 30, intervalMs: 500 });
  p.showPicture(picture('lobby'));
  const frame = await ui.waitFor(/frame 42, 1 tracked/);
  assert.match(frame, /▀/);
  assert.match(frame, /door in 3 out 1/);
  assert.match(frame, /hall in 1 out 1/);
  assert.match(frame, /←/, 'the in-arrow of the door');
  assert.equal(ui.lines().length, 23);
  for (const line of ui.lines()) assert.ok(line.replace(/\u001B\[[0-9;]*m/g, '').length <= 80);
  await ui.press('j');
  await ui.waitFor(() => p.previewRequests.get('lobby') === null);
  assert.deepEqual(p.previewRequests.get('north'), { width: 80, height: 30, intervalMs: 500 });
  await ui.resize(100, 30);
  await ui.waitFor(() => p.previewRequests.get('north')?.width === 100);
  await ui.press('v');
  await ui.waitFor(() => p.previewRequests.get('north') === null);
  assert.doesNotMatch(ui.frame(), /preview: north/, 'closing the preview stops the pictures');
  await quit(ui);
});

test('NO_COLOR: the preview is a grey ramp with no escape code; the lines are still drawn and named', async () => {
  const p = pool();
  const ui = mountDashboard(p, { columns: 80, rows: 24 }, { color: false });
  await ui.waitFor(/lobby/);
  await ui.press('v');
  await ui.waitFor(() => p.previewRequests.has('lobby'));
  p.showPicture(picture('lobby'));
  const frame = await ui.waitFor(/frame 42/);
  assert.doesNotMatch(frame, /\u001B|▀/);
  assert.match(frame, /door in 3 out 1/);
  assert.match(frame, /\|/, 'the vertical door line');
  assert.match(frame, /@/, 'the bright side of the gradient');
  await quit(ui);
});

test('l edits the lines on the picture: Enter hands them to the pool and to the saver, whose answer is shown', async () => {
  const p = pool();
  const saved: unknown[] = [];
  const ui = mountDashboard(p, { columns: 80, rows: 24 }, {
    saveLines: async (task, lines) => {
      saved.push({ task, lines });
      return `lines of ${task} applied and saved to test.json`;
    },
  });
  await ui.waitFor(/lobby/);
  await ui.press('l');
  await ui.waitFor(/lines of lobby: door \(end A\)/);
  assert.match(ui.lines().at(-1) ?? '', /Tab line.*Enter apply  Esc cancel$/);
  await ui.press('\t');
  await ui.waitFor(/lines of lobby: hall/);
  await ui.press(' ');
  await ui.press(' ');
  await ui.press('k');
  await ui.waitFor(/hall \(whole line\) \*/);
  await ui.press('x');
  assert.deepEqual(p.calls, [], 'task keys do not reach the pool while editing');
  await ui.press(KEY.enter);
  await ui.waitFor(/lines of lobby applied and saved to test\.json/);
  const moved = { name: 'hall', points: [0, 0.68, 1, 0.68] };
  assert.deepEqual(p.calls, ['lines lobby 0.5,0,0.5,1,door 0,0.68,1,0.68,hall']);
  assert.deepEqual(saved, [{ task: 'lobby', lines: [door, moved] }]);
  await quit(ui);
});

test('l in fleet mode: the running worker cannot switch lines, so the footer says they apply from the next run, not that they were applied', async () => {
  const p = pool();
  p.linesTaken = 'fleet-next-run';
  const ui = mountDashboard(p, { columns: 160, rows: 24 }, {});
  await ui.waitFor(/lobby/);
  await ui.press('l');
  await ui.waitFor(/lines of lobby: door \(end A\)/);
  await ui.press('f');
  await ui.press(KEY.enter);
  await ui.waitFor(/lines of lobby set; they apply from its next run: its fleet worker counts on the old ones until then \(r restarts it on them\)/);
  assert.doesNotMatch(ui.lines().join('\n'), /lines of lobby applied/);
  await quit(ui);
});

test('the table: per-line rows when there is room (→/← to choose), a totals row, stopped apart from completed, camera states', async () => {
  const now = Date.now();
  const p = new FakePool([
    ...pool().snapshot().tasks,
    fakeTask('ended', { state: 'completed', doneReason: 'end', progress: 1 }),
    fakeTask('halted', { state: 'completed', doneReason: 'stopped', progress: 0.01 }),
    fakeTask('cam1', { kind: 'camera', state: 'processing', lastFrameAt: now - 300 }),
    fakeTask('cam2', { kind: 'camera', state: 'processing', lastFrameAt: now - 3000, reconnect: { attempt: 2, delayMs: 5000, at: now - 1000 }, outageSince: now - 3000 }),
    fakeTask('cam3', { kind: 'camera', state: 'processing', lastFrameAt: now - 95_000, reconnect: { attempt: 9, delayMs: 30_000, at: now - 2000 }, outageSince: now - 95_000 }),
  ]);
  const ui = mountDashboard(p, { columns: 120, rows: 30 });
  await ui.waitFor(/lobby/);
  assert.match(row(ui, '├ door'), /├ door\s+3\s+1\s+2/);
  assert.match(row(ui, '└ hall'), /└ hall\s+1\s+1\s+0/);
  assert.doesNotMatch(ui.frame(), /└ gate/, 'a single line needs no row of its own');
  assert.match(row(ui, 'total'), /total\s+7 tasks\s+30\.0\s+5\s+2\s+2/);
  assert.match(row(ui, 'ended '), /completed/);
  assert.match(row(ui, 'halted '), /stopped/);
  assert.match(row(ui, 'cam1 '), /online.*live, frame 0\.\ds ago/);
  assert.match(row(ui, 'cam2 '), /reconnecting #2 in [34]s/);
  const since = new Date(now - 95_000).toTimeString().slice(0, 8);
  assert.match(row(ui, 'cam3 '), new RegExp(`offline since ${since}`));
  await ui.press(KEY.left);
  await ui.waitFor((f) => !/├ door/.test(f));
  await ui.press('j');
  await ui.press(KEY.right);
  await ui.waitFor(/└ gate\s+1\s+0\s+1/);
  await quit(ui);
});

test('/ filters by id or source while typing; Esc clears; o sorts; preferences are reported and restored', async () => {
  const p = pool();
  const prefs: UiPreferences[] = [];
  const ui = mountDashboard(p, { columns: 80, rows: 24 }, { onPreferences: (x) => prefs.push(x) });
  await ui.waitFor(/lobby/);
  await ui.press('/');
  await ui.press('nor');
  const filtered = await ui.waitFor((f) => !/lobby/.test(f));
  assert.match(filtered, /^> north/m);
  assert.match(ui.lines().at(-1) ?? '', /\/nor/);
  await ui.press(KEY.escape);
  await ui.waitFor(/lobby/);
  await ui.press('o');
  await ui.press('o');
  await ui.waitFor(/sorted by state/);
  await ui.press('v');
  await ui.waitFor(() => prefs.at(-1)?.preview === true);
  assert.deepEqual(prefs.at(-1), { logOpen: false, preview: true, sort: 'state' });
  await quit(ui);

  const again = mountDashboard(pool(), { columns: 80, rows: 24 }, { preferences: { preview: true, sort: 'id', logOpen: false } });
  const restored = await again.waitFor(/preview: lobby/);
  assert.ok(restored.indexOf('lobby') < restored.indexOf('north'));
  await quit(again);
});

test('a message longer than the footer (why the lines were not saved) is shown whole over several lines; the frame keeps its height', async () => {
  const p = pool();
  const why = '/home/site/configs/entrance-and-lobby.json is read-only (mode 0444); the lines are printed when you quit';
  const ui = mountDashboard(p, { columns: 80, rows: 24 }, {
    saveLines: async () => {
      throw new Error(why);
    },
  });
  await ui.waitFor(/lobby/);
  await ui.press('l');
  await ui.waitFor(/lines of lobby: door \(end A\)/);
  await ui.press('f');
  await ui.press(KEY.enter);
  await ui.waitFor(/when you quit$/);
  assert.equal(ui.lines().slice(-2).join(' '), `lines of lobby applied; not saved: ${why}`);
  assert.ok(ui.lines().slice(-2).every((l) => l.length <= 80));
  assert.equal(ui.lines().length, 23, 'one line less than the terminal, as always');
  await quit(ui);
});
