import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import type { CrossingEvent, DoneEvent } from '../src/protocol/events.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { wireToSpec } from '../src/fleet/task-wire.js';
import { fairThreads, workerArgs } from '../src/orchestrator/spawn-worker.js';
import { AgentPool, startProc, tempDir, until, vtest480, writeFleetTasks } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { cliBin, runWorkerCli, within } from './worker-harness.js';

/**
 * A file whose agent goes away mid-file goes on on another agent from the counting state, as a local resume does: first
 * handed back by an agent that stops (with its own newest state), then taken over from an agent killed with -9 (from the
 * newest state the controller stored). Real Redis, agents, workers and controller (`run --no-tui --redis`) on the first
 * 480 frames of vtest. The fleet's crossings are the uninterrupted run's, to the frame and the track id: a resume that
 * warmed up instead would number its tracks anew.
 */

const claimLine = /"type":"log","task":"vt".*"message":"claimed by agent (\w+) \(run ([^)]+)\)(?: from frame (\d+))?/;
const crossingKey = (c: { line: string; direction: string; frame: number; track: number }) => `${c.frame} ${c.line} ${c.direction} track ${c.track}`;

test('a file moves to another agent mid-file, handed back then taken over from kill -9: each run goes on from the counting state, and the count is the uninterrupted run\'s, to the track id', { timeout: 900_000 }, async (t) => {
  const dir = tempDir('fleet-state');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  t.after(() => conn.close());
  const task = fleetKeys('pcount').task('vt');
  const resumePoint = async () => {
    const [frame, state] = (await conn.send(['HMGET', task, 'start_frame', 'start_state'])) as (string | null)[];
    return { frame: Number(frame) || 0, state };
  };
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'vt', source: vtest480, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] }] });
  await agents.spawn('a').waitLine(/ready/, 60_000);
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  await run.waitLine(claimLine, 120_000);

  // The uninterrupted run, alongside: the worker an agent runs for the task as the fleet holds it, with its threads.
  const spec = wireToSpec(String(await conn.send(['HGET', task, 'spec'])));
  assert.ok(spec.ok);
  const uninterrupted = runWorkerCli(workerArgs(spec.spec, { threads: fairThreads(availableParallelism(), 1), logLevel: 'info' }), 800_000);

  const progressPast = (frame: number) =>
    until(`progress of vt past frame ${frame}`, 300_000, () => run.lines.some((l) => l.includes('"type":"progress","task":"vt"') && (JSON.parse(l) as { frame: number }).frame >= frame));

  // 1. Agent a stops mid-file: it hands the file back with its newest state; agent b goes on from it.
  await progressPast(100);
  const b = agents.spawn('b');
  await b.waitLine(/ready/, 60_000);
  let from = run.lines.length;
  agents.get('a').child.kill('SIGTERM');
  const [, second, secondRun, handedAt] = claimLine.exec(await run.waitLine(claimLine, 120_000, from))!;
  assert.equal(second, 'b');
  const handBack = Number(handedAt);
  assert.ok(handBack > 100, `resumed mid-file: ${handedAt}`);
  await b.waitLine(new RegExp(`vt: started \\(run ${secondRun.replace(/\./g, '\\.')}, .*, from frame ${handBack} with its counting state\\)`), 10_000);

  // 2. Once the controller has stored a state of b's run, and b has gone on past it, b is killed: agent c takes the file
  // over from that state (the frames after it are read again, and b's crossings there are void).
  const stored = await until('a state of run b stored in the fleet', 300_000, async () => {
    const p = await resumePoint();
    return p.frame > handBack && p.state !== null ? p : undefined;
  });
  await progressPast(stored.frame + 10);
  from = run.lines.length;
  agents.get('b').child.kill('SIGKILL');
  const c = agents.spawn('c');
  const [, third, thirdRun, takenAt] = claimLine.exec(await run.waitLine(claimLine, 120_000, from))!;
  assert.equal(third, 'c');
  const takeover = Number(takenAt);
  assert.ok(takeover >= stored.frame, `taken over from the controller's newest state (${stored.frame}) or a later one: ${takenAt}`);
  await c.waitLine(new RegExp(`vt: started \\(run ${thirdRun.replace(/\./g, '\\.')}, .*, from frame ${takeover} with its counting state\\)`), 10_000);

  const exit = await within(run.exited, 600_000, 'the run to end with the file');
  const summary = run.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>).find((e) => e.type === 'summary');
  assert.equal(exit.code, 0, `${run.lines.slice(-5).join('\n')}\n${run.stderr()}`);
  assert.doesNotMatch(run.lines.join('\n'), /warms up|not used/, 'no run warmed up or refused its state');

  // The state carries counting only: no path, URL or password of the task or the fleet.
  assert.ok(stored.state!.length > 1000);
  for (const secret of [vtest480, 'vtest', redis.url, 'redis']) assert.ok(!stored.state!.includes(secret), `the state holds no ${secret}`);

  const reference = await uninterrupted;
  assert.equal(reference.code, 0, reference.stderr);
  const expected = (reference.events.filter((e) => e.type === 'crossing') as CrossingEvent[]).map(crossingKey).sort();
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  t.after(() => sql.close());
  const rows = sql.prepare("SELECT fleet_run AS run, line, direction, frame, track, void FROM crossings WHERE task = 'vt'").all() as {
    run: string;
    line: string;
    direction: string;
    frame: number;
    track: number;
    void: number;
  }[];
  const counted = rows.filter((r) => r.void === 0);
  assert.deepEqual(counted.map(crossingKey).sort(), expected, 'the fleet counted the uninterrupted run\'s crossings, each once');
  const done = reference.events.find((e): e is DoneEvent => e.type === 'done')!;
  const vt = (summary?.tasks as { task: string; in: number; out: number }[]).find((x) => x.task === 'vt')!;
  assert.deepEqual([vt.in, vt.out], [done.in, done.out]);

  const byRun = new Map<string, number>();
  for (const r of rows) byRun.set(r.run, (byRun.get(r.run) ?? 0) + 1);
  t.diagnostic(
    `uninterrupted ${done.in} in / ${done.out} out (${expected.length} crossings); fleet ${vt.in} in / ${vt.out} out, the same crossings; ` +
      `handed back at ${handBack}, taken over at ${takeover} (controller's state at ${stored.frame - 1}); crossings by run ${JSON.stringify(Object.fromEntries(byRun))}, ` +
      `${rows.length - counted.length} void; a state ${stored.state!.length} bytes`,
  );
});
