import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CrossingEvent } from '../src/protocol/events.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { parseEntry } from '../src/fleet/entries.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { wireToSpec } from '../src/fleet/task-wire.js';
import { fairThreads, workerArgs } from '../src/orchestrator/spawn-worker.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { AgentPool, journalEntries, sleep, startProc, tempDir, until, vtest480, writeFleetTasks } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { cliBin, runWorkerCli, within } from './worker-harness.js';

/**
 * While no controller follows the fleet, a file's counting states do not pile up: the events stream and the agent's
 * journal hold one state of the run, the newest, however long it counts. A controller that attaches then stores every
 * crossing and resumes from the newest state: the agent is killed with -9 and started again on the same journal (it
 * resends what the controller lacks and takes the file over from the state the controller stored), and the count is
 * the uninterrupted run's, to the track id. Real Redis, agent, workers and controller (`run --no-tui --redis`) on
 * vtest-480 played six times in one file.
 */

const claimLine = /"type":"log","task":"vt".*"message":"claimed by agent (\w+) \(run ([^)]+)\)(?: from frame (\d+))?/;
const crossingKey = (c: { line: string; direction: string; frame: number; track: number }) => `${c.frame} ${c.line} ${c.direction} track ${c.track}`;

test('no controller: the stream and the journal keep one counting state per run; a controller attached then stores every crossing and resumes from the newest state', { timeout: 900_000 }, async (t) => {
  const dir = tempDir('fleet-states');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  t.after(() => conn.close());
  const keys = fleetKeys('pcount');
  const clip = path.join(dir, 'vtest-x6.avi');
  const made = spawnSync((await resolveFfmpeg()).path, ['-loglevel', 'error', '-y', '-stream_loop', '5', '-i', vtest480, '-c', 'copy', clip]);
  assert.equal(made.status, 0, String(made.stderr));
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'vt', source: clip, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] }] });
  await agents.spawn('a').waitLine(/ready/, 60_000);

  // The controller submits the file and leaves it running (Ctrl-C).
  const first = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => first.alive() && first.child.kill('SIGKILL'));
  await first.waitLine(claimLine, 120_000);
  first.child.kill('SIGINT');
  assert.equal((await within(first.exited, 30_000, 'the first controller to leave')).code, 0);
  const spec = wireToSpec(String(await conn.send(['HGET', keys.task('vt'), 'spec'])));
  assert.ok(spec.ok);
  const uninterrupted = runWorkerCli(workerArgs(spec.spec, { threads: fairThreads(availableParallelism(), 1), logLevel: 'info' }), 800_000);

  // 1. No controller for a minute: states keep coming (one every 10 s), but the stream and the journal hold one.
  const journal = agents.journal('a');
  const streamStates = async () => {
    const all = (await conn.send(['XRANGE', keys.events, '-', '+'])) as [string, string[]][];
    return all.flatMap(([, fields]) => {
      const e = parseEntry(fields);
      return e?.k === 'st' ? [e] : [];
    });
  };
  const seen = new Set<number>();
  let most = { stream: 0, journal: 0 };
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const inStream = await streamStates();
    for (const s of inStream) seen.add(s.event.frame);
    const inJournal = readdirSync(journal).filter((f) => f.endsWith('.state.json')).length;
    most = { stream: Math.max(most.stream, inStream.length), journal: Math.max(most.journal, inJournal) };
    await sleep(500);
  }
  const stateSegments = journalEntries(journal).filter((e) => e.k === 'ev' && e.event.type === 'state');
  const memory = Number(await conn.send(['MEMORY', 'USAGE', keys.events, 'SAMPLES', '0']));
  t.diagnostic(`a minute without a controller: ${seen.size} states seen in the stream, at most ${most.stream} at once; stream ${memory} bytes; journal ${most.journal} state file`);
  assert.ok(seen.size >= 4, `states kept coming: ${[...seen].join(', ')}`);
  // Two at once only between the new one's XADD and the old one's XDEL.
  assert.ok(most.stream <= 2, `the stream held ${most.stream} states at once`);
  assert.equal(most.journal, 1);
  assert.equal(stateSegments.length, 0, 'no state in the journal\'s segments');
  assert.ok(memory < 400_000, `the stream holds ${memory} bytes`);

  // 2. A controller attaches: it takes in what the agent sent meanwhile and writes the newest state as the resume point.
  const newest = Math.max(...(await streamStates()).map((s) => s.event.frame));
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  const stored = await until('the stream\'s newest state as the resume point', 120_000, async () => {
    const [frame, state] = (await conn.send(['HMGET', keys.task('vt'), 'start_frame', 'start_state'])) as (string | null)[];
    return Number(frame) > newest && state ? Number(frame) : undefined;
  });

  // 3. The agent is killed and started again on its journal: it resends, and takes the file over from the stored state.
  const from = run.lines.length;
  agents.get('a').child.kill('SIGKILL');
  const again = agents.spawn('a');
  const [, agent, , takenAt] = claimLine.exec(await run.waitLine(claimLine, 120_000, from))!;
  assert.equal(agent, 'a');
  assert.ok(Number(takenAt) >= stored, `taken over from the stored state (${stored}) or a later one: ${takenAt}`);
  await again.waitLine(/resending what 1 earlier run left in the journal/, 10_000);
  await again.waitLine(new RegExp(`vt: started \\(run .*, from frame ${takenAt} with its counting state\\)`), 10_000);

  const exit = await within(run.exited, 600_000, 'the run to end with the file');
  assert.equal(exit.code, 0, `${run.lines.slice(-5).join('\n')}\n${run.stderr()}`);
  assert.doesNotMatch(run.lines.join('\n'), /warms up|not used|lost events/, 'no run warmed up, refused its state or lost events');
  const reference = await uninterrupted;
  assert.equal(reference.code, 0, reference.stderr);
  const expected = (reference.events.filter((e) => e.type === 'crossing') as CrossingEvent[]).map(crossingKey).sort();
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  t.after(() => sql.close());
  const rows = sql.prepare("SELECT line, direction, frame, track FROM crossings WHERE task = 'vt' AND void = 0").all() as CrossingEvent[];
  assert.deepEqual(rows.map(crossingKey).sort(), expected, 'the fleet counted the uninterrupted run\'s crossings, each once');
  t.diagnostic(`${expected.length} crossings, as uninterrupted; taken over at ${takenAt} (the controller's state at ${stored - 1})`);
});
