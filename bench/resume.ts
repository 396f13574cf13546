/**
 * npm run bench:resume — does `worker --start-frame N` count what an uninterrupted run counts from N on?
 *
 * One uninterrupted run with --emit-tracks says which crossings were emitted while processing which frame (a `tracks`
 * event closes each frame). For random N (seeded), a run with --start-frame N must emit the crossings the uninterrupted
 * run emitted while processing frames N and later. Printed per N: both totals, the difference, and the confirmed tracks
 * on screen at N − 1 (the people a resume could count differently).
 *
 *   npm run bench:resume [-- --source FILE --points 8 --skip 1 --seed 7]
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : fallback);
const source = argOf('--source', path.resolve(root, '../shared/data/vtest.avi'));
const points = Number(argOf('--points', '8'));
const skip = argOf('--skip', '1');
let seed = Number(argOf('--seed', '7'));
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

type Ev = Record<string, any>;
function worker(extra: string[]): Promise<Ev[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--line', '0.5,0,0.5,1', '--skip-frames', skip, ...extra]);
    const events: Ev[] = [];
    const splitter = new LineSplitter();
    child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach((l) => events.push(JSON.parse(l) as Ev)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(events) : reject(new Error(`worker exited ${code}`))));
  });
}

const totals = (cs: Ev[]) => ({ in: cs.filter((c) => c.direction === 'in').length, out: cs.filter((c) => c.direction === 'out').length });
const cpu0 = process.cpuUsage();
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
console.log(`${source}: ${frames} frames, --skip-frames ${skip}, uninterrupted ${JSON.stringify(totals(emittedAt.map((x) => x.c)))}`);
let worst = 0;
for (let i = 0; i < points; i++) {
  const n = 2 + Math.floor(random() * (frames - 2));
  const expected = totals(emittedAt.filter((x) => x.frame >= n).map((x) => x.c));
  const got = totals((await worker(['--start-frame', String(n)])).filter((e) => e.type === 'crossing'));
  const off = Math.abs(got.in - expected.in) + Math.abs(got.out - expected.out);
  worst = Math.max(worst, off);
  console.log(`  start ${String(n).padStart(4)}: expected ${JSON.stringify(expected)}, resumed ${JSON.stringify(got)}, off by ${off}; ${onScreen.get(n - 1) ?? 0} people on screen`);
}
const cpu = process.cpuUsage(cpu0);
console.log(`worst difference ${worst}; CPU time of this process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
