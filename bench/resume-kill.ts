/**
 * bench:resume's crash path: `pcount-tui run` killed with -9 mid-file, then run again, resumes from the store's last
 * checkpoint (and its counting state). The store's crossings that are not void must then be the uninterrupted run's,
 * the same line, direction, frame and track id each. One fresh store per kill point.
 *
 *   node dist/bench/resume-kill.js [--source FILE --skip 1 --kills 3,8,14]   (kill after that many crossings printed)
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Store } from '../src/store/store.js';
import { crossingsOf, startRun } from '../test/run-process.js';
import { argOf } from './bench-args.js';

const source = path.resolve(argOf('--source') ?? 'test/fixtures/footage/vtest-480.avi');
const skip = Number(argOf('--skip') ?? '1');
const kills = (argOf('--kills') ?? '3,8,14').split(',').map(Number);
const dir = mkdtempSync(path.join(tmpdir(), 'pcount-bench-resume-kill-'));
const film = path.join(dir, `film${path.extname(source)}`);
copyFileSync(source, film);
const config = path.join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ parallel_config: { worker_count: 1, skip_frames: skip }, videos: [{ id: 'film', source: film, lines: [{ name: 'mid', points: [0.5, 0, 0.5, 1] }] }] }));

/** The crossings a store counts for the file (not void), in frame order. */
function counted(db: string): string[] {
  const store = Store.open(db);
  try {
    const rows = store.db.prepare(`SELECT line, direction, frame, track FROM crossings WHERE task = 'film' AND void = 0 ORDER BY frame, line, track, direction`).all() as Record<string, unknown>[];
    return rows.map((r) => `${r.line} ${r.direction} ${r.frame} ${r.track}`);
  } finally {
    store.close();
  }
}

/** The workers of the run in `dir` still alive (a killed parent's worker goes away by itself). */
function workersLeft(): number {
  return readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(film);
    } catch {
      return false;
    }
  }).length;
}

async function run(db: string, out: string, killAfter?: number): Promise<void> {
  const r = startRun([config, '--db', db, '--output', out]);
  if (killAfter !== undefined) {
    await r.until((ev) => crossingsOf(ev).length >= killAfter, 600_000, `${killAfter} crossings`);
    process.kill(r.child.pid!, 'SIGKILL');
    await r.exited;
    while (workersLeft() > 0) await new Promise((res) => setTimeout(res, 200));
    return;
  }
  const { code } = await r.exited;
  if (code !== 0) throw new Error(`run exited ${code}: ${r.stderr()}`);
}

const wall0 = performance.now();
const refDb = path.join(dir, 'reference.db');
await run(refDb, path.join(dir, 'reference'));
const reference = counted(refDb);
console.log(`${source} --skip-frames ${skip}: uninterrupted ${reference.length} crossings`);
let differ = 0;
for (const k of kills) {
  const db = path.join(dir, `kill-${k}.db`);
  await run(db, path.join(dir, `kill-${k}`), k);
  await run(db, path.join(dir, `kill-${k}`));
  const got = counted(db);
  const missing = reference.filter((c) => !got.includes(c));
  const extra = got.filter((c) => !reference.includes(c));
  const same = missing.length === 0 && extra.length === 0 && got.length === reference.length;
  if (!same) differ += 1;
  console.log(`  killed after ${k} crossings, run again: ${got.length} crossings, ${same ? 'the same' : `OTHER: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(`kills that count otherwise: ${differ} of ${kills.length}; wall ${((performance.now() - wall0) / 1000).toFixed(0)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
