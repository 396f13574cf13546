import { backoffDelay } from '../common/backoff.js';
import { DEFAULT_BACKOFF, DEFAULT_OFFLINE_BACKOFF } from '../orchestrator/pool-options.js';
import type { ExitOutcome } from '../orchestrator/task-machine.js';
import type { TaskKind } from '../orchestrator/types.js';
import type { RunOutcome } from './entries.js';

/** Why an agent ended a run before the worker ended it: a user command, the agent's shutdown, or a lost lease. */
export type RunIntent = 'stop' | 'cancel' | 'restart' | 'handback' | 'lost';

/** How the release script settles the task in Redis (see RELEASE in scripts.ts); null: the task is no longer ours. */
export type Disposition = 'completed' | 'failed' | 'stopped' | 'cancelled' | 'requeue' | 'retry';

/**
 * Why a run's lease went: `holder`, the agent whose run holds the task now (null: it waits in the queue); `lapsed`,
 * whether the lease had run out by the agent's clock (no renewal reached Redis in time) or Redis lost it while it held
 * (restarted or failed over without its last writes: the claim went with it, and the fleet queued the task again).
 */
export interface LeaseLoss {
  holder: string | null;
  lapsed: boolean;
}

/** What happened to the run of `agent` that lost its lease, in the fleet's terms (the agent's log and the run's end). */
export function leaseLossNote(agent: string, loss: LeaseLoss): string {
  const why = loss.lapsed
    ? `agent ${agent} lost its lease (no heartbeat reached Redis in time)`
    : `Redis lost agent ${agent}'s claim of the task (it restarted or failed over without its last writes) and queued the task again`;
  if (loss.holder) return `${why}; agent ${loss.holder} runs it now`;
  return loss.lapsed ? `${why}; the fleet queued the task again` : why;
}

export interface Settlement {
  outcome: RunOutcome;
  disposition: Disposition | null;
  note: string;
  delayMs: number;
  /** Consecutive failures of the task after this run (a camera's backoff grows with it). */
  attempt: number;
}

/** A camera that ran this long before failing starts its backoff over: it was working, not failing in a loop. */
export const HEALTHY_RUN_MS = 60_000;

/**
 * What the end of a run means for the fleet. Pure: how the worker ended (as the local transport reports it to the
 * local pool), why the agent ended it (`loss`: how its lease went, for 'lost'), and how many times the task failed in
 * a row before.
 */
export function settleRun(
  outcome: ExitOutcome,
  intent: RunIntent | null,
  kind: TaskKind,
  previousAttempts: number,
  ranMs: number,
  agent: string,
  random: () => number = Math.random,
  loss: LeaseLoss = { holder: null, lapsed: true },
): Settlement {
  // An agent's own worker always ends here: nothing is left running elsewhere.
  const killed = outcome.kind !== 'left' && outcome.killedAfterStop;
  const suffix = killed ? ' (killed after the stop time-out)' : '';
  switch (intent) {
    case 'stop':
      return { outcome: { kind: 'stopped', killed }, disposition: 'stopped', note: `stopped by user${suffix}`, delayMs: 0, attempt: 0 };
    case 'cancel':
      return { outcome: { kind: 'cancelled', killed }, disposition: 'cancelled', note: `cancelled by user${suffix}`, delayMs: 0, attempt: 0 };
    case 'restart':
      return { outcome: { kind: 'restarted' }, disposition: 'requeue', note: 'restarted', delayMs: 0, attempt: 0 };
    case 'handback': {
      const reason = `handed back by agent ${agent}, which is shutting down`;
      return { outcome: { kind: 'handed-back', reason }, disposition: 'requeue', note: reason, delayMs: 0, attempt: previousAttempts };
    }
    case 'lost': {
      const reason = leaseLossNote(agent, loss);
      return { outcome: { kind: 'lost', reason }, disposition: null, note: reason, delayMs: 0, attempt: previousAttempts };
    }
  }
  if (outcome.kind === 'done' && kind === 'video') {
    return { outcome: { kind: 'completed' }, disposition: 'completed', note: '', delayMs: 0, attempt: 0 };
  }
  // A live source has no end: a camera worker that finishes on its own has lost its stream (as in the task machine).
  const failure = outcome.kind === 'failed' ? outcome : { error: 'crash' as const, code: 'WORKER_EXIT', reason: 'worker ended although the camera is live' };
  const on = `${failure.reason} (on agent ${agent})`;
  if (kind !== 'camera' || failure.error === 'setup') {
    return { outcome: { kind: 'failed', code: failure.code, reason: on, retryInMs: null }, disposition: 'failed', note: on, delayMs: 0, attempt: previousAttempts + 1 };
  }
  // Cameras are retried for ever (the controller may be away), by whichever agent has a slot when the backoff is over.
  const attempt = ranMs >= HEALTHY_RUN_MS ? 1 : previousAttempts + 1;
  const delayMs = backoffDelay(attempt, failure.error === 'source' ? DEFAULT_OFFLINE_BACKOFF : DEFAULT_BACKOFF, random);
  const note = `${failure.error === 'source' ? 'offline: ' : ''}${on}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`;
  return { outcome: { kind: 'failed', code: failure.code, reason: on, retryInMs: delayMs }, disposition: 'retry', note, delayMs, attempt };
}
