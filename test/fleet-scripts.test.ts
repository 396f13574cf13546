import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskSpec } from '../src/config/types.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { FleetController } from '../src/fleet/controller.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { controllerFollows } from '../src/fleet/agent-forward.js';
import { claimNotice as agentsNotice, entryFields, parseEntry } from '../src/fleet/entries.js';
import { SinkFailure } from '../src/fleet/store-sink.js';
import { AGENT_EXIT, CLAIM, COMMAND, HEARTBEAT, REAP, RELEASE, runScript, START_FRAMES, SUBMIT } from '../src/fleet/scripts.js';
import type { ResumeMark } from '../src/store/fleet-marks.js';
import { until } from './fleet-harness.js';
import { startRedis } from './redis-server.js';

/** The fleet's Lua scripts and the controller client against a real Redis, without agents: the rules of the queue. */

const spec = (id: string, kind: TaskSpec['kind'] = 'camera'): TaskSpec => ({
  id,
  kind,
  source: `rtsp://cam/${id}`,
  lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }],
  options: { skip_frames: 1, confidence: 0.3 },
});

async function setup(t: { after(fn: () => unknown): void }) {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const conn = await RedisConnection.open(parseRedisUrl(redis.url, {}), 'test');
  t.after(() => conn.close());
  const ctl = await FleetController.attach({ conn, fleet: 'f1' });
  t.after(() => ctl.detach());
  return { redis, conn, ctl, keys: fleetKeys('f1') };
}

test('claims: each queued task goes to exactly one of many agents claiming at once', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  await ctl.submit(['c1', 'c2', 'c3'].map((id) => spec(id)));
  const claims = await Promise.all(
    Array.from({ length: 12 }, (_, i) => runScript(conn, CLAIM, [keys.prefix, `agent${i % 4}`, `run${i}`, 8000])),
  );
  const won = claims.filter((c): c is string[] => c !== null).map((c) => c[0]);
  assert.deepEqual(won.sort(), ['c1', 'c2', 'c3']);
  assert.equal(await runScript(conn, CLAIM, [keys.prefix, 'late', 'run99', 8000]), null);
  const tasks = await ctl.tasks();
  assert.ok(tasks.every((x) => x.state === 'running' && x.agent !== null && x.run !== null));
  // Resubmitting the same specs (a controller attaching again) leaves running tasks alone; a changed spec restarts.
  const again = await ctl.submit([spec('c1'), { ...spec('c2'), options: { skip_frames: 1, confidence: 0.5 } }]);
  assert.deepEqual(Object.fromEntries(again), { c1: 'kept', c2: 'updated' });
});

test('commands on queued, running and finished tasks', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  await ctl.submit([spec('q1'), spec('q2'), spec('r1')]);
  // r1 first, so that an agent claims it.
  assert.deepEqual(await ctl.command('r1', 'start'), { ok: true, message: 'moved to the front of the queue' });
  const [claimed, , gen] = (await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 8000])) as string[];
  assert.equal(claimed, 'r1');
  assert.deepEqual(await ctl.command('q1', 'cancel'), { ok: true, message: 'cancelled' });
  assert.deepEqual(await ctl.command('q2', 'stop'), { ok: true, message: 'stopped' });
  assert.deepEqual(await ctl.command('r1', 'start'), { ok: false, message: 'already running' });
  assert.deepEqual(await ctl.command('r1', 'restart'), { ok: true, message: 'restarting on its agent' });
  assert.deepEqual(await ctl.command('nope', 'stop'), { ok: false, message: 'no such task in the fleet' });
  // The agent's heartbeat sees the restart as a new generation.
  const [[, status, want, newGen]] = (await runScript(conn, HEARTBEAT, [keys.prefix, 'a', 'inst', 8000, JSON.stringify(['host', 'h']), 'r1', 'run-a'])) as string[][];
  assert.deepEqual([status, want], ['ok', 'run']);
  assert.notEqual(newGen, gen);
  assert.deepEqual(await ctl.command('r1', 'stop'), { ok: true, message: 'stopping on its agent' });
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'r1', 'stopped', 'stopped by user', 0, 0, 7]), 'ok');
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'r1', 'stopped', 'again', 0, 0, 8]), 'not-owner');
  const states = Object.fromEntries((await ctl.tasks()).map((x) => [x.id, [x.state, x.note]]));
  assert.deepEqual(states, { q1: ['cancelled', 'cancelled before it started'], q2: ['stopped', 'stopped before it started'], r1: ['stopped', 'stopped by user'] });
  // The task keeps which run ended last and the n of its end entry (a returning controller takes a finished run in).
  const r1 = (await ctl.tasks(['r1']))[0];
  assert.deepEqual([r1.lastRun, r1.lastAgent, r1.lastN], ['run-a', 'a', 7]);
  // A finished task runs again, first in line.
  assert.deepEqual(await ctl.command('q1', 'start'), { ok: true, message: 'queued again' });
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-b', 8000])) as string[])[0], 'q1');
  assert.equal((await ctl.health()).queued, 0);
});

