/**
 * npm run bench:resume — does a resumed worker count what an uninterrupted run counts from its start frame on?
 *
 * One uninterrupted run with --emit-tracks says which crossings were emitted while processing which frame (a `tracks`
 * event closes each frame). For random start frames N (seeded), a resume from a checkpoint at N − 1 is played twice:
 * with the counting state of frame N − 1 (`--start-frame N --start-state`; the state comes from a run stopped after
 * frame N − 1 with --emit-state, whose last progress report writes it, as the store's checkpoints keep it), and,
 * unless --no-warmup, without it (`--start-frame N` alone: the warm-up of a checkpoint stored before states
 * existed). Each must emit the crossings the uninterrupted run emitted while processing frames N and later; with the
 * state they must be the same crossings (line, direction, frame, track id). Printed per N: the totals, the
 * differences, and the confirmed tracks on screen at N − 1 (the people a resume could count differently).
 *
 *   npm run bench:resume [-- --source FILE --points 8 --skip 1 --seed 7 --no-warmup]
 *
 * Random start frames miss the few where a resume diverges: `npm run bench:resume-every` (resume-every.ts) resumes
 * from every state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, argOf } from './bench-args.js';
import { runWorkerEvents, type Ev } from './resume-worker.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = argOf('--source') ?? path.resolve(root, '../shared/data/vtest.avi');
const points = Number(argOf('--points') ?? '8');
const skip = argOf('--skip') ?? '1';
const warmupToo = !args.includes('--no-warmup');
let seed = Number(argOf('--seed') ?? '7');
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const worker = (extra: string[]): Promise<Ev[]> => runWorkerEvents(['--source', source, '--line', '0.5,0,0.5,1', '--skip-frames', skip, ...extra]);

const totals = (cs: Ev[]) => ({ in: cs.filter((c) => c.direction === 'in').length, out: cs.filter((c) => c.direction === 'out').length });
const offBy = (a: { in: number; out: number }, b: { in: number; out: number }) => Math.abs(a.in - b.in) + Math.abs(a.out - b.out);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const full = await worker(['--emit-tracks']);
const frames = full.filter((e) => e.type === 'tracks').length;
// Each crossing belongs to the frame being processed when it was emitted: the next `tracks` event's frame.
const emittedAt: { frame: number; c: Ev }[] = [];
let pending: Ev[] = [];
const onScreen = new Map<number, number>();
for (const e of full) {
  if (e.type === 'crossing') pending.push(e);
  if (e.type === 'tracks') {
    for (const c of pending) emittedAt.push({ frame: e.frame, c });
    pending = [];
    onScreen.set(e.frame, e.tracks.length);
  }
}
// What is still held when counting ends comes after the last frame's `tracks`: it belongs to every resume.
for (const c of pending) emittedAt.push({ frame: Infinity, c });
console.log(`${source}: ${frames} frames, --skip-frames ${skip}, uninterrupted ${JSON.stringify(totals(emittedAt.map((x) => x.c)))}`);
const dir = mkdtempSync(path.join(tmpdir(), 'pcount-bench-resume-'));
const worst = { state: 0, warmup: 0, different: 0 };
const key = (c: Ev) => `${c.line} ${c.direction} ${c.frame} ${c.track}`;
for (let i = 0; i < points; i++) {
  const n = 2 + Math.floor(random() * (frames - 2));
  const expected = emittedAt.filter((x) => x.frame >= n).map((x) => x.c);
  // The state a checkpoint at N − 1 holds: the last one of a run stopped there.
  const stopped = await worker(['--max-frames', String(n - 1), '--emit-state']);
  const state = stopped.filter((e) => e.type === 'state').pop();
  if (state?.frame !== n - 1) {
    // The worker writes none after a frame whose count changed the crop plan (counting.ts, stateHolds).
    console.log(`  start ${String(n).padStart(4)}: no state after frame ${n - 1} (last: ${state?.frame}; its count changed the crop plan), skipped`);
    continue;
  }
  const file = path.join(dir, `state-${n - 1}.json`);
  writeFileSync(file, JSON.stringify(state.state));
  const resumed = await worker(['--start-frame', String(n), '--start-state', file]);
  const used = resumed.some((e) => e.type === 'log' && /continues from the state after frame/.test(e.message));
  const got = resumed.filter((e) => e.type === 'crossing');
  const same = got.map(key).join('|') === expected.map(key).join('|');
  worst.state = Math.max(worst.state, offBy(totals(got), totals(expected)));
  if (!same) worst.different += 1;
  let line = `  start ${String(n).padStart(4)}: expected ${JSON.stringify(totals(expected))}, with the state ${JSON.stringify(totals(got))}, off by ${offBy(totals(got), totals(expected))}, ${same ? 'the same crossings' : 'OTHER CROSSINGS'}${used ? '' : ' (STATE NOT USED)'}`;
  if (warmupToo) {
    const warm = totals((await worker(['--start-frame', String(n)])).filter((e) => e.type === 'crossing'));
    worst.warmup = Math.max(worst.warmup, offBy(warm, totals(expected)));
    line += `; warm-up only ${JSON.stringify(warm)}, off by ${offBy(warm, totals(expected))}`;
  }
  console.log(`${line}; ${onScreen.get(n - 1) ?? 0} people on screen`);
}
rmSync(dir, { recursive: true, force: true });
const cpu = process.cpuUsage(cpu0);
console.log(`worst difference with the state ${worst.state} (other crossings at ${worst.different} of ${points})${warmupToo ? `, warm-up only ${worst.warmup}` : ''}; wall ${((performance.now() - wall0) / 1000).toFixed(0)} s, CPU time of this process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
