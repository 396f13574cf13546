import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openFleet, type FleetControl } from '../src/commands/fleet-control.js';
import { loadConfig } from '../src/config/load.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { entryFields, type RunEntry } from '../src/fleet/entries.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { CLAIM, RELEASE, runScript } from '../src/fleet/scripts.js';
import { Pool } from '../src/orchestrator/pool.js';
import { openStoreFor } from '../src/orchestrator/store-owner.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import type { Store } from '../src/store/store.js';
import { sleep, tempDir, until, vtest480 } from './fleet-harness.js';
import { startRedis } from './redis-server.js';

/**
 * A run's end that reaches the stream while its controller is leaving (the fleet's tasks left running): stored once,
 * by the next controller, and no later controller takes the run in again. In-process controllers on a real Redis; the
 * agent is played by the test (its claim, events and release go through the fleet's own scripts and stream format).
 */

const keys = fleetKeys('pcount');
const RUN = 'a.test.000001';

interface Controller {
  pool: Pool;
  fleet: FleetControl;
  store: Store;
  close(): Promise<void>;
}

async function controller(config: string): Promise<Controller> {
  const loaded = loadConfig(config);
  assert.ok(loaded.ok);
  const cfg = loaded.config;
  const attached = await openFleet(cfg.fleet!, cfg.tasks, false);
  assert.ok(attached.ok);
  const fleet = attached.fleet;
  const opened = openStoreFor(cfg.storePath, fleet.tasks.map((t) => t.id));
  assert.ok(opened.ok);
  const store = opened.store;
  const pool = new Pool({ tasks: fleet.tasks, workerCount: 1, outputDir: cfg.resultOutput, store, transport: fleet.transport, autoExport: false });
  pool.begin();
  await fleet.read(store);
  return {
    pool,
    fleet,
    store,
    async close() {
      await pool.shutdown();
      store.close();
      await fleet.close();
    },
  };
}

const base = { v: 1 as const, task: 'vt', ts: 1 };
const runEvents: WorkerEvent[] = [
  { ...base, type: 'hello', protocol: 1, source: vtest480, live: false, model: { path: 'm', format: 'centernet', input_width: 1, input_height: 1 }, ffmpeg: { path: 'f', origin: 'o', version: 'v' }, width: 768, height: 576, fps: 10, duration: 48, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }], skip_frames: 1, anchor: 'bottom', crops: { regions: [] } as never },
  { ...base, type: 'crossing', seq: 1, line: 'middle', track: 3, direction: 'in', frame: 40, pts: 4 },
  { ...base, type: 'progress', frame: 480, fps: 10, in: 1, out: 0, occupancy: 1, tracks: 0, dropped: 0, position: 48, duration: 48, lines: [{ name: 'middle', in: 1, out: 0 }] },
  { ...base, type: 'done', reason: 'end', frames: 480, wall_seconds: 48, avg_fps: 10, dropped: 0, lines: [{ name: 'middle', in: 1, out: 0 }], in: 1, out: 0 },
];

function entry(n: number): RunEntry {
  if (n <= runEvents.length) return { k: 'ev', task: 'vt', run: RUN, n, agent: 'a', event: runEvents[n - 1] };
  return { k: 'end', task: 'vt', run: RUN, n, agent: 'a', outcome: { kind: 'completed' } };
}

/** A config of one file task on the test's Redis, the agent's connection, and the store's task runs of the file. */
async function setUp(t: { after(fn: () => unknown): void }): Promise<{ config: string; db: string; agent: RedisConnection; xadd: (e: RunEntry) => Promise<unknown> }> {
  const dir = tempDir('fleet-leave-end');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const config = path.join(dir, 'fleet.json');
  const db = path.join(dir, 'results', 'pcount.db');
  writeFileSync(config, JSON.stringify({ parallel_config: { result_output: path.join(dir, 'results'), redis: redis.url }, videos: [{ id: 'vt', source: vtest480, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] }] }));
  const agent = await RedisConnection.open(parseRedisUrl(redis.url), 'test-agent');
  t.after(() => agent.close());
  return { config, db, agent, xadd: (e) => agent.send(['XADD', keys.events, '*', ...entryFields(e)]) };
}

