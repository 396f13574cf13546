import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEvent, WorkerEvent } from '../src/protocol/events.js';
import { runWorkerCli, vtest } from './worker-harness.js';

/** Every event but what depends on time: progress, logs, time stamps, wall time and rate. */
function outcome(events: WorkerEvent[]): unknown[] {
  return events
    .filter((e) => e.type !== 'progress' && e.type !== 'log' && e.type !== 'hello')
    .map((e) => {
      const { ts: _ts, ...rest } = e as WorkerEvent & { ts?: number; wall_seconds?: number; avg_fps?: number };
      if (rest.type === 'done') {
        const { wall_seconds: _w, avg_fps: _f, ...done } = rest as typeof rest & { wall_seconds?: number; avg_fps?: number };
        return done;
      }
      return rest;
    });
}

/**
 * With 2 threads the worker detects on two sessions at once (detector-lanes.ts), two frames in flight, answers in
 * any order; with 1 thread on one session, one frame at a time. The crop plan of each frame is fixed before it is
 * sent, and the events are written in frame order, so the two runs must write the same events.
 */
test('two detector sessions in parallel write exactly the events of one session: tracks of every frame, crops, crossings, done', { timeout: 240_000 }, async () => {
  const args = ['--source', vtest, '--max-frames', '200', '--emit-tracks', '--log-level', 'info'];
  const [two, one] = [await runWorkerCli([...args, '--threads', '2'], 120_000), await runWorkerCli([...args, '--threads', '1'], 120_000)];
  for (const r of [two, one]) assert.equal(r.code, 0, r.stderr);
  const modelLine = (r: typeof two) => r.events.find((e): e is LogEvent => e.type === 'log' && e.message.startsWith('model '))?.message ?? '';
  assert.match(modelLine(two), /2 sessions of 1 \+ 1 threads\)$/);
  assert.match(modelLine(one), /1 thread\(s\)\)$/);
  // Skipping frames, the worker never has two frames in the detector: one session gets both threads.
  const skipping = await runWorkerCli(['--source', vtest, '--max-frames', '20', '--skip-frames', '5', '--threads', '2'], 120_000);
  assert.equal(skipping.code, 0, skipping.stderr);
  assert.match(modelLine(skipping), /2 thread\(s\)\)$/);
  const [a, b] = [outcome(two.events), outcome(one.events)];
  assert.equal(a.filter((e) => (e as { type: string }).type === 'tracks').length, 200);
  assert.ok(a.some((e) => (e as { type: string }).type === 'crossing'), 'some crossings in 200 frames of vtest');
  assert.deepEqual(a, b);
});
