import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { RedisConnection } from '../src/fleet/connect.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { AgentPool, sleep, startProc, tempDir, until, vtest480, writeFleetTasks, type Proc } from './fleet-harness.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { cliBin, within } from './worker-harness.js';

/**
 * A controller that leaves (a signal to a headless run: the fleet's tasks stay on their agents) and comes back: what
 * the agents did meanwhile is taken in, not done again. Real Redis, a real agent and its worker, the test footage.
 */

const events = (run: Proc) => run.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
type Summary = { exit_code: number; tasks: { task: string; state: string; reason: string | null; in: number; out: number }[] };
const summaryOf = (run: Proc) => events(run).find((e) => e.type === 'summary') as Summary | undefined;

const writeConfig = (dir: string, redisUrl: string, points: number[]) => writeFleetTasks(dir, redisUrl, { videos: [{ id: 'vt', source: vtest480, lines: [{ name: 'middle', points }] }] });

/** A Redis of the test's own and one agent, `a`, ready in its fleet; both go when the test ends. */
async function fleetOfOne(t: TestContext, dir: string): Promise<{ redis: TestRedis; agents: AgentPool }> {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  await agents.spawn('a').waitLine(/ready/, 60_000);
  return { redis, agents };
}

async function fleetTask(redis: TestRedis, id: string): Promise<Record<string, string>> {
  const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  try {
    const flat = (await conn.send(['HGETALL', fleetKeys('pcount').task(id)])) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
    return out;
  } finally {
    await conn.close();
  }
}

function storedCrossings(db: string): { run: string; seq: number; direction: string; void: number }[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare("SELECT fleet_run AS run, seq, direction, void FROM crossings WHERE task = 'vt'").all() as { run: string; seq: number; direction: string; void: number }[];
  } finally {
    conn.close();
  }
}

/** Starts the controller, waits until the file has counted a few crossings past a stored checkpoint, then leaves. */
async function countThenLeave(t: { after(fn: () => unknown): void }, config: string): Promise<{ run: Proc; fleetRun: string }> {
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  const claim = await run.waitLine(/"task":"vt".*"message":"claimed by agent a \(run [^)]+\)/, 120_000);
  const fleetRun = /\(run ([^)]+)\)/.exec(claim)![1];
  await run.waitLine(/"type":"crossing","task":"vt".*"seq":2,/, 240_000);
  await run.waitLine(/"type":"progress","task":"vt".*"frame":(1[2-9]\d|[2-9]\d\d),/, 240_000);
  run.child.kill('SIGTERM');
  await within(run.exited, 60_000, 'the controller to leave');
  return { run, fleetRun };
}

test('a controller that left comes back: a file its agent finished meanwhile is taken in, not run again; its crossings are stored once and none is voided', { timeout: 600_000 }, async (t) => {
  const dir = tempDir('fleet-return');
  const { redis, agents } = await fleetOfOne(t, dir);
  const { config, db } = writeConfig(dir, redis.url, [0.5, 0, 0.5, 1]);

  const { fleetRun } = await countThenLeave(t, config);
  await until('the agent finished the file with no controller', 300_000, async () => (await fleetTask(redis, 'vt')).state === 'completed');

  const back = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => back.alive() && back.child.kill('SIGKILL'));
  const exit = await within(back.exited, 120_000, 'the returning controller to take the finished file in and end');
  const summary = summaryOf(back);
  assert.ok(summary, `the returning run printed its summary:\n${back.lines.join('\n')}\n${back.stderr()}`);
  assert.equal(exit.code, 0, JSON.stringify(summary));
  assert.doesNotMatch(back.lines.join('\n'), /claimed by agent/, 'the finished file was not run again');
  assert.match(back.stderr(), new RegExp(`vt: finished on agent a while no controller followed it \\(run ${fleetRun.replace(/\./g, '\\.')}\\)`));
  const vt = summary.tasks.find((x) => x.task === 'vt')!;
  assert.equal(vt.state, 'completed');

  const stored = storedCrossings(db);
  const reported = [...agents.crossings().entries()].filter(([, task]) => task === 'vt').map(([k]) => k);
  assert.deepEqual(new Set(stored.map((c) => `${c.run}#${c.seq}`)), new Set(reported), 'every crossing the worker reported is stored');
  assert.equal(stored.length, reported.length, 'each once');
  assert.ok(stored.every((c) => c.run === fleetRun && c.void === 0), 'one run counted the file, and nothing of it was voided');
  assert.deepEqual([vt.in, vt.out], [stored.filter((c) => c.direction === 'in').length, stored.filter((c) => c.direction === 'out').length], 'the totals are the store\'s');
  t.diagnostic(`vt: ${stored.length} crossings by run ${fleetRun}, taken in on return; ${vt.in} in / ${vt.out} out`);
});

test('a controller that comes back with changed lines starts a new count, as it says: what the earlier run still reports is stored with the earlier count, and nothing of it is voided', { timeout: 600_000 }, async (t) => {
  const dir = tempDir('fleet-return-lines');
  const { redis } = await fleetOfOne(t, dir);
  const { config, db } = writeConfig(dir, redis.url, [0.5, 0, 0.5, 1]);
  const { fleetRun: earlier } = await countThenLeave(t, config);
  // The earlier run counts on with no controller for a while: its events wait in the stream.
  await sleep(4000);
  writeConfig(dir, redis.url, [0.45, 0, 0.45, 1]);

  const back = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => back.alive() && back.child.kill('SIGKILL'));
  const exit = await within(back.exited, 400_000, 'the new count of the file to complete');
  const out = back.lines.join('\n');
  const summary = summaryOf(back);
  assert.ok(summary, `${out}\n${back.stderr()}`);
  assert.equal(exit.code, 0, JSON.stringify(summary));
  assert.match(back.stderr(), /vt: starts a new count: its source or lines changed since the interrupted run; what its earlier fleet runs still report is stored with the earlier count, neither counted nor voided in this one/);
  assert.doesNotMatch(out, /will be counted again/, 'nothing voided');
  const claim = /"message":"claimed by agent a \(run ([^)]+)\)"/.exec(out);
  assert.ok(claim, 'the task runs anew on the new lines, from the start of the file');
  const fresh = claim[1];

  const conn = new Database(db, { readonly: true, fileMustExist: true });
  t.after(() => conn.close());
  const rows = conn
    .prepare("SELECT c.fleet_run AS run, c.direction, c.void, c.line, t.chain_id AS chain FROM crossings c JOIN task_runs t ON t.id = c.task_run_id WHERE c.task = 'vt'")
    .all() as { run: string; direction: string; void: number; line: string; chain: number }[];
  const before = rows.filter((r) => r.run === earlier);
  const now = rows.filter((r) => r.run === fresh);
  assert.ok(before.length >= 2 && now.length > 0);
  assert.ok(rows.every((r) => r.void === 0), 'no crossing of either count was voided');
  assert.equal(new Set(before.map((r) => r.chain)).size, 1, 'the earlier run\'s crossings are all in one count');
  assert.ok(now.every((r) => r.chain !== before[0].chain), 'the new count is apart from the earlier one');
  const vt = summary.tasks.find((x) => x.task === 'vt')!;
  assert.deepEqual([vt.in, vt.out], [now.filter((r) => r.direction === 'in').length, now.filter((r) => r.direction === 'out').length], 'the new count is the new run\'s crossings');
  t.diagnostic(`earlier count: ${before.length} crossings by run ${earlier}; new count: ${now.length} by run ${fresh} (${vt.in} in / ${vt.out} out)`);
});
