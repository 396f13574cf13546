/**
 * bench:resume's exhaustive mode (`npm run bench:resume-every`): resume from every K-th state the worker can
 * write, not from random frames. A resume diverges only at particular frames (where the crop plan changed, a track
 * was just born or lost, a crossing is held…), which random start frames miss.
 *
 * One uninterrupted run writes a state after every frame that has one (`--emit-state --state-every-frame`) and the
 * tracks of every frame (`--emit-tracks`). For each K-th of those states (frame N), a worker resumes at N + 1 from it
 * and runs `--window` frames; its tracks (ids and boxes) of each frame, the crossings it emits while counting them
 * (line, direction, frame, track id) and its state after the last frame must be the uninterrupted run's. The same
 * state at the window's end means the rest of the file counts the same too (the counting is a function of the state
 * and the frames), so a short window checks a resume whole. Printed: each resume that differs, with the first
 * frame and the first field of the state where it does.
 *
 *   npm run bench:resume-every -- [--every 1 --source FILE --skip 1 --max-frames 480 --window 25 --from N --to N --around R
 *                                      --demographics --threads N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { args, argOf } from './bench-args.js';
import { firstDifference } from './json-difference.js';
import { runWorkerEvents, type Ev } from './resume-worker.js';

const source = argOf('--source') ?? 'test/fixtures/footage/vtest-480.avi';
const every = Number(argOf('--every') ?? '1');
const window = Number(argOf('--window') ?? '25');
const maxFrames = argOf('--max-frames');
const from = Number(argOf('--from') ?? '1');
const to = Number(argOf('--to') ?? String(Number.MAX_SAFE_INTEGER));
/** Only the states within this many frames of one the worker did not write (its count changed the crop plan). */
const around = argOf('--around') === undefined ? null : Number(argOf('--around'));
const common = ['--source', source, '--line', argOf('--line') ?? '0.5,0,0.5,1', '--skip-frames', argOf('--skip') ?? '1'];
if (args.includes('--demographics')) common.push('--demographics');
if (argOf('--threads')) common.push('--threads', argOf('--threads') as string);

/** What one run did, frame by frame. */
interface PerFrame {
  tracks: Map<number, string>;
  crossings: Map<number, string[]>;
  states: Map<number, Ev>;
  last: number;
}

const crossingKey = (c: Ev) => `${c.line} ${c.direction} ${c.frame} ${c.track}`;

function perFrame(events: Ev[]): PerFrame {
  const run: PerFrame = { tracks: new Map(), crossings: new Map(), states: new Map(), last: 0 };
  let pending: string[] = [];
  for (const e of events) {
    // A crossing belongs to the frame being counted when it was emitted: the next `tracks` event's frame.
    if (e.type === 'crossing') pending.push(crossingKey(e));
    if (e.type === 'tracks') {
      run.tracks.set(e.frame, JSON.stringify(e.tracks));
      run.crossings.set(e.frame, pending);
      pending = [];
      run.last = e.frame;
    }
    if (e.type === 'state' && !run.states.has(e.frame)) run.states.set(e.frame, e.state);
  }
  return run;
}

/** Where a resume from the state after `n` differs from the uninterrupted run, or null. */
function compare(full: PerFrame, resumed: PerFrame, n: number): string | null {
  if (resumed.last <= n) return 'counted no frame';
  for (let f = n + 1; f <= resumed.last; f++) {
    if (resumed.tracks.get(f) !== full.tracks.get(f)) return `tracks differ from frame ${f}: ${firstDifference(JSON.parse(resumed.tracks.get(f) ?? 'null'), JSON.parse(full.tracks.get(f) ?? 'null'))}`;
    const a = (resumed.crossings.get(f) ?? []).join('|');
    const b = (full.crossings.get(f) ?? []).join('|');
    if (a !== b) return `crossings differ at frame ${f}: ${a || 'none'} vs ${b || 'none'}`;
  }
  // The state at the window's end: the latest frame both wrote one for.
  for (let f = resumed.last; f > n; f--) {
    if (resumed.states.has(f) && full.states.has(f)) {
      const d = firstDifference(resumed.states.get(f), full.states.get(f), 'state');
      return d ? `state after frame ${f} differs: ${d}` : null;
    }
  }
  return `no state to compare after frame ${n}`;
}

const wall0 = performance.now();
const fullEvents = await runWorkerEvents([...common, '--emit-tracks', '--emit-state', '--state-every-frame', ...(maxFrames ? ['--max-frames', maxFrames] : [])]);
const full = perFrame(fullEvents);
const withheld = [...full.tracks.keys()].filter((f) => !full.states.has(f));
const near = (n: number) => around === null || withheld.some((f) => Math.abs(f - n) <= around);
const points = [...full.states.keys()].filter((n) => n >= from && n <= to && n < full.last && near(n)).filter((_, i) => i % every === 0);
console.log(`${common.join(' ')}: ${full.last} frames, no state after ${withheld.join(', ') || 'none'} (the count changed the crop plan), resuming from ${points.length} (every ${every}${around === null ? '' : `, within ${around} of those`}), window ${window}`);
const dir = mkdtempSync(path.join(tmpdir(), 'pcount-bench-resume-every-'));
const diverged: number[] = [];
for (const n of points) {
  const file = path.join(dir, `state-${n}.json`);
  writeFileSync(file, JSON.stringify(full.states.get(n)));
  const frames = Math.min(window, full.last - n);
  const events = await runWorkerEvents([...common, '--start-frame', String(n + 1), '--start-state', file, '--emit-tracks', '--emit-state', '--state-every-frame', '--max-frames', String(frames)]);
  const used = events.some((e) => e.type === 'log' && /continues from the state after frame/.test(e.message));
  const why = used ? compare(full, perFrame(events), n) : 'STATE NOT USED';
  if (why) {
    diverged.push(n);
    console.log(`  from the state after frame ${n}: ${why}`);
  }
  rmSync(file);
}
rmSync(dir, { recursive: true, force: true });
console.log(`resumes that differ: ${diverged.length} of ${points.length}${diverged.length ? ` (after frames ${diverged.join(', ')})` : ''}; wall ${((performance.now() - wall0) / 1000).toFixed(0)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
