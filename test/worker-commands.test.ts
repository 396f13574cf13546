import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { CrossingEvent, DoneEvent, LinesEvent, PreviewEvent, ProgressEvent, WorkerEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { killLater, repoRoot, spawnWorker, within, type WorkerChild } from './worker-harness.js';

/**
 * The worker's stdin commands with a real worker on real footage: lines replaced mid-run keep the counts and count
 * exactly as a worker that had the new lines from the start; preview pictures only while asked for.
 */

const footage = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');
const FRAMES = 300;
const base = ['--source', footage, '--threads', '1', '--max-frames', String(FRAMES), '--emit-tracks'];
const lineArg = (name: string, p: number[]) => ['--line', `${p.join(',')},${name}`];
const DOOR = [0.5, 0, 0.5, 1];
const DOOR_MOVED = [0.3, 0, 0.3, 1];
const HALL = [0, 0.5, 1, 0.5];

interface Seen {
  line: string;
  track: number;
  direction: string;
  frame: number;
  /**
   * The frame being processed when the crossing was reported (a held-back one is reported later than it happened);
   * Infinity for one still held when counting ended, reported after the last frame.
   */
  at: number;
}

/** Crossings with the frame they were reported on: the frame of the `tracks` event that follows them. */
function crossings(events: WorkerEvent[]): Seen[] {
  const out: Seen[] = [];
  let pending: CrossingEvent[] = [];
  for (const e of events) {
    if (e.type === 'crossing') pending.push(e);
    if (e.type === 'tracks') {
      out.push(...pending.map((c) => ({ line: c.line, track: c.track, direction: c.direction, frame: c.frame, at: e.frame })));
      pending = [];
    }
  }
  // After the last `tracks`: released when counting ended (before `done`).
  assert.ok(pending.length === 0 || events.at(-1)?.type === 'done', 'every crossing is followed by the tracks of its frame, or by the end');
  out.push(...pending.map((c) => ({ line: c.line, track: c.track, direction: c.direction, frame: c.frame, at: Infinity })));
  return out;
}

const key = (c: Seen) => `${c.line} ${c.track} ${c.direction} ${c.frame}@${c.at}`;
/** Track ids are numbered in the order tracks began, which differs when the crops before the switch differed. */
const keyWithoutTrack = (c: Seen) => `${c.line} ${c.direction} ${c.frame}@${c.at}`;

async function finished(w: WorkerChild): Promise<DoneEvent> {
  const exit = await within(w.exited, 240_000, 'worker exit');
  assert.equal(exit.code, 0, w.stderr());
  const done = w.events.at(-1);
  assert.equal(done?.type, 'done');
  for (const line of w.lines) assert.ok(validateEvent(JSON.parse(line)).ok, line.slice(0, 200));
  return done as DoneEvent;
}

test('lines switched mid-run: crossings before use the old lines, after the new ones, exactly as fresh workers count them; counts kept', async (t) => {
  const before = spawnWorker([...base, ...lineArg('door', DOOR)]);
  const after = spawnWorker([...base, ...lineArg('door', DOOR_MOVED), ...lineArg('hall', HALL)]);
  const switched = spawnWorker([...base, ...lineArg('door', DOOR)], { stdin: 'pipe' });
  for (const w of [before, after, switched]) t.after(killLater(w.child));

  await switched.waitFor((e) => e.type === 'progress' && e.frame >= FRAMES / 2, 180_000, `frame ${FRAMES / 2}`);
  const doorBefore = (switched.events.filter((e) => e.type === 'progress').at(-1) as ProgressEvent).lines.find((l) => l.name === 'door')!;
  switched.child.stdin!.write(`${JSON.stringify({ cmd: 'lines', lines: [{ name: 'door', points: DOOR_MOVED }, { name: 'hall', points: HALL }] })}\n`);
  const changed = (await switched.waitFor((e) => e.type === 'lines', 30_000, 'the lines event')) as LinesEvent;
  assert.deepEqual(changed.lines, [{ name: 'door', points: DOOR_MOVED }, { name: 'hall', points: HALL }]);
  const F = changed.frame;
  assert.ok(F > FRAMES / 2 && F < FRAMES, `switched at frame ${F}`);

  const [doneBefore, doneAfter, done] = await Promise.all([finished(before), finished(after), finished(switched)]);
  assert.equal(done.frames, FRAMES);
  const all = crossings(switched.events);
  const at = switched.events.indexOf(changed);
  const early = crossings(switched.events.slice(0, at + 1).concat({ type: 'tracks', frame: F - 1 } as WorkerEvent)).filter((c) => c.at < F);
  // Before the switch: the old line only, exactly as the worker that never switched.
  assert.deepEqual(early.map(key), crossings(before.events).filter((c) => c.at < F).map(key));
  assert.ok(early.length >= 2, `${early.length} crossings before the switch`);
  // After it (past a moment for the moved and new lines to learn which side people are on): as a worker that had the
  // new lines from the start (its crops followed those lines from the start, so its track ids may differ).
  const settle = F + 30;
  const late = all.filter((c) => c.at >= settle);
  assert.deepEqual(late.map(keyWithoutTrack), crossings(after.events).filter((c) => c.at >= settle).map(keyWithoutTrack));
  assert.ok(late.some((c) => c.line === 'hall') && late.some((c) => c.line === 'door'), 'both new lines count');
  assert.ok(all.every((c) => c.at >= F || c.line === 'door'), 'hall counts nothing before it exists');

  // Counts kept: the final door count is everything door counted, before and after; the totals add up.
  const count = (line: string, direction: string) => all.filter((c) => c.line === line && c.direction === direction).length;
  assert.deepEqual(done.lines, [
    { name: 'door', in: count('door', 'in'), out: count('door', 'out') },
    { name: 'hall', in: count('hall', 'in'), out: count('hall', 'out') },
  ]);
  assert.ok(done.lines[0].in >= doorBefore.in && done.lines[0].out >= doorBefore.out);
  assert.equal(done.in + done.out, all.length);
  assert.ok(doneBefore.in + doneBefore.out > 0 && doneAfter.in + doneAfter.out > 0);
});

test('a bad set of lines is refused with a non-fatal BAD_LINE and the old lines go on', async (t) => {
  const w = spawnWorker(['--source', footage, '--max-frames', '60', ...lineArg('door', DOOR)], { stdin: 'pipe' });
  t.after(killLater(w.child));
  // Ends 0.19 px apart even on a 1920-pixel frame: a line nothing can cross, refused like one of no length.
  w.child.stdin!.write('{"cmd":"lines","lines":[{"name":"a","points":[0.2,0.2,0.2,0.2001]}]}\n');
  // One set at a time: a newer set sent before the worker took the last one replaces it.
  await w.waitFor((e) => e.type === 'error', 60_000, 'the first refusal');
  w.child.stdin!.write('{"cmd":"lines","lines":[{"name":"a","points":[0,0,1,1]},{"name":"a","points":[1,0,0,1]}]}\n');
  w.child.stdin!.write('{"cmd":"fly"}\n');
  const done = await finished(w);
  const errors = w.events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 2);
  for (const e of errors) assert.ok(e.type === 'error' && e.code === 'BAD_LINE' && !e.fatal);
  assert.match(JSON.stringify(errors), /line \\"a\\" \(0\.2,0\.2,0\.2,0\.2001\) has its ends 0\.19 px apart on the largest frame counted/);
  assert.match(JSON.stringify(errors), /used twice/);
  assert.ok(w.events.some((e) => e.type === 'log' && e.level === 'warn' && /ignored stdin line.*cmd.*fly/.test(e.message)));
  assert.deepEqual(done.lines.map((l) => l.name), ['door']);
  assert.equal(w.events.filter((e) => e.type === 'lines').length, 0);
});

