/**
 * npm run bench:fleet — fleet mode's targets, with real parts: a real redis-server, two `pcount-tui agent`s, their
 * `pcount-tui worker` children, and `pcount-tui run --no-tui --redis` as the controller with its SQLite store.
 * Three live cameras (HTTP streams looped from the test footage) and two files (the test footage).
 *
 * 1. kill -9 of the agent that runs a camera: time until the other agent claimed it and until it counts again
 *    (target ≤ 15 s). The killed agent then comes back with its journal.
 * 2. Redis stopped (SIGTERM, data kept) for 20 s and started again: the agents keep counting into their journals.
 * 3. Crossings lost and duplicated: every crossing the workers reported (the agents' journals, kept with
 *    --keep-journal) against the controller's store (target 0 and 0).
 * 4. Latency from a worker's crossing (its `ts`) to the controller's store (`stored_at`), before any fault: p50, p99
 *    (target p99 < 1 s on loopback).
 *
 *   npm run bench:fleet [-- --outage-s 20]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentPool, makeLiveClip, startLiveStream, startProc, tempDir, until, writeFleetConfig, type LiveStream, type Proc } from '../test/fleet-harness.js';
import { startRedis } from '../test/redis-server.js';
import { cliBin } from '../test/worker-harness.js';

const args = process.argv.slice(2);
const outageS = args.includes('--outage-s') ? Number(args[args.indexOf('--outage-s') + 1]) : 20;
const CAMERAS = ['cam1', 'cam2', 'cam3'];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const dir = tempDir('bench-fleet');
const startLoad = load();
const redis = await startRedis();
const clip = await makeLiveClip(dir, 200);
const streams: LiveStream[] = [];
for (let i = 0; i < CAMERAS.length; i++) streams.push(await startLiveStream(clip));
const agents = new AgentPool(redis.url, dir, 5);
const { config, results } = writeFleetConfig(
  dir,
  redis.url,
  CAMERAS.map((id, i) => ({ id, source: streams[i].url })),
);
const db = path.join(results, 'pcount.db');
let run: Proc | null = null;

/** The run's NDJSON log lines `claimed by agent X (run R)` from line `from` on, per task. */
function claims(from: number): Map<string, { agent: string; run: string; line: number }> {
  const out = new Map<string, { agent: string; run: string; line: number }>();
  run!.lines.forEach((l, i) => {
    const m = /^\{"v":1,"type":"log","task":"([^"]+)".*"message":"claimed by agent (\S+) \(run ([^)]+)\)/.exec(l);
    if (i >= from && m) out.set(m[1], { agent: m[2], run: m[3], line: i });
  });
  return out;
}

function stored(): { task: string; run: string; seq: number; ts: number; storedAt: number }[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT task, fleet_run AS run, seq, ts, stored_at AS storedAt FROM crossings').all() as ReturnType<typeof stored>;
  } finally {
    conn.close();
  }
}

const journaled = () => new Set(agents.crossings().keys());

/** Times (ms after the kill) at which the controller or the taking agent saw each step of a camera's takeover. */
interface Phases {
  requeued: number;
  claimed: number;
  spawned: number;
  hello: number;
  counting: number;
}

function takeoverPhases(cam: string, from: number, killedAt: number): Phases {
  const at = (p: Proc, re: RegExp, start: number) => {
    const i = p.lines.findIndex((l, k) => k >= start && re.test(l));
    return i < 0 ? NaN : p.times[i] - killedAt;
  };
  const hello = run!.lines.findIndex((l, k) => k >= from && new RegExp(`"type":"hello","task":"${cam}"`).test(l));
  const taker = [...agents.agents.values()].filter((a) => a.alive());
  const spawned = Math.min(...taker.map((a) => at(a, new RegExp(`${cam}: started \\(run`), a.times.findIndex((t) => t >= killedAt))).filter((t) => !Number.isNaN(t)));
  return {
    requeued: at(run!, new RegExp(`"task":"${cam}".*stopped renewing its lease`), from),
    claimed: at(run!, new RegExp(`"task":"${cam}".*"message":"claimed by agent`), from),
    spawned,
    hello: run!.times[hello] - killedAt,
    counting: at(run!, new RegExp(`"type":"progress","task":"${cam}".*"frame":[1-9]`), hello),
  };
}

