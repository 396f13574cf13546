import type { WorkerStateKind } from './types.js';
import { reject, type Transition } from './transition.js';

/**
 * One worker slot of the pool: idle → processing → idle when its child ends, processing → error → idle when the
 * child died and the slot waits (a camera's backoff) before it is reused, idle → stopped when the pool shuts down.
 */
export type WorkerState =
  | { kind: 'idle' }
  | { kind: 'processing'; task: string; pid: number | null }
  | { kind: 'error'; task: string; reason: string }
  | { kind: 'stopped' };

export type WorkerEvent =
  | { type: 'assign'; task: string; pid: number | null }
  | { type: 'release' }
  | { type: 'crash'; reason: string }
  | { type: 'recover' }
  | { type: 'shutdown' };

export type WorkerTransition = Transition<WorkerState, WorkerEvent>;

export const WORKER_STATES: readonly WorkerStateKind[] = ['idle', 'processing', 'error', 'stopped'];
export const WORKER_EVENTS: readonly WorkerEvent['type'][] = ['assign', 'release', 'crash', 'recover', 'shutdown'];

export const initialWorkerState: WorkerState = { kind: 'idle' };

export function workerTransition(state: WorkerState, event: WorkerEvent): WorkerTransition {
  switch (state.kind) {
    case 'idle':
      if (event.type === 'assign') return { ok: true, state: { kind: 'processing', task: event.task, pid: event.pid } };
      if (event.type === 'shutdown') return { ok: true, state: { kind: 'stopped' } };
      return reject(state, event, 'worker: it has no child');
    case 'processing':
      if (event.type === 'release') return { ok: true, state: { kind: 'idle' } };
      if (event.type === 'crash') return { ok: true, state: { kind: 'error', task: state.task, reason: event.reason } };
      return reject(state, event, 'worker: its child is running');
    case 'error':
      if (event.type === 'recover') return { ok: true, state: { kind: 'idle' } };
      return reject(state, event, 'worker: it is recovering from a crash');
    case 'stopped':
      return reject(state, event, 'worker: the pool has shut down');
  }
}
