import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskSpec } from '../../src/config/types.js';
import type { RunnerHandlers } from '../../src/orchestrator/runner.js';
import type { WorkerEvent } from '../../src/protocol/events.js';
import { TaskLink } from '../../src/fleet/fleet-runner.js';
import { handBackPoint, markFromWire, markToWire, RunStates } from '../../src/fleet/run-states.js';

/** A file's counting states in a fleet: what an agent keeps and sends, where a handed-back or re-queued file resumes. */

const state = (frame: number) => ({ frame, state: { version: 1, at: frame } });

test('RunStates: every state is kept as the newest; the first goes to the controller, then one every interval', () => {
  const s = new RunStates(10_000);
  assert.equal(s.newest, null);
  const sent = [0, 1000, 2000, 9999, 10_000, 11_000, 25_000].map((now, i) => s.take(state(10 * (i + 1)), now));
  assert.deepEqual(sent, [true, false, false, false, true, false, true]);
  assert.deepEqual(s.newest, state(70));
});

test('handBackPoint: after the newest state, with it and its mark; without one after the last frame reported; nothing counted, nothing said', () => {
  assert.deepEqual(handBackPoint('r1', { ...state(340), seq: 12 }, 340), { frame: 341, state: JSON.stringify({ version: 1, at: 340 }), mark: '341|12|r1' });
  assert.deepEqual(markFromWire('341|12|r1', 341), { run: 'r1', seq: 12 });
  assert.deepEqual(handBackPoint('r1', state(340), 340), { frame: 341, state: JSON.stringify({ version: 1, at: 340 }), mark: '' }, 'an older worker says no seq: no mark');
  assert.deepEqual(handBackPoint('r1', null, 340), { frame: 341, state: '', mark: '' });
  assert.deepEqual(handBackPoint('r1', null, 0), { frame: '', state: '', mark: '' });
});

test('markFromWire: the mark of its own frame only; none for another frame, none at all, or a malformed one', () => {
  assert.deepEqual(markFromWire(markToWire(481, { run: 'a.x|y', seq: 0 }), 481), { run: 'a.x|y', seq: 0 });
  assert.equal(markFromWire('481|3|r', 301), null);
  assert.equal(markFromWire('481|3|r', null), null);
  assert.equal(markFromWire('', 481), null);
  assert.equal(markFromWire('481|x|r', 481), null);
  assert.equal(markToWire('', { run: 'r', seq: 3 }), '');
});

const file: TaskSpec = { id: 'f', kind: 'video', source: '/v/f.mp4', lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.3 } };
const handlers: RunnerHandlers = {
  worker: () => {},
  record: () => () => {},
  started: () => {},
  noise: () => {},
  workerEnded: () => {},
  moved: () => {},
  waiting: () => {},
  exit: () => {},
};

function linked(spec: TaskSpec, startFrame: number | null) {
  const link = new TaskLink(spec);
  link.handlers = handlers;
  link.notice({ k: 'claim', task: spec.id, run: 'r1', agent: 'a', startFrame, mark: null });
  let n = 0;
  const send = (event: Partial<WorkerEvent> & { type: WorkerEvent['type'] }, run = 'r1') => link.entry({ k: 'ev', task: spec.id, run, n: ++n, agent: 'a', event: event as WorkerEvent });
  send({ type: 'hello', fps: 10 });
  return { link, send };
}

test('TaskLink.takeStartFrame: a file resumes after the newest stored state, with it; after a progress checkpoint only while the run sent no state', () => {
  const { link, send } = linked(file, 101);
  send({ type: 'progress', frame: 110 });
  assert.deepEqual(link.takeStartFrame(), { frame: 111, state: null, mark: null });
  assert.equal(link.takeStartFrame(), null, 'said once');
  send({ type: 'state', frame: 120, seq: 4, state: { version: 1 } });
  send({ type: 'progress', frame: 120 });
  assert.deepEqual(link.takeStartFrame(), { frame: 121, state: '{"version":1}', mark: { run: 'r1', seq: 4 } });
  // Progress past the state: the fleet keeps the state (FORWARD), and hears of the newer frame once.
  send({ type: 'progress', frame: 130 });
  assert.deepEqual(link.takeStartFrame(), { frame: 131, state: null, mark: null });
  // A state from an older worker (no seq) goes without a mark: the next claim voids by frame.
  send({ type: 'state', frame: 140, state: { version: 1, n: 2 } as never });
  assert.deepEqual(link.takeStartFrame(), { frame: 141, state: '{"version":1,"n":2}', mark: null });
  // Another run's events (an earlier one sending late) move nothing.
  send({ type: 'state', frame: 200, state: { version: 1 } }, 'r0');
  send({ type: 'progress', frame: 200 }, 'r0');
  assert.equal(link.takeStartFrame(), null);
});

test('TaskLink.takeStartFrame: nothing for a camera, nor before the run said hello', () => {
  const cam = linked({ ...file, kind: 'camera', source: 'rtsp://cam/x' }, null);
  cam.send({ type: 'state', frame: 20, state: { version: 1 } });
  cam.send({ type: 'progress', frame: 20 });
  assert.equal(cam.link.takeStartFrame(), null);
  const link = new TaskLink(file);
  link.handlers = handlers;
  link.notice({ k: 'claim', task: 'f', run: 'r1', agent: 'a', startFrame: null, mark: null });
  link.entry({ k: 'ev', task: 'f', run: 'r1', n: 1, agent: 'a', event: { type: 'progress', frame: 20 } as WorkerEvent });
  assert.equal(link.takeStartFrame(), null);
});

test('TaskLink.resumePoint: a task Redis lost is submitted again from the newest state, said before or not; none before a state', () => {
  const { link, send } = linked(file, 101);
  send({ type: 'progress', frame: 110 });
  assert.equal(link.resumePoint(), null, 'a checkpoint without a state would count differently');
  send({ type: 'state', frame: 120, seq: 4, state: { version: 1 } });
  send({ type: 'progress', frame: 130 });
  assert.ok(link.takeStartFrame());
  const newest = { frame: 121, state: '{"version":1}', mark: { run: 'r1', seq: 4 } };
  assert.deepEqual(link.resumePoint(), newest, 'written to the fleet already: still the point');
  assert.deepEqual(link.resumePoint(), newest, 'asking moves nothing');
  send({ type: 'state', frame: 200, seq: 9, state: { version: 1 } }, 'r0');
  assert.deepEqual(link.resumePoint(), newest, 'another run\'s state is not this count\'s');
});
