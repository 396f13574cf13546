import type { TaskKind } from './types.js';
import type { ChildExit } from './child-runner.js';
import type { TaskEvent } from './task-machine.js';

/** What the current child's exit means, decided by a user command or by the shutdown before it exits. */
export type ExitIntent = 'stop' | 'cancel' | 'restart' | 'shutdown';

/** Why a child that nobody asked to stop ended badly, or null when it finished its work. */
export function failureReason(exit: ChildExit, kind: TaskKind): string | null {
  if (exit.spawnError) return `could not start the worker: ${exit.spawnError.message}`;
  if (exit.stall) {
    const seconds = Math.round(exit.stall.ms / 1000);
    return exit.stall.beforeHello ? `the worker did not start within ${seconds} s` : `no event from the worker for ${seconds} s`;
  }
  if (exit.lastError?.fatal) return `${exit.lastError.code}: ${exit.lastError.message}`;
  const tail = exit.tail.length > 0 ? `: ${exit.tail[exit.tail.length - 1]}` : '';
  if (exit.signal) return `worker killed by ${exit.signal}${tail}`;
  if (exit.code !== 0) return `worker exited with code ${exit.code}${tail}`;
  if (!exit.sawDone) return 'worker exited without reporting done';
  // A live source has no end: a camera worker that finishes on its own has lost its stream.
  if (kind === 'camera') return 'worker ended although the camera is live';
  return null;
}

/** The `code` of the error event the pool reports for a failure the worker did not explain itself. */
export function failureCode(exit: ChildExit): string {
  if (exit.spawnError) return 'SPAWN_FAILED';
  if (exit.stall) return 'WORKER_STALLED';
  if (exit.lastError?.fatal) return exit.lastError.code;
  return 'WORKER_EXIT';
}

/** How a run that did not fail settles the task: by itself, or because of a stop, a cancel or the end of the run. */
export function settleEvent(intent: Exclude<ExitIntent, 'restart'> | null, kind: TaskKind, exit: ChildExit | null): TaskEvent {
  const killed = exit?.killedAfterStop ? ' (killed after the stop time-out)' : '';
  if (intent === null) return { type: 'complete' };
  if (intent === 'stop') return { type: 'complete', note: `stopped by user${killed}` };
  if (intent === 'cancel') return { type: 'cancel', reason: `cancelled by user${killed}` };
  // The run is ending: a camera has no natural end, so stopping it is its normal completion; a file cut short is not.
  if (kind === 'camera') return { type: 'complete', note: `stopped when the run ended${killed}` };
  return { type: 'cancel', reason: `interrupted: the run was stopped before the end of the file${killed}` };
}
