import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskSpec } from '../src/config/types.js';
import { RedisConnection } from '../src/fleet/connect.js';
import { FleetController } from '../src/fleet/controller.js';
import { parseEntry, type FleetEntry } from '../src/fleet/entries.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { handBackPoint, RunStates } from '../src/fleet/run-states.js';
import { CLAIM, RELEASE, runScript } from '../src/fleet/scripts.js';
import { workerArgs } from '../src/orchestrator/spawn-worker.js';
import type { CrossingEvent, ProgressEvent, StateEvent, WorkerEvent } from '../src/protocol/events.js';
import { FleetMarks, type ResumeMark } from '../src/store/fleet-marks.js';
import { tempDir, vtest480 } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { beginRun, taskRun, tempStore } from './store-helpers.js';
import { runWorkerCli } from './worker-harness.js';

/**
 * Someone held on the line when a file is handed back: the stopping worker counts the held change of side after its
 * last counting state (LineCounter.finish), dated where the path met the line, before the frame the next run resumes
 * at; the next run goes on from that state, still holding it, and counts it again. The store must void the first by
 * counting order (the state's mark), not by frame.
 *
 * Below the agents, because the moment a hand-back stops a worker is wall-clock time, and a held change of side lasts
 * a fraction of a second at this machine's speed: the stop is `--max-frames 420` (the same end of the frame loop as a
 * stop command: last progress report with its state, then LineCounter.finish), where on vtest-480 with line h0.5 the
 * person of track 2 stands on the line, their change of side held since frame 404. Everything else is the fleet's:
 * real workers with the agent's arguments, the agent's RunStates and handBackPoint, the RELEASE and CLAIM scripts on a
 * real Redis, the claim notices from the stream, and the controller's FleetMarks and store.
 */

const STOP = 420;
const spec: TaskSpec = { id: 'vt', kind: 'video', source: vtest480, lines: [{ name: 'h0.5', points: [0, 0.5, 1, 0.5] }], options: { skip_frames: 1, confidence: 0.3 } };
const args = (startFrame: number | null = null, startStateFile: string | null = null) =>
  workerArgs(spec, { threads: 1, logLevel: 'info', emitState: true, startFrame, startStateFile });
const crossingsOf = (events: WorkerEvent[]) => events.filter((e): e is CrossingEvent => e.type === 'crossing');
const key = (c: { line: string; direction: string; frame: number; track: number }) => `${c.frame} ${c.line} ${c.direction} track ${c.track}`;

test('a file handed back while someone is held on its line: the held change of side the stopping worker counted after its state is void, and the fleet counts it once, as the uninterrupted run', { timeout: 600_000 }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  t.after(() => conn.close());
  const ctl = await FleetController.attach({ conn, fleet: 'pcount' });
  t.after(() => ctl.detach());
  const keys = fleetKeys('pcount');
  const uninterrupted = runWorkerCli(args(), 300_000);

  // Agent a claims the file and its worker counts until it stops, handing the file back with its newest state.
  await ctl.submit([spec]);
  assert.ok(await runScript(conn, CLAIM, [keys.prefix, 'a', 'a.1', 8000]));
  const first = await runWorkerCli([...args(), '--max-frames', String(STOP)], 300_000);
  assert.equal(first.code, 0, first.stderr);
  const states = new RunStates(10_000);
  let lastFrame = 0;
  for (const e of first.events) {
    if (e.type === 'state') states.take({ frame: e.frame, seq: e.seq, state: e.state }, 0);
    if (e.type === 'progress') lastFrame = Math.max(lastFrame, (e as ProgressEvent).frame);
  }
  const last = first.events.filter((e): e is StateEvent => e.type === 'state').at(-1)!;
  assert.equal(last.frame, STOP);
  // The scenario: a crossing written after the last state, dated before the frame the next run resumes at.
  const afterState = crossingsOf(first.events.slice(first.events.indexOf(last)));
  assert.ok(afterState.length > 0 && afterState.every((c) => c.frame <= STOP), `held at the stop: ${JSON.stringify(afterState.map(key))}`);
  const resume = handBackPoint('a.1', states.newest, lastFrame);
  assert.equal(await runScript(conn, RELEASE, [keys.prefix, 'a', 'a.1', 'vt', 'requeue', 'handed back', 0, 0, first.events.length + 1, resume.frame, resume.state, resume.mark]), 'ok');

  // Agent b claims it and its worker goes on from that state.
  const [, , , , start, state] = (await runScript(conn, CLAIM, [keys.prefix, 'b', 'b.1', 8000])) as string[];
  assert.equal(Number(start), STOP + 1);
  const stateFile = path.join(tempDir('fleet-held'), 'state.json');
  writeFileSync(stateFile, state);
  const second = await runWorkerCli(args(STOP + 1, stateFile), 300_000);
  assert.equal(second.code, 0, second.stderr);
  assert.ok(second.events.some((e) => e.type === 'log' && /continues from the state after frame 420/.test(e.message)), second.stderr);

  // The controller: the claim notices as the stream has them, each run's crossings stored as they come.
  const stream = (await conn.send(['XRANGE', keys.events, '-', '+'])) as [string, string[]][];
  const claims = stream.map(([, fields]) => parseEntry(fields)).filter((e): e is Extract<FleetEntry, { k: 'claim' }> => e?.k === 'claim');
  assert.deepEqual(
    claims.map((c) => [c.run, c.startFrame, c.mark]),
    [
      ['a.1', null, null],
      ['b.1', STOP + 1, { run: 'a.1', seq: last.seq }],
    ],
  );
  const stored = (mark: (claimed: ResumeMark | null) => ResumeMark | null) => {
    const store = tempStore();
    t.after(() => store.close());
    beginRun(store);
    const marks = new FleetMarks(store);
    let chain: number | null = null;
    for (const [claim, events] of [
      [claims[0], first.events],
      [claims[1], second.events],
    ] as const) {
      const row = store.startTaskRun(taskRun({ task: 'vt', chainId: chain }));
      // The first run of a new count voids nothing (Recorder.claimRun); the next from its start frame.
      marks.claim(claim.run, 'vt', chain === null ? null : (claim.startFrame ?? 1), chain, mark(claim.mark));
      chain = row.chain_id;
      for (const c of crossingsOf(events)) {
        store.insertCrossing({ ...c, taskRunId: row.id, task: 'vt', ts: c.ts, attributes: null, occupancy: 0, fleetRun: claim.run, storedAt: 0 });
      }
    }
    return (store.db.prepare(`SELECT line, direction, frame, track FROM crossings WHERE void = 0`).all() as { line: string; direction: string; frame: number; track: number }[]).map(key).sort();
  };

  const reference = await uninterrupted;
  assert.equal(reference.code, 0, reference.stderr);
  const expected = crossingsOf(reference.events).map(key).sort();
  assert.deepEqual(stored((m) => m), expected, 'each crossing once, as the uninterrupted run');
  // By frame alone (the rule before marks, and still the one of a resume point without a mark) the held change of
  // side counts twice: what this test is about.
  const byFrame = stored(() => null);
  assert.deepEqual(byFrame, [...expected, ...afterState.map(key)].sort());
  t.diagnostic(`uninterrupted ${expected.length} crossings; stopped at ${STOP} with ${afterState.map(key).join(', ')} written after its state (seq ${last.seq}); by frame ${byFrame.length}`);
});