try {
  await Promise.all(['a', 'b'].map((n) => agents.spawn(n).waitLine(/ready/, 60_000)));
  run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  const t0 = Date.now();
  for (const cam of CAMERAS) await run.waitLine(new RegExp(`"type":"hello","task":"${cam}"`), 180_000);
  say(`fleet up: 2 agents (5 slots each), 3 cameras counting after ${secs(Date.now() - t0)}; load ${load()}`);
  await sleep(20_000);

  // 1. kill -9 of an agent that runs a camera.
  const before = claims(0);
  const victim = before.get(CAMERAS[0])!.agent;
  const moving = CAMERAS.filter((c) => before.get(c)!.agent === victim);
  const from = run.lines.length;
  const killedAt = Date.now();
  agents.get(victim).child.kill('SIGKILL');
  const phases: Phases[] = [];
  for (const cam of moving) {
    const hello = await run.waitLine(new RegExp(`"type":"hello","task":"${cam}"`), 120_000, from);
    await run.waitLine(new RegExp(`"type":"progress","task":"${cam}".*"frame":[1-9]`), 120_000, run.lines.indexOf(hello, from));
  }
  for (const cam of moving) phases.push(takeoverPhases(cam, from, killedAt));
  const after = claims(from);
  const rejoined = await agents.spawn(victim).waitLine(/ready/, 60_000).then(() => Date.now() - killedAt);
  const worst = (k: keyof Phases) => secs(Math.max(...phases.map((p) => p[k])));
  say(
    `kill -9 of agent ${victim} (running ${moving.join(', ')}): claimed by ${[...new Set(moving.map((c) => after.get(c)?.agent))].join(', ')} after ${worst('claimed')}, ` +
      `counting again (first progress of the new worker with frames counted, at the controller) after ${worst('counting')} (target ≤ 15 s); agent ${victim} back with its journal after ${secs(rejoined)}; load ${load()}`,
  );
  for (const [i, p] of phases.entries()) {
    say(
      `  ${moving[i]}: re-queued (lease lapsed, reaped) ${secs(p.requeued)}, claimed ${secs(p.claimed)}, worker spawned ${secs(p.spawned)}, hello ${secs(p.hello)}, ` +
        `first progress ${secs(p.counting)} after the kill → detection ${secs(p.requeued)}, claim +${secs(p.claimed - p.requeued)}, ` +
        `spawn→hello ${secs(p.hello - p.spawned)}, hello→first progress ${secs(p.counting - p.hello)}`,
    );
  }
  const faultsFrom = killedAt;
  await sleep(15_000);

  // 2. Redis away for `outageS` seconds, then back with its data.
  const beforeOutage = stored().length;
  const stopAt = Date.now();
  await redis.stop();
  await sleep(outageS * 1000);
  await redis.restart();
  const back = Date.now();
  const outageFrom = run.lines.length;
  await until('the controller stores crossings again', 120_000, () => stored().some((c) => c.storedAt > back));
  const resumed = Date.now() - back;
  await sleep(10_000);
  const moved = [...claims(outageFrom).keys()];
  say(`Redis stopped for ${secs(back - stopAt)} and started again: the controller stored crossings again ${secs(resumed)} after; ${stored().length - beforeOutage} crossings stored since the stop; tasks re-claimed after the restart: ${moved.length ? moved.join(', ') : 'none'}; load ${load()}`);

  // 3. Every crossing the workers reported, stored exactly once.
  const reported = await until('the store caught up with the journals', 120_000, () => {
    const keys = new Set(stored().map((c) => `${c.run}#${c.seq}`));
    const j = journaled();
    return [...j].every((k) => keys.has(k)) && j;
  }).catch(() => journaled());
  const rows = stored();
  const keys = rows.map((c) => `${c.run}#${c.seq}`);
  const keySet = new Set(keys);
  const lost = [...reported].filter((k) => !keySet.has(k)).length;
  const duplicated = keys.length - keySet.size;
  const everything = journaled();
  const unknown = [...keySet].filter((k) => !everything.has(k)).length;
  say(`crossings: ${reported.size} reported by the workers, ${rows.length} stored; lost ${lost}, duplicated ${duplicated} (targets 0 and 0); stored but reported by no worker ${unknown}`);

  // 4. Latency worker → controller store, before the first fault.
  const lat = rows.filter((c) => c.ts < faultsFrom && c.storedAt !== null).map((c) => c.storedAt - c.ts).sort((x, y) => x - y);
  if (lat.length > 0) say(`latency worker crossing → controller store (${lat.length} crossings before the faults): p50 ${quantile(lat, 0.5)} ms, p99 ${quantile(lat, 0.99)} ms, max ${lat.at(-1)} ms (target p99 < 1 s)`);
  else say('latency: no crossing before the faults');
  say(`load average at start ${startLoad}, at end ${load()} (/proc/loadavg: ${readFileSync('/proc/loadavg', 'utf8').trim()})`);
} finally {
  run?.child.kill('SIGTERM');
  if (run) await Promise.race([run.exited, sleep(30_000)]);
  for (const a of agents.agents.values()) if (a.alive()) a.child.kill('SIGTERM');
  await Promise.all([...agents.agents.values()].map((a) => Promise.race([a.exited, sleep(30_000)])));
  agents.killAll();
  for (const s of streams) await s.stop();
  await redis.dispose();
}
