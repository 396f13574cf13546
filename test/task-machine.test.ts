import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFinal, TASK_EVENTS, TASK_STATES, taskTransition, type TaskEvent, type TaskState } from '../src/orchestrator/task-machine.js';

const states: Record<TaskState['kind'], TaskState> = {
  pending: { kind: 'pending' },
  processing: { kind: 'processing' },
  completed: { kind: 'completed', note: null },
  error: { kind: 'error', reason: 'worker exited with code 3' },
  cancelled: { kind: 'cancelled', reason: 'cancelled by user' },
};

const events: Record<TaskEvent['type'], TaskEvent> = {
  start: { type: 'start' },
  complete: { type: 'complete', note: 'stopped by user' },
  fail: { type: 'fail', reason: 'source not found' },
  cancel: { type: 'cancel', reason: 'cancelled by user' },
  reset: { type: 'reset' },
};

/** The whole transition table: state → event → next state kind (absent = rejected). */
const allowed: Record<TaskState['kind'], Partial<Record<TaskEvent['type'], TaskState['kind']>>> = {
  pending: { start: 'processing', cancel: 'cancelled' },
  processing: { complete: 'completed', fail: 'error', cancel: 'cancelled' },
  completed: { reset: 'pending' },
  error: { reset: 'pending' },
  cancelled: { reset: 'pending' },
};

describe('task machine', () => {
  it('covers every state and event kind', () => {
    assert.deepEqual(Object.keys(states).sort(), [...TASK_STATES].sort());
    assert.deepEqual(Object.keys(events).sort(), [...TASK_EVENTS].sort());
  });

  for (const from of TASK_STATES) {
    for (const type of TASK_EVENTS) {
      const to = allowed[from][type];
      it(`${from} + ${type} → ${to ?? 'rejected'}`, () => {
        const result = taskTransition(states[from], events[type]);
        if (to === undefined) {
          assert.equal(result.ok, false);
          if (!result.ok) {
            assert.equal(result.rejection.from, from);
            assert.equal(result.rejection.event, type);
            assert.match(result.rejection.message, new RegExp(`cannot ${type} an? ${from} task`));
          }
        } else {
          assert.equal(result.ok, true);
          if (result.ok) assert.equal(result.state.kind, to);
        }
      });
    }
  }

  it('carries the reason of an error and a cancellation, and the note of a completion', () => {
    const failed = taskTransition(states.processing, { type: 'fail', reason: 'ffmpeg: no such file' });
    assert.deepEqual(failed, { ok: true, state: { kind: 'error', reason: 'ffmpeg: no such file' } });
    const cancelled = taskTransition(states.pending, { type: 'cancel', reason: 'cancelled before start' });
    assert.deepEqual(cancelled, { ok: true, state: { kind: 'cancelled', reason: 'cancelled before start' } });
    assert.deepEqual(taskTransition(states.processing, { type: 'complete' }), { ok: true, state: { kind: 'completed', note: null } });
    assert.deepEqual(taskTransition(states.processing, { type: 'complete', note: 'stopped by user' }), {
      ok: true,
      state: { kind: 'completed', note: 'stopped by user' },
    });
  });

  it('calls exactly completed, error and cancelled final', () => {
    assert.deepEqual(
      TASK_STATES.filter((k) => isFinal(states[k])),
      ['completed', 'error', 'cancelled'],
    );
  });
});