test('a file\'s resume frame: the newest checkpoint wins, whoever reports it and in whatever order; a new count starts anew', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  const file = spec('f', 'video');
  const frame = async () => (await ctl.tasks(['f']))[0].startFrame;
  const at = (n: number | null) => () => ({ frame: n, state: null });
  await ctl.submit([file], at(100));
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 8000])) as string[])[4], '100');
  // The controller's checkpoints move it; the agent shuts down and hands the file back after frame 340 it reported,
  // while the controller has stored up to 250: a later, older write of the controller does not take it back.
  await ctl.setStartFrames(new Map([['f', { frame: 201, state: null, mark: null }]]));
  assert.equal(await frame(), 201);
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'f', 'requeue', 'handed back', 0, 0, 9, 341, '']), 'ok');
  await ctl.setStartFrames(new Map([['f', { frame: 251, state: null, mark: null }]]));
  assert.equal(await frame(), 341);
  // A controller that comes back submits its store's (older) checkpoint: the queued task keeps the newer frame.
  assert.equal((await ctl.submit([file], at(251))).get('f'), 'kept');
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'b', 'run-b', 8000])) as string[])[4], '341');
  // A stop ends the count; the next submit is a new count, from its own frame.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'b', 'run-b', 'f', 'stopped', 'stopped by user', 0, 0, 3, '', '']), 'ok');
  await ctl.submit([file], at(null));
  assert.equal(await frame(), null);
});

test('a file\'s counting state moves with its frame, only forward; a checkpoint without one does not replace one with it; it goes when the task settles or a new count starts', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  const file = spec('f', 'video');
  const state = (frame: number) => JSON.stringify({ version: 1, frame });
  const point = async () => {
    const [frame, held] = (await conn.send(['HMGET', keys.task('f'), 'start_frame', 'start_state'])) as (string | null)[];
    return { frame: frame || null, state: held };
  };
  const claim = async (agent: string) => ((await runScript(conn, CLAIM, [keys.prefix, agent, `run-${agent}`, 8000])) as string[]).slice(4);
  const forward = (frame: number, held: string | null) => ctl.setStartFrames(new Map([['f', { frame, state: held, mark: null }]]));

  // A controller resuming from its store's checkpoint hands the state over with the frame; the claim carries both.
  await ctl.submit([file], () => ({ frame: 100, state: state(99) }));
  assert.deepEqual(await claim('a'), ['100', state(99), '']);
  // Checkpoints without a state (progress every second) do not replace the state; a newer state does, an older not.
  await forward(201, null);
  assert.deepEqual(await point(), { frame: '100', state: state(99) });
  await forward(151, state(150));
  await forward(121, state(120));
  assert.deepEqual(await point(), { frame: '151', state: state(150) });
  // The agent hands the file back with its own newest state; a returning controller's older one does not take it back.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'f', 'requeue', 'handed back', 0, 0, 9, 341, state(340)]), 'ok');
  assert.equal((await ctl.submit([file], () => ({ frame: 251, state: state(250) }))).get('f'), 'kept');
  assert.deepEqual(await point(), { frame: '341', state: state(340) });
  assert.deepEqual(await claim('b'), ['341', state(340), '']);
  // The file is read to its end: the state (tens of kB) goes with the count.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'b', 'run-b', 'f', 'completed', '', 0, 0, 30, '', '']), 'ok');
  assert.equal((await point()).state, null);

  // A resume point without a state (an older store's checkpoint) takes one of the same frame.
  await ctl.submit([file], () => ({ frame: 400, state: null }));
  await forward(400, state(399));
  assert.deepEqual(await point(), { frame: '400', state: state(399) });
  // A changed spec starts a new count: back to its own frame, without the state; the same when it is stopped.
  await ctl.submit([{ ...file, options: { skip_frames: 1, confidence: 0.5 } }], () => ({ frame: null, state: null }));
  assert.deepEqual(await point(), { frame: null, state: null });
  assert.deepEqual(await claim('c'), ['', '', '']);
  await forward(61, state(60));
  await ctl.command('f', 'stop');
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'c', 'run-c', 'f', 'stopped', 'stopped by user', 0, 0, 3, '', '']), 'ok');
  assert.deepEqual(await point(), { frame: '61', state: null });
});

