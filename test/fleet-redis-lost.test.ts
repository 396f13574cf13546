import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../src/config/load.js';
import { specToWire, wireToSpec } from '../src/fleet/task-wire.js';
import { fairThreads, workerArgs } from '../src/orchestrator/spawn-worker.js';
import type { CrossingEvent, StateEvent, WorkerEvent } from '../src/protocol/events.js';
import { AgentPool, assertNotOnCommandLine, assertSecretKept, countedCrossings, journalEntries, makeLongFile, makeShortFile, outputOf, redisCli as harnessCli, startProc, tempDir, until, writeFleetTasks, type Proc } from './fleet-harness.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { cliBin, runWorkerCli, within } from './worker-harness.js';

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

test('Redis restarted from a snapshot taken before a claim (the claim notice lost unread): the run went on from a counting state that holds a change of side, and so does the run claimed after it; that change of side, which both count again dated before their start frame, counts once', { timeout: 900_000 }, async (t) => {
  const STOP = 420;
  const redis = await startRedis(['--requirepass', SECRET, '--appendonly', 'no']);
  t.after(() => redis.dispose());
  const dir = tempDir('fleet-redis-lost-held');
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'vt', source: await makeLongFile(dir, 'vtest-twice', 2), lines: [{ name: 'h0.5', points: [0, 0.5, 1, 0.5] }] }] });
  const crossingsOf = (events: WorkerEvent[]) => events.filter((e): e is CrossingEvent => e.type === 'crossing');

  // The counting state after frame 420 as an agent's worker writes it (the agent's spec and arguments): the person of
  // track 2 stands on the line, their change of side held (a worker stopped there counts it after the state).
  const loaded = loadConfig(config);
  assert.ok(loaded.ok);
  const checked = wireToSpec(specToWire(loaded.config.tasks[0]));
  assert.ok(checked.ok);
  const args = workerArgs(checked.spec, { threads: fairThreads(availableParallelism(), 1), logLevel: 'info', emitState: true, startFrame: null, startStateFile: null });
  const stopped = await runWorkerCli([...args, '--max-frames', String(STOP)], 300_000);
  assert.equal(stopped.code, 0, stopped.stderr);
  const state = stopped.events.filter((e): e is StateEvent => e.type === 'state').at(-1)!;
  assert.equal(state.frame, STOP);
  assert.equal(typeof state.seq, 'number');
  const held = crossingsOf(stopped.events.slice(stopped.events.indexOf(state)));
  assert.ok(held.length > 0 && held.every((c) => c.frame <= STOP), `a change of side held at frame ${STOP}: ${JSON.stringify(held)}`);

  // Agent a counts the file past that frame while a controller follows; the controller leaves, a is killed.
  await agents.spawn('a').waitLine(/ready/, 60_000);
  const first = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => first.alive() && first.child.kill('SIGKILL'));
  await until(`run a past frame ${STOP + 10}`, 300_000, () => first.lines.some((l) => l.includes('"type":"progress","task":"vt"') && (JSON.parse(l) as { frame: number }).frame > STOP + 10));
  // The file is twice vtest-480 and a is frozen before the controller leaves: a's run must still hold the task when a
  // dies (it used to finish the 480 frames now and then while the controller left).
  agents.get('a').child.kill('SIGSTOP');
  first.child.kill('SIGINT');
  assert.equal((await within(first.exited, 30_000, 'the controller to leave')).code, 0, first.stderr());
  agents.get('a').child.kill('SIGKILL');
  await within(agents.get('a').exited, 30_000, 'agent a to die');
  const runA = redisCli(redis, 'HGET', 'pcount:task:vt', 'run');
  assert.match(runA, /^a\./);
  // The task resumes from that state of a's run (as from a checkpoint the store held), in the snapshot Redis will
  // restart from: a's run holds the task, its lease lapsing.
  redisCli(redis, 'HSET', 'pcount:task:vt', 'start_frame', String(STOP + 1), 'start_state', JSON.stringify(state.state), 'start_mark', `${STOP + 1}|${state.seq}|${runA}`);
  assert.equal(redisCli(redis, 'SAVE'), 'OK');

  // Agent b reaps the task and claims it (run B), going on from the state; B counts the held change of side again.
  const b = agents.spawn('b');
  const started = new RegExp(`vt: started \\(run ([^,]+), .*from frame ${STOP + 1} with its counting state\\)`);
  const runB = started.exec(await b.waitLine(started, 120_000))![1];
  const crossingsOfRun = (run: string) =>
    journalEntries(agents.journal('b')).flatMap((e) => (e.run === run && e.k === 'ev' && e.event.type === 'crossing' ? [e.event] : []));
  await until('run B counted the held change of side', 120_000, () => crossingsOfRun(runB).some((c) => c.frame <= STOP));
  // Redis restarts from the snapshot: B's claim and its notice are gone, the task is a's again, its lease lapsed. B
  // ends (its lease lost); b reaps the task again and claims it (run C), from the same state.
  const from = b.lines.length;
  await redis.crash();
  await redis.restart();
  const runC = started.exec(await b.waitLine(started, 120_000, from))![1];
  assert.notEqual(runC, runB);
  await b.waitLine(new RegExp(`vt: run ${runB.replace(/\./g, '\\.')} ended`), 60_000);

  const second = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => second.alive() && second.child.kill('SIGKILL'));
  const got = await finish({ redis, agents, dir, config, db }, [first, second]);
  // Each crossing once: a's up to the state, then C's; B's are all counted again by C, also the held change of side
  // dated before the frame both start from.
  const key = (c: CrossingEvent) => `${c.line} ${c.direction} @${c.frame} #${c.track}`;
  const order = (x: CrossingEvent, y: CrossingEvent) => x.frame - y.frame || x.track - y.track || x.line.localeCompare(y.line) || x.direction.localeCompare(y.direction);
  const fromA = journalEntries(agents.journal('a')).flatMap((e) => (e.run === runA && e.k === 'ev' && e.event.type === 'crossing' && e.event.seq <= state.seq! ? [e.event] : []));
  const fromC = crossingsOfRun(runC);
  const heldByB = crossingsOfRun(runB).filter((c) => c.frame <= STOP).map(key);
  assert.ok(heldByB.every((k) => fromC.map(key).includes(k)), `C counts the held change of side again: ${heldByB.join(', ')}`);
  assert.deepEqual(got, [...fromA, ...fromC].sort(order).map(key));
});
