import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentPool, makeLiveClip, startLiveStream, startProc, tempDir, until, vtest480, writeFleetConfig, type Proc } from './fleet-harness.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { freePort, startRedis } from './redis-server.js';
import { cliBin, within } from './worker-harness.js';

/**
 * `pcount-tui run --no-tui --redis URL` as the fleet's controller, with two real agents, their real workers, a real
 * Redis and the test footage (two files and a live camera made from vtest-480): the run's SQLite store receives
 * every crossing the agents' workers reported exactly once, across kill -9 of the agent that runs the camera (another
 * agent takes it over, the killed one comes back with its journal), and the run's totals are the store's.
 */

const middle = [{ name: 'middle', points: [0.5, 0, 0.5, 1] }];

interface StoredCrossing {
  task: string;
  fleet_run: string | null;
  seq: number;
  direction: 'in' | 'out';
  void: number;
}

function endedFiles(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare("SELECT DISTINCT task FROM task_runs WHERE kind = 'video' AND end_reason = 'end'").all() as { task: string }[]).map((r) => r.task);
  } finally {
    conn.close();
  }
}

function storedCrossings(db: string): StoredCrossing[] {
  if (!existsSync(db)) return [];
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT task, fleet_run, seq, direction, void FROM crossings').all() as StoredCrossing[];
  } finally {
    conn.close();
  }
}

const events = (run: Proc) => run.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const claimLine = (task: string) => new RegExp(`^\\{"v":1,"type":"log","task":"${task}".*"message":"claimed by agent (\\w+) \\(run ([^)]+)\\)`);