test('a state\'s mark (where in the counting order it was taken) moves with it, goes with the claim notice, and goes when the state does', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  const file = spec('f', 'video');
  const state = (frame: number) => JSON.stringify({ version: 1, frame });
  const mark = async () => (await conn.send(['HGET', keys.task('f'), 'start_mark'])) as string | null;
  const claimNotice = async (agent: string) => {
    const [id, , , , start, , m] = (await runScript(conn, CLAIM, [keys.prefix, agent, `run-${agent}`, 8000])) as string[];
    const entries = (await conn.send(['XRANGE', keys.events, '-', '+'])) as [string, string[]][];
    const notice = entries.map(([, fields]) => parseEntry(fields)).filter((e) => e?.k === 'claim').at(-1);
    // The agent keeps the same notice from the script's answer, to send it again if Redis loses it.
    assert.deepEqual(agentsNotice(id, `run-${agent}`, agent, start, m), notice);
    return notice;
  };
  const forward = (frame: number, held: string | null, m: ResumeMark | null) => ctl.setStartFrames(new Map([['f', { frame, state: held, mark: m }]]));

  // A controller resuming from its store's checkpoint has no mark for it: the claim says none (void by frame).
  await ctl.submit([file], () => ({ frame: 100, state: state(99) }));
  assert.equal(await mark(), null);
  assert.deepEqual(await claimNotice('a'), { k: 'claim', task: 'f', run: 'run-a', agent: 'a', startFrame: 100, mark: null });
  // The controller's newer state of run a comes with its mark; a checkpoint without a state leaves both.
  await forward(151, state(150), { run: 'run-a', seq: 5 });
  await forward(201, null, null);
  assert.equal(await mark(), '151|5|run-a');
  // Agent a hands the file back with its own newest state and mark; the claim that follows carries the mark.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'f', 'requeue', 'handed back', 0, 0, 9, 341, state(340), '341|9|run-a']), 'ok');
  assert.deepEqual(await claimNotice('b'), { k: 'claim', task: 'f', run: 'run-b', agent: 'b', startFrame: 341, mark: { run: 'run-a', seq: 9 } });
  // A newer state without a mark (an older worker's) takes the old mark away with the old state.
  await forward(401, state(400), null);
  assert.equal(await mark(), null);
  await forward(451, state(450), { run: 'run-b', seq: 3 });
  // The file is read to its end: the mark goes with the state.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'b', 'run-b', 'f', 'completed', '', 0, 0, 30, '', '', '']), 'ok');
  assert.deepEqual(await conn.send(['HMGET', keys.task('f'), 'start_state', 'start_mark']), [null, null]);
});

test('a lapsed lease is reaped (re-queued first), but not right after Redis itself restarted', async (t) => {
  const { redis, conn, ctl, keys } = await setup(t);
  await ctl.submit([spec('cam')]);
  await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 1000]);
  const reaped = await until('the lapsed lease reaped', 10_000, async () => {
    const r = (await runScript(conn, REAP, [keys.prefix, 1000])) as string[];
    return r.length > 0 && r;
  });
  assert.deepEqual(reaped, ['cam']);
  const [task] = await ctl.tasks();
  assert.deepEqual([task.state, task.agent, task.note], ['queued', null, 'agent a stopped renewing its lease: re-queued']);
  // The old run can no longer renew: its agent learns that it lost the task.
  const [[, status]] = (await runScript(conn, HEARTBEAT, [keys.prefix, 'a', 'inst', 1000, JSON.stringify(['host', 'h']), 'cam', 'run-a'])) as string[][];
  assert.equal(status, 'lost');
  // Redis restarts after its leases lapsed: for a lease time plus a second nothing is reaped, and the holder's
  // next heartbeat takes its lease back.
  // (A 4 s lease here, so that the guard's 5 s outlast a reconnect on a busy machine.)
  await runScript(conn, CLAIM, [keys.prefix, 'b', 'run-b', 4000]);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 4500));
  await redis.restart();
  await until('reconnected', 10_000, () => conn.ready);
  assert.equal(await conn.send(['EXISTS', keys.lease('cam')]), 0, 'the lease lapsed while Redis was down');
  assert.deepEqual(await runScript(conn, REAP, [keys.prefix, 4000]), [], 'no reaping while agents may not have renewed yet');
  const [[, back]] = (await runScript(conn, HEARTBEAT, [keys.prefix, 'b', 'inst-b', 4000, JSON.stringify(['host', 'h']), 'cam', 'run-b'])) as string[][];
  assert.equal(back, 'ok');
});

