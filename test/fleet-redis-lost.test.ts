import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentPool, assertNotOnCommandLine, assertSecretKept, countedCrossings, makeShortFile, outputOf, redisCli as harnessCli, startProc, tempDir, until, writeFleetTasks, type Proc } from './fleet-harness.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { cliBin, within } from './worker-harness.js';

/**
 * Redis loses the fleet's data (restarted without persistence, FLUSHALL'd, failed over to an empty replica): the task
 * hashes, the queue, the leases, the events stream. Real processes (redis-server with a password and no persistence,
 * two agents, their workers, `run --no-tui --redis` as the controller with its store); each run must end and store
 * exactly the crossings of an uninterrupted run of the same clip (line, direction, frame, track), none twice. The
 * password is in no output, file or `ps` line.
 */

const SECRET = 'lost-Pw-3c81d2';
process.env.PCOUNT_REDIS_PASSWORD = SECRET;
const middle = [{ name: 'middle', points: [0.5, 0, 0.5, 1] }];
const clipDir = tempDir('fleet-redis-lost');
const clip = makeShortFile(clipDir, 'clip', 240);
const secondCrossing = /"type":"crossing","task":"clip".*"seq":2,/;

type After = { after(fn: () => unknown): void };

interface Fleet {
  redis: TestRedis;
  agents: AgentPool;
  dir: string;
  config: string;
  db: string;
}

async function fleet(t: After, name: string): Promise<Fleet> {
  const redis = await startRedis(['--requirepass', SECRET, '--appendonly', 'no']);
  t.after(() => redis.dispose());
  const dir = tempDir(`fleet-redis-lost-${name}`);
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'clip', source: await clip, lines: middle }] });
  return { redis, agents, dir, config, db };
}

const startAgents = (f: Fleet) => Promise.all(['a', 'b'].map((n) => f.agents.spawn(n).waitLine(/ready/, 60_000)));

function controller(t: After, f: Fleet): Proc {
  const run = startProc([process.execPath, cliBin, 'run', f.config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  return run;
}

const redisCli = (redis: TestRedis, ...command: string[]) => harnessCli(redis, SECRET, ...command);

const flushAll = (redis: TestRedis) => assert.equal(redisCli(redis, 'FLUSHALL'), 'OK');

const agentOutput = (f: Fleet) => [...f.agents.agents.values()].map((p) => p.lines.join('\n') + p.stderr()).join('\n');

/** Waits for the controller to end well, stops the agents, checks the password went nowhere; the store's counted crossings. */
async function finish(f: Fleet, runs: Proc[]): Promise<string[]> {
  const last = runs[runs.length - 1];
  const { code } = await within(last.exited, 240_000, 'the run to end').catch((err: Error) => {
    throw new Error(`${err.message}\ncontroller:\n${last.stderr()}\nagents:\n${agentOutput(f)}`);
  });
  assert.equal(code, 0, last.stderr());
  assertNotOnCommandLine(SECRET);
  for (const p of f.agents.agents.values()) p.child.kill('SIGTERM');
  for (const p of f.agents.agents.values()) await within(p.exited, 30_000, 'agent exit');
  assertSecretKept(SECRET, f.dir, [...runs, ...f.agents.agents.values()].map(outputOf));
  return countedCrossings(f.db);
}

let uninterrupted: Promise<string[]> | null = null;
const reference = (t: After) =>
  (uninterrupted ??= (async () => {
    const f = await fleet(t, 'reference');
    await startAgents(f);
    return finish(f, [controller(t, f)]);
  })());


test('Redis restarted without persistence mid-file: the agent keeps counting, the controller resubmits its task; the count is the uninterrupted run\'s', { timeout: 600_000 }, async (t) => {
  const expected = await reference(t);
  assert.ok(expected.length >= 3, `the clip has crossings: ${expected.length}`);
  const f = await fleet(t, 'restarted');
  await startAgents(f);
  const run = controller(t, f);
  await run.waitLine(secondCrossing, 120_000);
  await f.redis.crash();
  await f.redis.restart();
  const got = await finish(f, [run]);
  assert.deepEqual(got, expected);
  assert.doesNotMatch(agentOutput(f), /lease lost/, 'no agent took the lost task for one another run holds');
});

test('Redis FLUSHALL\'d mid-file: the count is the uninterrupted run\'s', { timeout: 600_000 }, async (t) => {
  const expected = await reference(t);
  const f = await fleet(t, 'flushed');
  await startAgents(f);
  const run = controller(t, f);
  await run.waitLine(secondCrossing, 120_000);
  flushAll(f.redis);
  assert.deepEqual(await finish(f, [run]), expected);
});

test('Redis FLUSHALL\'d while the controller waits for agents with its task queued: the task is queued again, the agents that come count it', { timeout: 600_000 }, async (t) => {
  const expected = await reference(t);
  const f = await fleet(t, 'queued');
  const run = controller(t, f);
  await until('the task queued in the fleet', 60_000, () => redisCli(f.redis, 'ZCARD', 'pcount:queue') === '1');
  flushAll(f.redis);
  assert.equal(redisCli(f.redis, 'DBSIZE'), '0');
  await startAgents(f);
  assert.deepEqual(await finish(f, [run]), expected);
});

test('the controller killed mid-file, then Redis FLUSHALL\'d, then the controller started again: it takes the file up and the count is the uninterrupted run\'s', { timeout: 600_000 }, async (t) => {
  const expected = await reference(t);
  const f = await fleet(t, 'controller-back');
  await startAgents(f);
  const first = controller(t, f);
  await first.waitLine(secondCrossing, 120_000);
  first.child.kill('SIGKILL');
  await within(first.exited, 30_000, 'the controller to die');
  flushAll(f.redis);
  const again = controller(t, f);
  assert.deepEqual(await finish(f, [first, again]), expected);
});

test('a run claimed from the store\'s counting state, then Redis FLUSHALL\'d before any controller read the claim: the next controller adopts the run and voids what the earlier run counted after that state; the count is the uninterrupted run\'s', { timeout: 600_000 }, async (t) => {
  const expected = await reference(t);
  const f = await fleet(t, 'claim-lost');
  await f.agents.spawn('a').waitLine(/ready/, 60_000);
  const first = controller(t, f);
  // The store's counting state of a's run is in the task hash (its mark: after crossing m), and a crossing after it is stored.
  const markSeq = await until('a counting state in the task hash', 120_000, () => {
    const m = /^\d+\|(\d+)\|/.exec(redisCli(f.redis, 'HGET', 'pcount:task:clip', 'start_mark'));
    return m ? Number(m[1]) : undefined;
  });
  await first.waitLine(new RegExp(`"type":"crossing","task":"clip".*"seq":${markSeq + 1},`), 120_000);
  first.child.kill('SIGINT');
  assert.equal((await within(first.exited, 30_000, 'the controller to leave')).code, 0, first.stderr());
  f.agents.get('a').child.kill('SIGKILL');
  const b = f.agents.spawn('b');
  await b.waitLine(/clip: started \(run .*from frame \d+ with its counting state\)/, 60_000);
  flushAll(f.redis);
  await b.waitLine(/clip: Redis lost the task/, 30_000);
  const again = controller(t, f);
  assert.deepEqual(await finish(f, [first, again]), expected);
});
