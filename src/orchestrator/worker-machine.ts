import { reject, type Transition } from './transition.js';

/**
 * One worker slot of the pool and the child in it: idle → starting (child spawned) → running (it said hello) →
 * stopping (asked to stop) → idle when the child has ended; idle → stopped when the pool shuts down. A task that waits
 * out a backoff holds no slot: the slot is idle again as soon as the child is gone.
 */
export type WorkerState =
  | { kind: 'idle' }
  | { kind: 'starting'; task: string; pid: number | null }
  | { kind: 'running'; task: string; pid: number | null }
  | { kind: 'stopping'; task: string; pid: number | null }
  | { kind: 'stopped' };

export type WorkerEvent =
  | { type: 'assign'; task: string; pid: number | null }
  | { type: 'hello' }
  | { type: 'stop' }
  | { type: 'release' }
  | { type: 'shutdown' };

export type WorkerTransition = Transition<WorkerState, WorkerEvent>;

export const WORKER_STATES: readonly WorkerState['kind'][] = ['idle', 'starting', 'running', 'stopping', 'stopped'];
export const WORKER_EVENTS: readonly WorkerEvent['type'][] = ['assign', 'hello', 'stop', 'release', 'shutdown'];

export const initialWorkerState: WorkerState = { kind: 'idle' };

export function workerTransition(state: WorkerState, event: WorkerEvent): WorkerTransition {
  switch (state.kind) {
    case 'idle':
      if (event.type === 'assign') return { ok: true, state: { kind: 'starting', task: event.task, pid: event.pid } };
      if (event.type === 'shutdown') return { ok: true, state: { kind: 'stopped' } };
      return reject(state, event, 'worker: it has no child');
    case 'starting':
    case 'running':
      if (event.type === 'hello') return { ok: true, state: { ...state, kind: 'running' } };
      if (event.type === 'stop') return { ok: true, state: { ...state, kind: 'stopping' } };
      if (event.type === 'release') return { ok: true, state: { kind: 'idle' } };
      return reject(state, event, 'worker: its child is running');
    case 'stopping':
      if (event.type === 'release') return { ok: true, state: { kind: 'idle' } };
      if (event.type === 'stop' || event.type === 'hello') return { ok: true, state };
      return reject(state, event, 'worker: its child is stopping');
    case 'stopped':
      return reject(state, event, 'worker: the pool has shut down');
  }
}
