import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEvent, WorkerEvent } from '../src/protocol/events.js';
import { mot17Cut } from './footage.js';
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

const modelLine = (r: { events: WorkerEvent[] }) => r.events.find((e): e is LogEvent => e.type === 'log' && e.message.startsWith('model '))?.message ?? '';

/**
 * With 2 threads the worker detects on two sessions at once (detector-lanes.ts), two frames in flight, answers in
 * any order; with 1 thread on one session, one frame at a time. The crop plan of each frame is fixed before it is
 * sent, and the events are written in frame order, so the two runs must write the same events.
 */
test('two detector sessions in parallel write exactly the events of one session: tracks of every frame, crops, crossings, done', { timeout: 240_000 }, async () => {
  const args = ['--source', vtest, '--max-frames', '200', '--emit-tracks', '--log-level', 'info'];
  const [two, one] = [await runWorkerCli([...args, '--threads', '2'], 120_000), await runWorkerCli([...args, '--threads', '1'], 120_000)];
  for (const r of [two, one]) assert.equal(r.code, 0, r.stderr);
  assert.match(modelLine(two), /2 sessions of 1 \+ 1 threads\)$/);
  assert.match(modelLine(one), /1 thread\(s\)\)$/);
  const [a, b] = [outcome(two.events), outcome(one.events)];
  assert.equal(a.filter((e) => (e as { type: string }).type === 'tracks').length, 200);
  assert.ok(a.some((e) => (e as { type: string }).type === 'crossing'), 'some crossings in 200 frames of vtest');
  assert.deepEqual(a, b);
});

/**
 * Skipping frames on a file, the next detection frame is sent ahead on the crop plan in force and its answer kept only
 * if the plan is the same at its turn (frame-ahead.ts): the events must be those of one session taking one frame at a
 * time at its turn. On the MOT17-09 cut (several tiles a frame) the plan changes while it learns the people's heights,
 * so both ways are taken: guesses kept and guesses sent again.
 */
test('skipping frames, detection frames sent ahead on two sessions write exactly the events of one session', { timeout: 240_000 }, async () => {
  const lines = ['0.3,0,0.3,1,a', '0.5,0,0.5,1,b', '0.7,0,0.7,1,c'].flatMap((l) => ['--line', l]);
  const args = ['--source', mot17Cut, ...lines, '--skip-frames', '3', '--emit-tracks', '--log-level', 'info'];
  const [two, one] = [await runWorkerCli([...args, '--threads', '2'], 120_000), await runWorkerCli([...args, '--threads', '1'], 120_000)];
  for (const r of [two, one]) assert.equal(r.code, 0, r.stderr);
  assert.match(modelLine(two), /2 sessions of 1 \+ 1 threads\)$/);
  assert.match(modelLine(one), /1 thread\(s\)\)$/);
  const ahead = two.events.find((e): e is LogEvent => e.type === 'log' && e.message.startsWith('detection frames sent ahead'))?.message ?? '';
  const [, sentAhead, again] = /ahead of their turn: (\d+), of which (\d+) sent again/.exec(ahead)?.map(Number) ?? [];
  assert.ok(sentAhead > 30 && again >= 1, ahead);
  const [a, b] = [outcome(two.events), outcome(one.events)];
  assert.equal(a.filter((e) => (e as { type: string }).type === 'tracks').length, 140);
  assert.ok(a.some((e) => (e as { type: string }).type === 'crossing'), 'some crossings in the cut');
  assert.deepEqual(a, b);
});

test('a live source that skips frames keeps one session of both threads: its next detection frame is not filmed yet', { timeout: 120_000 }, async () => {
  const r = await runWorkerCli(['--source', vtest, '--live', '--max-frames', '20', '--skip-frames', '5', '--threads', '2', '--log-level', 'info'], 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(modelLine(r), /2 thread\(s\)\)$/);
});
