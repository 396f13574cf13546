import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RedisConnection } from '../src/fleet/connect.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { sleep, startProc, tempDir, vtest480, writeFleetTasks } from '../test/fleet-harness.js';
import { startRedis } from '../test/redis-server.js';
import { cliBin } from '../test/worker-harness.js';

/**
 * What a file's counting states cost while no controller follows the fleet: one real agent (its production journal,
 * no --keep-journal) counts vtest-480 looped LOOPS times; the controller (`run --no-tui --redis`) submits it and
 * leaves at once; every 30 s for MINUTES the events stream (MEMORY USAGE, XLEN) and the journal folder are measured.
 * Then a controller attaches again and takes the file in to its end: the store's crossings must be as many as the
 * worker's own total (its `done` event).
 *   node dist/bench/fleet-states.js [MINUTES=5] [LOOPS=20]
 */
const minutes = Number(process.argv[2] ?? 5);
const loops = Number(process.argv[3] ?? 20);
const dir = tempDir('fleet-states-bench');
const redis = await startRedis();
const clip = path.join(dir, 'long.avi');
const made = spawnSync((await resolveFfmpeg()).path, ['-loglevel', 'error', '-y', '-stream_loop', String(loops - 1), '-i', vtest480, '-c', 'copy', clip]);
if (made.status !== 0) throw new Error(String(made.stderr));
const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'bench');
const journal = path.join(dir, 'journal-a');
const agent = startProc([process.execPath, cliBin, 'agent', '--redis', redis.url, '--name', 'a', '--slots', '1', '--journal', journal]);
const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'vt', source: clip, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] }] });
const cleanup = async () => {
  if (agent.alive()) agent.child.kill('SIGKILL');
  await conn.close();
  await redis.dispose();
};
try {
  await agent.waitLine(/ready/, 60_000);
  const first = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  await first.waitLine(/claimed by agent a/, 120_000);
  first.child.kill('SIGINT');
  await first.exited;
  const bytesIn = (d: string) => readdirSync(d).reduce((sum, f) => sum + (statSync(path.join(d, f)).isFile() ? statSync(path.join(d, f)).size : 0), 0);
  const measure = async (label: string) => {
    const mem = Number(await conn.send(['MEMORY', 'USAGE', 'pcount:events', 'SAMPLES', '0']));
    const len = Number(await conn.send(['XLEN', 'pcount:events']));
    console.log(`${label}: stream ${(mem / 1e6).toFixed(2)} MB in ${len} entries, journal ${(bytesIn(journal) / 1e6).toFixed(2)} MB`);
  };
  const t0 = Date.now();
  for (let i = 1; i * 30_000 <= minutes * 60_000; i++) {
    await sleep(t0 + i * 30_000 - Date.now());
    await measure(`no controller, ${(i * 30) / 60} min`);
  }
  const second = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  const end = await second.exited;
  await measure(`controller back, file done (exit ${end.code})`);
  const events = second.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as { type?: string; task?: string; in?: number; out?: number }];
    } catch {
      return [];
    }
  });
  const done = events.find((e) => e.type === 'done' && e.task === 'vt');
  const sql = new Database(db, { readonly: true });
  const stored = sql.prepare("SELECT COUNT(*) AS c FROM crossings WHERE task = 'vt' AND void = 0").get() as { c: number };
  sql.close();
  console.log(`worker total ${done ? (done.in ?? 0) + (done.out ?? 0) : '?'} crossings (${done?.in} in / ${done?.out} out); store ${stored.c}`);
} finally {
  await cleanup();
}