test('run --no-tui --redis: two agents run two files and a camera; kill -9 of the camera\'s agent → taken over; the store has every crossing once', { timeout: 600_000 }, async (t) => {
  const dir = tempDir('fleet-run');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const cam = await startLiveStream(await makeLiveClip(dir, 200));
  t.after(() => cam.stop());
  // Three slots each: whichever way the three tasks were spread, the survivor has a slot free for the camera at once
  // (with two, a survivor busy with both files could take it only when a file ended, which under load took minutes).
  const agents = new AgentPool(redis.url, dir, 3);
  t.after(() => agents.killAll());
  await Promise.all(['a', 'b'].map((n) => agents.spawn(n).waitLine(/ready/, 60_000)));

  const { config, results } = writeFleetConfig(dir, redis.url, [{ id: 'cam', source: cam.url }]);
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  // For a failure's post-mortem: the run's NDJSON and the agents' logs.
  t.after(() => writeFileSync(path.join(dir, 'post-mortem.txt'), [...run.lines, ...[...agents.agents].map(([n, p]) => `agent ${n}:\n${p.stderr()}`)].join('\n')));

  // The camera counts on one agent; that agent is killed.
  const [, holder, firstRun] = claimLine('cam').exec(await run.waitLine(claimLine('cam'), 120_000))!;
  await run.waitLine(/"type":"hello","task":"cam"/, 120_000);
  const other = holder === 'a' ? 'b' : 'a';
  const from = run.lines.length;
  const killedAt = Date.now();
  agents.get(holder)!.child.kill('SIGKILL');
  const [, taker, secondRun] = claimLine('cam').exec(await run.waitLine(claimLine('cam'), 90_000, from))!;
  assert.equal(taker, other, 'the surviving agent took the camera over');
  assert.notEqual(secondRun, firstRun);
  const takeover = (Date.now() - killedAt) / 1000;
  // The killed agent comes back with its journal and sends what its workers reported before it died.
  await agents.spawn(holder).waitLine(/ready/, 60_000);

  // Both files end (one may have been re-queued from the killed agent and resumed), the camera counts on.
  await run.waitLine(/"type":"done","task":"vt"/, 300_000);
  await run.waitLine(/"type":"done","task":"mot"/, 300_000);
  const db = path.join(results, 'pcount.db');
  // A file's task is complete once its run's end (after the worker's `done`) is stored.
  await until('both files\' task runs ended at the end of the file in the store', 60_000, () => endedFiles(db).length === 2);
  await until('a crossing of the camera after the takeover is stored', 120_000, () => storedCrossings(db).some((c) => c.fleet_run === secondRun));
  // What the workers reported so far (the camera goes on: it reports more, which the store may or may not get).
  const journaled = await until('every crossing the agents journaled is in the store', 120_000, () => {
    const stored = new Set(storedCrossings(db).map((c) => `${c.fleet_run}#${c.seq}`));
    const reported = agents.crossings();
    return [...reported.keys()].every((k) => stored.has(k)) && reported;
  });

  run.child.kill('SIGTERM');
  const exit = await within(run.exited, 60_000, 'the run to end');
  const summary = events(run).find((e) => e.type === 'summary') as { tasks: { task: string; state: string; in: number; out: number }[] };
  assert.ok(summary, 'the run printed its summary');
  assert.equal(exit.code, 0, `exit status of a run whose files completed and whose camera was left running: ${JSON.stringify(summary)}\n${run.stderr()}\n(see ${dir}/post-mortem.txt)`);

  const stored = storedCrossings(db);
  const keys = stored.map((c) => `${c.fleet_run}#${c.seq}`);
  assert.equal(new Set(keys).size, keys.length, 'no crossing stored twice');
  assert.ok(stored.every((c) => c.fleet_run !== null), 'every crossing came from a fleet run');
  for (const [k, task] of journaled) assert.ok(keys.includes(k), `${task} crossing ${k}, reported by its worker, is in the store`);
  // Whatever the store holds, a worker reported: the journals, read now, hold everything any worker sent.
  const reported = agents.crossings();
  for (const k of keys) assert.ok(reported.has(k), `stored crossing ${k} was reported by a worker`);
  for (const task of ['cam', 'vt', 'mot']) {
    const counted = stored.filter((c) => c.task === task && c.void === 0);
    const s = summary.tasks.find((x) => x.task === task)!;
    assert.deepEqual([s.in, s.out], [counted.filter((c) => c.direction === 'in').length, counted.filter((c) => c.direction === 'out').length], `${task}: the run's totals are the store's`);
  }
  assert.equal(summary.tasks.find((x) => x.task === 'vt')!.state, 'completed');
  assert.equal(summary.tasks.find((x) => x.task === 'mot')!.state, 'completed');
  // The camera's totals continue across the takeover: both of its runs count toward them.
  const camRuns = new Set(stored.filter((c) => c.task === 'cam' && c.void === 0).map((c) => c.fleet_run));
  assert.ok(camRuns.has(secondRun), 'the camera run on the surviving agent counted');
  assert.ok(existsSync(path.join(results, 'latest', 'results.json')), 'results were exported');
  t.diagnostic(`kill -9 of agent ${holder} → camera claimed by agent ${taker} after ${takeover.toFixed(1)} s; ${stored.length} crossings stored, ${journaled.size} journaled (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
});

test('run --redis: an unreachable Redis and a wrong password are refused with a message and exit 1; the password from the config or PCOUNT_REDIS_PASSWORD is never shown', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('fleet-run-bad');
  const redis = await startRedis(['--requirepass', 'sesame-8812']);
  t.after(() => redis.dispose());
  const config = (redisUrl?: string) => {
    const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
    const shared = { result_output: path.join(dir, 'results'), ...(redisUrl ? { redis: redisUrl } : {}) };
    writeFileSync(file, JSON.stringify({ parallel_config: shared, cameras: [], videos: [{ id: 'vt', source: vtest480, lines: middle }] }));
    return file;
  };
  const runFails = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const p = startProc([process.execPath, cliBin, 'run', ...args, '--no-tui'], { env });
    const { code } = await within(p.exited, 60_000, 'the run to exit');
    const out = p.lines.join('\n') + p.stderr();
    assert.doesNotMatch(out, /\n\s+at .*\(.*:\d+:\d+\)/, `no stack trace:\n${out}`);
    assert.ok(!out.includes('sesame-8812') && !out.includes('wrong-pw-3301'), `no password in the output:\n${out}`);
    return { code, out };
  };
  const closed = await freePort();
  let r = await runFails([config(), '--redis', `redis://127.0.0.1:${closed}/0`]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}/0: connection refused`));

  r = await runFails([config(`redis://:wrong-pw-3301@127.0.0.1:${redis.port}/0`)]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /redis:\/\/:\*\*\*@127\.0\.0\.1.*refused the user name or password/);
  assert.doesNotMatch(r.out, /shows in 'ps'/, 'a password in the config file is not on the command line');

  r = await runFails([config(), '--redis', `redis://127.0.0.1:${redis.port}/0`], { PCOUNT_REDIS_PASSWORD: 'wrong-pw-3301' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /refused the user name or password/);

  r = await runFails([config(), '--redis', `redis://127.0.0.1:${redis.port}/0`]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /needs a password: put it in the environment variable PCOUNT_REDIS_PASSWORD/);

  // The right password from the environment: the run becomes the controller (a file task waits for an agent).
  const ok = startProc([process.execPath, cliBin, 'run', config(), '--no-tui', '--redis', `redis://127.0.0.1:${redis.port}/0`], { env: { PCOUNT_REDIS_PASSWORD: 'sesame-8812' } });
  t.after(() => ok.alive() && ok.child.kill('SIGKILL'));
  await until('the task is queued in the fleet', 30_000, async () => {
    const conn = await RedisConnection.open(parseRedisUrl(`redis://:sesame-8812@127.0.0.1:${redis.port}/0`), 'test');
    try {
      return Number(await conn.send(['ZCARD', fleetKeys('pcount').queue])) === 1;
    } finally {
      await conn.close();
    }
  });
  ok.child.kill('SIGTERM');
  await within(ok.exited, 30_000, 'the run to end');
  assert.ok(!(ok.lines.join('\n') + ok.stderr()).includes('sesame-8812'));
});

test('run --redis: kill -9 of the agent counting a file → re-queued, resumed from the stored checkpoint by the other agent; the dead run\'s crossings after the state it goes on from are void', { timeout: 400_000 }, async (t) => {
  const dir = tempDir('fleet-resume');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const { config, results } = writeFleetConfig(dir, redis.url, []);
  // One agent first, so that it takes the first file; the second file waits for the second agent.
  await agents.spawn('a').waitLine(/ready/, 60_000);
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  const [, holder, firstRun] = claimLine('vt').exec(await run.waitLine(claimLine('vt'), 120_000))!;
  assert.equal(holder, 'a');
  // Killed once it has counted a few crossings and the fleet holds a resume point with its counting state. The agent
  // sends its run's first state at once and one every 10 s after it, so where that point is depends on the machine's
  // speed (frame 5 when the 480 frames take under 10 s); the takeover goes on from it, or from a later one.
  await run.waitLine(/"type":"crossing","task":"vt".*"seq":3,/, 180_000);
  await run.waitLine(/"type":"progress","task":"vt".*"frame":(1[5-9]\d|[2-9]\d\d),/, 180_000);
  const fleet = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  t.after(() => fleet.close());
  const stored = await until('a resume point with its counting state', 180_000, async () => {
    const [frame, state] = (await fleet.send(['HMGET', fleetKeys('pcount').task('vt'), 'start_frame', 'start_state'])) as (string | null)[];
    return Number(frame) > 0 && state ? Number(frame) : undefined;
  });
  const from = run.lines.length;
  agents.get('a').child.kill('SIGKILL');
  await agents.spawn('b').waitLine(/ready/, 60_000);
  const claimed = await run.waitLine(claimLine('vt'), 120_000, from);
  const [, taker, secondRun] = claimLine('vt').exec(claimed)!;
  assert.equal(taker, 'b');
  const startFrame = Number(/from frame (\d+)/.exec(claimed)?.[1]);
  assert.ok(startFrame >= stored, `resumed from the fleet's checkpoint (${stored}) or a later one, not from the start: ${claimed}`);
  const db = path.join(results, 'pcount.db');
  await until('vt completed on agent b', 240_000, () => endedFiles(db).includes('vt'));
  run.child.kill('SIGTERM');
  await within(run.exited, 60_000, 'the run to end');

  const conn = new Database(db, { readonly: true, fileMustExist: true });
  t.after(() => conn.close());
  const rows = conn.prepare("SELECT fleet_run AS run, seq, line, frame, direction, void FROM crossings WHERE task = 'vt'").all() as { run: string; seq: number; line: string; frame: number; direction: string; void: number }[];
  const dead = rows.filter((r) => r.run === firstRun);
  const resumed = rows.filter((r) => r.run === secondRun);
  assert.ok(dead.length >= 3, 'the dead run’s crossings were stored');
  // The takeover goes on from a counting state of the killed run: what that run counted after the state is counted
  // again, whatever frame it is dated (a held change of side counted later is dated where it met the line).
  const mark = conn.prepare('SELECT mark_run AS run, mark_seq AS seq FROM fleet_runs WHERE run = ?').get(secondRun) as { run: string | null; seq: number | null };
  assert.equal(mark.run, firstRun, 'the takeover’s claim carries the mark of the killed run’s state');
  assert.ok(dead.every((r) => (r.void === 1) === (r.seq > mark.seq!)), 'the dead run counts up to the state the takeover goes on from, no further');
  assert.ok(dead.every((r) => r.void === 1 || r.frame < startFrame), 'nothing the dead run counted from the resume frame on stays');
  assert.ok(resumed.length > 0 && resumed.every((r) => r.void === 0), 'the resumed run’s crossings all count');
  // A change of side held in the state it goes on from is counted when its track ends, dated where it met the line,
  // so before the start frame: never one the killed run's kept crossings already have.
  const early = resumed.filter((r) => r.frame < startFrame);
  assert.ok(
    early.every((r) => !dead.some((d) => d.void === 0 && d.line === r.line && d.direction === r.direction && d.frame === r.frame)),
    `a crossing dated before the start frame is one held in the state, not counted twice: ${JSON.stringify(early)}`,
  );
  const summary = events(run).find((e) => e.type === 'summary') as { tasks: { task: string; state: string; in: number; out: number }[] };
  const vt = summary.tasks.find((x) => x.task === 'vt')!;
  const counted = rows.filter((r) => r.void === 0);
  assert.equal(vt.state, 'completed');
  assert.deepEqual([vt.in, vt.out], [counted.filter((r) => r.direction === 'in').length, counted.filter((r) => r.direction === 'out').length], 'the run’s totals are the store’s');
  t.diagnostic(`vt: ${dead.length} crossings by the killed run (${dead.filter((r) => r.void).length} void), ${resumed.length} by the run resumed from frame ${startFrame} (${early.length} dated before it); totals ${vt.in} in / ${vt.out} out`);
});
