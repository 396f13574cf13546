import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORKER_EVENTS, WORKER_STATES, workerTransition, type WorkerEvent, type WorkerState } from '../../src/orchestrator/worker-machine.js';

const states: Record<WorkerState['kind'], WorkerState> = {
  idle: { kind: 'idle' },
  starting: { kind: 'starting', task: 'lobby', pid: 4242 },
  running: { kind: 'running', task: 'lobby', pid: 4242 },
  stopping: { kind: 'stopping', task: 'lobby', pid: 4242 },
  stopped: { kind: 'stopped' },
};

const events: Record<WorkerEvent['type'], WorkerEvent> = {
  assign: { type: 'assign', task: 'entrance', pid: 77 },
  hello: { type: 'hello' },
  stop: { type: 'stop' },
  release: { type: 'release' },
  shutdown: { type: 'shutdown' },
};

const child = (kind: 'starting' | 'running' | 'stopping'): WorkerState => ({ kind, task: 'lobby', pid: 4242 });

const allowed: Record<WorkerState['kind'], Partial<Record<WorkerEvent['type'], WorkerState>>> = {
  idle: { assign: { kind: 'starting', task: 'entrance', pid: 77 }, shutdown: { kind: 'stopped' } },
  starting: { hello: child('running'), stop: child('stopping'), release: { kind: 'idle' } },
  running: { hello: child('running'), stop: child('stopping'), release: { kind: 'idle' } },
  stopping: { hello: child('stopping'), stop: child('stopping'), release: { kind: 'idle' } },
  stopped: {},
};

describe('worker machine', () => {
  it('covers every state and event kind', () => {
    assert.deepEqual(Object.keys(states).sort(), [...WORKER_STATES].sort());
    assert.deepEqual(Object.keys(events).sort(), [...WORKER_EVENTS].sort());
  });

  for (const from of WORKER_STATES) {
    for (const type of WORKER_EVENTS) {
      const to = allowed[from][type];
      it(`${from} + ${type} → ${to?.kind ?? 'rejected'}`, () => {
        const result = workerTransition(states[from], events[type]);
        if (to === undefined) {
          assert.equal(result.ok, false);
          if (!result.ok) {
            assert.deepEqual([result.rejection.from, result.rejection.event], [from, type]);
            assert.match(result.rejection.message, new RegExp(`cannot ${type} an? ${from} worker`));
          }
        } else {
          assert.deepEqual(result, { ok: true, state: to });
        }
      });
    }
  }

  it('walks the documented cycles', () => {
    const run = (s: WorkerState, ...evs: WorkerEvent[]) =>
      evs.reduce((acc, e) => {
        const r = workerTransition(acc, e);
        assert.ok(r.ok, `${acc.kind} + ${e.type}`);
        return r.state;
      }, s);
    assert.deepEqual(run(states.idle, events.assign, events.hello, events.release), { kind: 'idle' });
    assert.deepEqual(run(states.idle, events.assign, events.hello, events.stop, events.release, events.assign), { kind: 'starting', task: 'entrance', pid: 77 });
    assert.deepEqual(run(states.idle, events.shutdown), { kind: 'stopped' });
  });
});