test('one controller at a time: a second one is refused while the first holds the fleet', async (t) => {
  const { conn } = await setup(t);
  await assert.rejects(
    FleetController.attach({ conn, fleet: 'f1', waitForLeaseMs: 500 }),
    (e: Error & { code?: string }) => e.code === 'CONTROLLER_PRESENT' && /already has a controller \(pid \d+ on /.test(e.message),
  );
  const other = await FleetController.attach({ conn, fleet: 'f2', waitForLeaseMs: 500 });
  await other.detach();
});

test('a controller whose store takes no writes is followed by no one, as the agents see it: their progress does not pile up in the sequence it cannot acknowledge', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  assert.equal(await controllerFollows(conn, keys), true, 'attached, its store fine');
  const failures: (string | null)[] = [];
  await ctl.read(
    {
      storeBatch: () => {
        throw new SinkFailure('cannot store fleet events: store /x/pcount.db: disk full');
      },
      storedThrough: () => 0,
    },
    (m) => failures.push(m),
  );
  const progress = { v: 1, type: 'progress', task: 'cam', ts: 1, frame: 1, fps: 10, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] };
  await conn.send(['XADD', keys.events, '*', ...entryFields({ k: 'ev', task: 'cam', run: 'a.x.1', n: 1, agent: 'a', event: progress as never })]);
  await until('the agents told', 10_000, async () => !(await controllerFollows(conn, keys)));
  assert.ok(failures.some((m) => m?.includes('disk full')));
  assert.equal(await conn.send(['EXISTS', keys.controller]), 1, 'it still holds the fleet');
  await ctl.detach();
  assert.equal(await conn.send(['EXISTS', keys.unstored]), 0, 'gone with it: the next controller is followed at once');
});

test('Redis loses the fleet (FLUSHALL): the heartbeat says gone, not lost, and keeps the lease; the submission adopts that run; the other agent sees it taken', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  await ctl.submit([spec('c1', 'video'), spec('c2', 'video')]);
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 8000])) as string[])[0], 'c1');
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a2', 8000])) as string[])[0], 'c2');
  await conn.send(['FLUSHALL']);
  // The controller storing a checkpoint meanwhile leaves the task lost (a hash with a resume point only would pass for it).
  await ctl.setStartFrames(new Map([['c1', { frame: 101, state: null, mark: null }]]));
  assert.equal(await conn.send(['EXISTS', keys.task('c1')]), 0);
  const beat = (agent: string, ...pairs: string[]) => runScript(conn, HEARTBEAT, [keys.prefix, agent, `inst-${agent}`, 8000, JSON.stringify(['host', 'h']), ...pairs]) as Promise<string[][]>;
  assert.deepEqual(await beat('a', 'c1', 'run-a', 'c2', 'run-a2'), [['c1', 'gone', '', ''], ['c2', 'gone', '', '']]);
  assert.equal(await conn.send(['GET', keys.lease('c1')]), 'a|run-a', 'the lease is the run\'s again');
  assert.deepEqual(await beat('b', 'c1', 'run-b'), [['c1', 'lost', '', 'a']], 'another agent\'s run sees it held by a');
  // c2's run ends before the controller submits it again: the lease goes, so that the submission queues it.
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a2', 'c2', 'completed', 'done', 0, 0, 9]), 'gone');
  assert.equal(await conn.send(['EXISTS', keys.lease('c2')]), 0);
  assert.deepEqual(await ctl.missing(['c1', 'c2', 'c3']), ['c1', 'c2', 'c3']);
  const again = await ctl.submit([spec('c1', 'video'), spec('c2', 'video')], () => ({ frame: 121, state: '{"version":1}', mark: { run: 'run-a', seq: 4 } }));
  assert.deepEqual(Object.fromEntries(again), { c1: 'adopted', c2: 'queued' });
  const [c1, c2] = await ctl.tasks(['c1', 'c2']);
  assert.deepEqual([c1.state, c1.agent, c1.run, c2.state], ['running', 'a', 'run-a', 'queued']);
  assert.deepEqual(await beat('a', 'c1', 'run-a'), [['c1', 'ok', 'run', '0']]);
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'run-a', 'c1', 'completed', 'done', 0, 0, 30]), 'ok');
  assert.equal((await ctl.tasks(['c1']))[0].state, 'completed');
  const claimed = (await runScript(conn, CLAIM, [keys.prefix, 'b', 'run-b', 8000])) as string[];
  assert.deepEqual([claimed[0], claimed[4], claimed[5]], ['c2', '121', '{"version":1}'], 'the queued one goes on from the point submitted');
});