test('previews: none unless asked for; while on, small pictures of the source with tracks and counted lines; off stops them', async (t) => {
  const quiet = spawnWorker(['--source', footage, '--max-frames', '60', ...lineArg('door', DOOR)], { stdin: 'pipe' });
  const watched = spawnWorker(['--source', footage, '--max-frames', '200', ...lineArg('door', DOOR)], { stdin: 'pipe' });
  for (const w of [quiet, watched]) t.after(killLater(w.child));
  watched.child.stdin!.write('{"cmd":"preview","on":true,"width":80,"height":50,"interval_ms":200}\n');
  const second = await watched.waitFor((e) => e.type === 'preview' && watched.events.filter((x) => x.type === 'preview').length >= 2, 120_000, 'two previews');
  watched.child.stdin!.write('{"cmd":"preview","on":false}\n');
  const offAt = watched.events.indexOf(second);
  await Promise.all([finished(quiet), finished(watched)]);

  assert.equal(quiet.events.filter((e) => e.type === 'preview').length, 0, 'not asked, never sent');
  const previews = watched.events.filter((e): e is PreviewEvent => e.type === 'preview');
  for (const p of previews) {
    assert.deepEqual([p.width, p.height], [67, 50], 'fits 80×50 with the 4:3 aspect of 768×576');
    assert.deepEqual([p.source_width, p.source_height], [768, 576]);
    const rgb = Buffer.from(p.data, 'base64');
    assert.equal(rgb.length, p.width * p.height * 3);
    assert.ok(new Set(rgb).size > 50, 'a real picture, not a flat colour');
    assert.deepEqual(p.lines.map((l) => [l.name, l.points]), [['door', DOOR]]);
    for (const tr of p.tracks) assert.ok(tr.box[0] >= 0 && tr.box[0] + tr.box[2] <= 768.5 && tr.box[3] > 10, JSON.stringify(tr));
  }
  assert.ok(previews.some((p) => p.tracks.length > 0), 'tracks are drawn');
  // Two a second at most: 200 ms apart in frame time is at least 2 frames at 10 fps.
  for (let i = 1; i < previews.length; i++) assert.ok(previews[i].ts - previews[i - 1].ts >= 190, 'no faster than asked');
  // After the off command only a picture already on its way may follow; none after the next progress report.
  const rest = watched.events.slice(offAt + 1);
  const nextProgress = rest.findIndex((e) => e.type === 'progress');
  assert.ok(rest.filter((e) => e.type === 'preview').length <= 1);
  assert.equal(rest.slice(nextProgress + 1).filter((e) => e.type === 'preview').length, 0);
});
