import type { TaskStateKind } from './types.js';
import { reject, type Transition } from './transition.js';

/**
 * The life of one task: pending → processing → completed | error, pending | processing → cancelled.
 * `reset` takes a finished task back to pending so that the user can run it again (`s` or `r`).
 */
export type TaskState =
  | { kind: 'pending' }
  | { kind: 'processing' }
  /** `note` says how it ended when that is worth showing, e.g. "stopped by user". */
  | { kind: 'completed'; note: string | null }
  | { kind: 'error'; reason: string }
  | { kind: 'cancelled'; reason: string };

export type TaskEvent =
  | { type: 'start' }
  | { type: 'complete'; note?: string }
  | { type: 'fail'; reason: string }
  | { type: 'cancel'; reason: string }
  | { type: 'reset' };

export type TaskTransition = Transition<TaskState, TaskEvent>;

export const TASK_STATES: readonly TaskStateKind[] = ['pending', 'processing', 'completed', 'error', 'cancelled'];
export const TASK_EVENTS: readonly TaskEvent['type'][] = ['start', 'complete', 'fail', 'cancel', 'reset'];

export const initialTaskState: TaskState = { kind: 'pending' };

export function isFinal(state: TaskState): boolean {
  return state.kind === 'completed' || state.kind === 'error' || state.kind === 'cancelled';
}

export function taskTransition(state: TaskState, event: TaskEvent): TaskTransition {
  switch (state.kind) {
    case 'pending':
      if (event.type === 'start') return { ok: true, state: { kind: 'processing' } };
      if (event.type === 'cancel') return { ok: true, state: { kind: 'cancelled', reason: event.reason } };
      return reject(state, event, 'task: it has not started');
    case 'processing':
      if (event.type === 'complete') return { ok: true, state: { kind: 'completed', note: event.note ?? null } };
      if (event.type === 'fail') return { ok: true, state: { kind: 'error', reason: event.reason } };
      if (event.type === 'cancel') return { ok: true, state: { kind: 'cancelled', reason: event.reason } };
      return reject(state, event, 'task: it is running');
    case 'completed':
    case 'error':
    case 'cancelled':
      if (event.type === 'reset') return { ok: true, state: { kind: 'pending' } };
      return reject(state, event, 'task: it has finished');
  }
}