/**
 * Every key of the fleet with its type and value (not its time to live), to tell whether a script wrote anything; not
 * the controller's lease, which the test's controller renews on its own.
 */
async function keyspace(conn: RedisConnection, controller: string): Promise<string> {
  const out: unknown[] = [];
  for (const key of ((await conn.send(['KEYS', '*'])) as string[]).filter((k) => k !== controller).sort()) {
    const type = String(await conn.send(['TYPE', key]));
    const read: Record<string, (string | number)[]> = { hash: ['HGETALL', key], set: ['SMEMBERS', key], zset: ['ZRANGE', key, 0, -1, 'WITHSCORES'], stream: ['XRANGE', key, '-', '+'], string: ['GET', key] };
    const value = (await conn.send(read[type])) as string[];
    const pairs = type === 'hash' ? value.flatMap((v, i) => (i % 2 === 0 ? [`${v}=${value[i + 1]}`] : [])) : value;
    out.push([key, type, type === 'hash' || type === 'set' ? [...pairs].sort() : value]);
  }
  return JSON.stringify(out);
}

test('a script whose write Redis refuses (the ACL) changes nothing, and the same call once allowed makes the whole change: no claim without its notice, no stop the controller never hears of, no changed spec without its restart', { timeout: 120_000 }, async (t) => {
  const { conn, ctl, keys } = await setup(t);
  const P = keys.prefix;
  const video = spec('f', 'video');
  const claim = (leaseMs = 8000) => runScript(conn, CLAIM, [P, 'a', 'run-a', leaseMs]);
  const health = JSON.stringify(['host', 'h']);
  // Each: what the fleet holds before, the call, and every write command it may send.
  const cases: { name: string; before(): Promise<unknown>; call(): Promise<unknown>; writes: string[] }[] = [
    { name: 'SUBMIT a new task', before: async () => {}, call: () => ctl.submit([video]).then((r) => r.get('f')), writes: ['SADD', 'HSET', 'HDEL', 'HSETNX', 'ZADD'] },
    { name: 'SUBMIT a changed spec of a running task', before: () => ctl.submit([video]).then(() => claim()), call: () => ctl.submit([{ ...video, options: { skip_frames: 2, confidence: 0.3 } }]).then((r) => r.get('f')), writes: ['HINCRBY', 'HSET', 'HDEL'] },
    { name: 'COMMAND stop of a queued task', before: () => ctl.submit([video]), call: () => ctl.command('f', 'stop'), writes: ['ZREM', 'HSET', 'HDEL', 'XADD'] },
    { name: 'CLAIM', before: () => ctl.submit([video]), call: () => claim(), writes: ['ZREM', 'SET', 'HSET', 'SADD', 'XADD'] },
    { name: 'HEARTBEAT', before: () => ctl.submit([video]).then(() => claim()), call: () => runScript(conn, HEARTBEAT, [P, 'a', 'inst', 8000, health, 'f', 'run-a']), writes: ['SET', 'HSET', 'SADD'] },
    { name: 'START_FRAMES', before: () => ctl.submit([video]), call: () => runScript(conn, START_FRAMES, [P, 'f', 51, '{"version":1}', '51|3|run-0']), writes: ['HSET', 'HDEL'] },
    { name: 'RELEASE of a handed-back file', before: () => ctl.submit([video]).then(() => claim()), call: () => runScript(conn, RELEASE, [P, 'a', 'run-a', 'f', 'requeue', 'handed back', 0, 0, 9, 51, '{"version":1}', '51|3|run-a']), writes: ['DEL', 'SREM', 'ZADD', 'HSET', 'HDEL', 'XADD'] },
    { name: 'REAP of a lapsed lease', before: () => ctl.submit([video]).then(() => claim(1)), call: () => runScript(conn, REAP, [P, 1]), writes: ['HSET', 'ZADD', 'SREM', 'XADD'] },
    { name: 'AGENT_EXIT', before: () => runScript(conn, HEARTBEAT, [P, 'a', 'inst', 8000, health]), call: () => runScript(conn, AGENT_EXIT, [P, 'a', 'inst', 'bye']), writes: ['DEL', 'HSET', 'XADD'] },
  ];
  // REAP reaps nothing in Redis's first seconds (every lease looks lapsed after a restart).
  await until('Redis up for 2 s', 10_000, async () => /uptime_in_seconds:([2-9]|\d\d)/.test(String(await conn.send(['INFO', 'server']))));
  const fresh = async (c: (typeof cases)[number]) => {
    await conn.send(['FLUSHALL']);
    await c.before();
    // A lease of 1 ms has lapsed by the time the reaper looks.
    await new Promise((r) => setTimeout(r, 5));
    return keyspace(conn, keys.controller);
  };
  for (const c of cases) {
    await fresh(c);
    const expected = await c.call();
    for (const write of c.writes) {
      const before = await fresh(c);
      await conn.send(['ACL', 'SETUSER', 'default', `-${write.toLowerCase()}`]);
      const refused = await c.call().then(
        () => null,
        (err: Error) => err,
      );
      await conn.send(['ACL', 'SETUSER', 'default', `+${write.toLowerCase()}`]);
      assert.equal(await keyspace(conn, keys.controller), before, `${c.name} with ${write} refused: nothing written`);
      assert.match(refused?.message ?? 'no error', new RegExp(`NOPERM.*${write}`), `${c.name} with ${write} refused: the call fails, saying why`);
      assert.deepEqual(await c.call(), expected, `${c.name}, allowed again: the whole change`);
    }
  }
});