/** The first controller: the agent claims the file and sends its events 1..upTo, which the controller stores. */
async function firstFollows(config: string, agent: RedisConnection, xadd: (e: RunEntry) => Promise<unknown>, upTo: number): Promise<Controller> {
  const first = await controller(config);
  await until('the task queued', 10_000, async () => (await agent.send(['ZCARD', keys.queue])) === 1);
  assert.ok(await runScript(agent, CLAIM, [keys.prefix, 'a', RUN, 60_000]));
  for (let n = 1; n <= upTo; n++) await xadd(entry(n));
  await until('the first controller stored what was sent', 10_000, () => first.pool.snapshot().tasks[0].in === 1 && (upTo < 5 || first.pool.snapshot().tasks[0].state === 'completed'));
  await runScript(agent, RELEASE, [keys.prefix, 'a', RUN, 'vt', 'completed', '', 0, 0, runEvents.length + 1]);
  return first;
}

/** The next controllers: the second completes the task (taking the run in), the third starts a new count. */
async function nextControllers(config: string, db: string): Promise<void> {
  const second = await controller(config);
  assert.match(second.pool.resumed()[0]?.note ?? '', /finished on agent a while no controller followed it \(run a\.test\.000001\): taking in what it reported/);
  await within(second.pool.whenFinished(), 20_000);
  assert.equal(second.pool.snapshot().tasks[0].state, 'completed');
  assert.equal(second.pool.snapshot().tasks[0].in, 1);
  await second.close();
  assert.equal(ends(db).filter((e) => e === 'end').length, 1, `the run's end is stored, once: ${ends(db).join(', ')}`);

  const third = await controller(config);
  const note = third.pool.resumed()[0]?.note ?? '';
  assert.doesNotMatch(note, /taking in/, 'a later controller does not take the run in again');
  assert.notEqual(third.pool.snapshot().tasks[0].state, 'completed', 'the file is queued to run anew');
  await third.pool.shutdown({ stopFleet: true });
  third.store.close();
  await third.fleet.close();
}

function ends(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare("SELECT end_reason FROM task_runs WHERE task = 'vt' ORDER BY id").all() as { end_reason: string | null }[]).map((r) => String(r.end_reason));
  } finally {
    conn.close();
  }
}

/** What an earlier version left in the store when it stored a run's last entries after its controller had left. */
function unendLastTaskRun(db: string): void {
  const conn = new Database(db, { fileMustExist: true });
  conn.prepare("UPDATE task_runs SET end_reason = NULL, ended_at = NULL WHERE id = (SELECT MAX(id) FROM task_runs WHERE task = 'vt')").run();
  conn.close();
}

test('a run\'s last events that come while its controller leaves are left to the next controller, which stores them and the end once and completes the task; no later controller takes the run in again', { timeout: 120_000 }, async (t) => {
  const { config, db, agent, xadd } = await setUp(t);
  const first = await firstFollows(config, agent, xadd, 3);
  // Its reader waits on the stream again (a blocked read of up to a second) when it leaves and the file's end arrives.
  await sleep(300);
  const leaving = first.close();
  await xadd(entry(4));
  await xadd(entry(5));
  await leaving;
  assert.equal(first.pool.snapshot().tasks[0].state, 'left');
  assert.deepEqual(ends(db), ['interrupted'], 'the leaving controller stored nothing after it left');
  await nextControllers(config, db);
});

test('a store an earlier version left without the end of a run it took in: the next controller records the end once, whether the end is still to come or stored', { timeout: 120_000 }, async (t) => {
  for (const stored of [4, 5]) {
    const { config, db, agent, xadd } = await setUp(t);
    const first = await firstFollows(config, agent, xadd, stored);
    await first.close();
    if (stored === 4) await xadd(entry(5));
    unendLastTaskRun(db);
    await nextControllers(config, db);
  }
});

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
