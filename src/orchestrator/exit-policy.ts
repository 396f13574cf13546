import { errorKind } from '../protocol/error-codes.js';
import type { ChildExit } from './child-runner.js';
import type { ExitOutcome } from './task-machine.js';

/** What a child's exit means for its task: done, or why it failed and what kind of failure that is. */
export function exitOutcome(exit: ChildExit): ExitOutcome {
  const killedAfterStop = exit.killedAfterStop;
  const crash = (code: string, reason: string): ExitOutcome => ({ kind: 'failed', error: 'crash', code, reason, reported: false, killedAfterStop });
  if (exit.spawnError) return crash('SPAWN_FAILED', `could not start the worker: ${exit.spawnError.message}`);
  if (exit.stall) {
    const seconds = Math.round(exit.stall.ms / 1000);
    return crash('WORKER_STALLED', exit.stall.beforeHello ? `the worker did not start within ${seconds} s` : `no event from the worker for ${seconds} s`);
  }
  const e = exit.lastError;
  if (e?.fatal) return { kind: 'failed', error: errorKind(e.code), code: e.code, reason: `${e.code}: ${e.message}`, reported: true, killedAfterStop };
  const tail = exit.tail.length > 0 ? `: ${exit.tail[exit.tail.length - 1]}` : '';
  if (exit.signal) return crash('WORKER_EXIT', `worker killed by ${exit.signal}${tail}`);
  if (exit.code !== 0) return crash('WORKER_EXIT', `worker exited with code ${exit.code}${tail}`);
  if (!exit.sawDone) return crash('WORKER_EXIT', 'worker exited without reporting done');
  return { kind: 'done', reachedEnd: exit.reachedEnd, killedAfterStop };
}