test('a script that finds a fleet key of another type changes nothing; the reaper drops a running task that has no hash and goes on', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  await ctl.submit([spec('c1'), spec('c2')]);
  await conn.send(['SET', keys.running, 'not a set']);
  const before = await keyspace(conn, keys.controller);
  await assert.rejects(runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 8000]), /WRONGTYPE fleet key f1:running holds a string, not a set/);
  assert.equal(await keyspace(conn, keys.controller), before, 'the task is still queued, with no lease');
  await conn.send(['DEL', keys.running]);
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-a', 1])) as string[])[0], 'c1');
  // A submission cut short after its first write (an older server's ACL) leaves an id in the running set with no task.
  await conn.send(['SADD', keys.running, 'ghost']);
  await until('Redis up for 2 s', 10_000, async () => /uptime_in_seconds:([2-9]|\d\d)/.test(String(await conn.send(['INFO', 'server']))));
  assert.deepEqual(await runScript(conn, REAP, [keys.prefix, 1]), ['c1']);
  assert.deepEqual(await conn.send(['SMEMBERS', keys.running]), []);
});

test('a heartbeat that finds one task\'s key of another type says so for that task and still renews the agent\'s other leases', async (t) => {
  const { conn, ctl, keys } = await setup(t);
  await ctl.submit([spec('c1', 'video'), spec('c2', 'video')]);
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-1', 2000])) as string[])[0], 'c1');
  assert.equal(((await runScript(conn, CLAIM, [keys.prefix, 'a', 'run-2', 2000])) as string[])[0], 'c2');
  await conn.send(['DEL', keys.task('c1')]);
  await conn.send(['SET', keys.task('c1'), 'overwritten']);
  const answer = await runScript(conn, HEARTBEAT, [keys.prefix, 'a', 'inst', 60_000, JSON.stringify(['host', 'h']), 'c1', 'run-1', 'c2', 'run-2']);
  assert.deepEqual(answer, [['c1', 'broken', 'WRONGTYPE fleet key f1:task:c1 holds a string, not a hash', ''], ['c2', 'ok', 'run', '0']]);
  assert.ok(Number(await conn.send(['PTTL', keys.lease('c2')])) > 2000, 'c2\'s lease renewed for the minute asked');
  assert.ok(Number(await conn.send(['PTTL', keys.lease('c1')])) <= 2000, 'c1\'s lease left alone');
});
