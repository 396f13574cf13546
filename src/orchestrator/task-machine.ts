import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import type { TaskKind } from './types.js';
import { reject, type Transition } from './transition.js';

/**
 * The whole life of one task, as data: queued, starting its child, running, stopping it, waiting out a backoff, and
 * the three ends. The pool applies the returned effects (spawn, signal, timers, slots, logs); nothing about the
 * task's life is inferred from a timer or a child handle.
 *
 *   pending ─launch→ starting ─hello→ running
 *   starting|running ─request→ stopping ─exit→ completed | cancelled | pending (restart)
 *   starting|running ─exit→ completed (a file read to its end) | error | backoff (a camera)
 *   backoff ─retry→ pending (queued first: it needs a worker slot again, and holds none while it waits)
 *   starting ─queued→ waiting ─claimed→ starting (a transport with its own queue: a fleet task waits for an agent)
 *   starting|running|waiting ─moved→ waiting (a transport that runs the task again by itself: a fleet's takeover)
 *   completed|error|cancelled|left ─start→ pending (runs again from zero)
 *   stopping ─exit (left)→ left (the run ended, a fleet's agent goes on with the task: left running on purpose)
 *
 * A camera whose source cannot be reached (an `error` code of kind `source`) is `backoff: offline` and is retried
 * for as long as the run lasts; one whose worker crashes is `backoff: crashed`, at most `restartLimit.count` times in
 * `restartLimit.windowMs`, then error. A video fails on either. Errors of kind `setup` (bad arguments, no model, no
 * ffmpeg) fail any task at once: no retry can help.
 */

export type StopIntent = 'stop' | 'cancel' | 'restart' | 'shutdown';
export type BackoffReason = 'offline' | 'crashed';

/** Retries since the task last started from zero. */
export interface RetryHistory {
  /** Children started after the first one. */
  restarts: number;
  /** When the worker crashed, within the restart window (oldest first). */
  crashes: number[];
  /** Consecutive starts that found the source unreachable; back to 0 once a child says hello. */
  offline: number;
}

type Phase =
  | { kind: 'pending' }
  /** A child was started in a worker slot and has not said hello yet. */
  | { kind: 'starting' }
  /**
   * The task holds its slot, but the transport keeps it in its own queue until a runner takes it (a fleet task until
   * an agent with a free slot claims it): no worker yet.
   */
  | { kind: 'waiting' }
  | { kind: 'running' }
  | { kind: 'stopping'; intent: StopIntent }
  /** Waiting until `retryAt` (ms) without a child or a slot; `why` is the last failure. */
  | { kind: 'backoff'; reason: BackoffReason; why: string; retryAt: number }
  /** `note` says how it ended when that is worth showing, e.g. "stopped by user". */
  | { kind: 'completed'; note: string | null }
  | { kind: 'error'; reason: string }
  | { kind: 'cancelled'; reason: string }
  /** The run ended and left the task running elsewhere on purpose (a fleet's agent): `note` says where. */
  | { kind: 'left'; note: string };

export type TaskState = Phase & { history: RetryHistory };
export type TaskStateName = Phase['kind'];

/** How a child ended, as the task machine needs to know it (see exit-policy.ts). */
export type ExitOutcome =
  /** It reported done: `reachedEnd` when the source ran out (a file read to its end), else it was stopped. */
  | { kind: 'done'; reachedEnd: boolean; killedAfterStop: boolean }
  /**
   * It failed; `error` is the kind of its error code (`crash` when it could not say); `reported` when the child sent
   * the fatal `error` event itself, so the pool need not send one.
   */
  | { kind: 'failed'; error: 'source' | 'setup' | 'crash'; code: string; reason: string; reported: boolean; killedAfterStop: boolean }
  /**
   * The runner let go of a task that goes on without this run: a fleet's task left running on its agent (or in the
   * fleet's queue) when the run ended; the next controller takes it up. `note` says where it goes on.
   */
  | { kind: 'left'; note: string };

export type TaskEvent =
  /** The scheduler gave the task a worker slot. */
  | { type: 'launch' }
  | { type: 'hello' }
  /** Its child ended; `jitter` in [0, 1) spreads the retry delays. */
  | { type: 'exit'; outcome: ExitOutcome; now: number; jitter: number }
  /** The backoff time is up. */
  | { type: 'retry' }
  /**
   * The worker is gone and the transport runs the task again by itself (a fleet moves it to another agent, or retries
   * it there): the task keeps its slot and waits for a runner to take it again; its counts go on.
   */
  | { type: 'moved'; why: string }
  /** The transport queued the task: no worker runs it until a runner takes it. */
  | { type: 'queued' }
  /** A runner took the queued task: its worker starts. */
  | { type: 'claimed' }
  /** The user's `s`: a queued task jumps the queue, a finished one runs again from zero. */
  | { type: 'start' }
  /** `x`, `c` and `r`, and the end of the run. */
  | { type: StopIntent };

export type TaskEffect =
  /** Start a child for the task in the slot the scheduler gave it. */
  | { type: 'spawn' }
  /** Ask the task's child to stop (it is SIGKILLed if it does not). */
  | { type: 'stop-child' }
  /** The child is gone: give its worker slot back. */
  | { type: 'free-slot' }
  | { type: 'queue'; first: boolean }
  | { type: 'unqueue' }
  | { type: 'schedule-retry'; delayMs: number }
  | { type: 'cancel-retry' }
  /** The next child continues the counts of the earlier ones. */
  | { type: 'carry-over' }
  /** The task runs again from zero. */
  | { type: 'clear-results' }
  /** An `error` event for a failure the child did not report itself (`fatal` when the task will not run again by itself). */
  | { type: 'error-event'; code: string; message: string; fatal: boolean }
  /** A line for the task's log; `event` also sends it as a `log` event. */
  | { type: 'report'; level: 'info' | 'warn' | 'error'; message: string; event: boolean };

export type TaskTransition = Transition<TaskState, TaskEvent> & { effects?: TaskEffect[] };

export interface TaskContext {
  kind: TaskKind;
  /** Delays between attempts to reach an offline camera. */
  offlineBackoff: BackoffPolicy;
  /** Delays before restarting a crashed camera worker. */
  crashBackoff: BackoffPolicy;
  restartLimit: { count: number; windowMs: number };
}

export const TASK_STATES: readonly TaskStateName[] = ['pending', 'starting', 'waiting', 'running', 'stopping', 'backoff', 'completed', 'error', 'cancelled', 'left'];
export const TASK_EVENTS: readonly TaskEvent['type'][] = ['launch', 'hello', 'exit', 'retry', 'moved', 'queued', 'claimed', 'start', 'stop', 'cancel', 'restart', 'shutdown'];

const freshHistory = (): RetryHistory => ({ restarts: 0, crashes: [], offline: 0 });

export const initialTaskState: TaskState = { kind: 'pending', history: freshHistory() };

export function isFinal(state: { kind: string }): boolean {
  return state.kind === 'completed' || state.kind === 'error' || state.kind === 'cancelled' || state.kind === 'left';
}

/** Starting, running or stopping: the task has a child. */
export function hasChild(state: { kind: string }): boolean {
  return state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping';
}

const ok = (state: TaskState, effects: TaskEffect[] = []): TaskTransition => ({ ok: true, state, effects });

function isStopIntent(type: TaskEvent['type']): type is StopIntent {
  return type === 'stop' || type === 'cancel' || type === 'restart' || type === 'shutdown';
}

export function taskTransition(state: TaskState, event: TaskEvent, ctx: TaskContext): TaskTransition {
  const { history } = state;
  switch (state.kind) {
    case 'pending':
      if (event.type === 'launch') return ok({ kind: 'starting', history }, [{ type: 'spawn' }]);
      if (event.type === 'start' || event.type === 'restart') return ok(state, [{ type: 'queue', first: true }]);
      // A camera queued to run again (a retry or a restart waiting for a slot) ends as it would in its backoff.
      if ((event.type === 'cancel' || event.type === 'shutdown') && ctx.kind === 'camera' && history.restarts > 0) {
        return settle(event.type, ctx.kind, history, false, [{ type: 'unqueue' }], stillOffline(history));
      }
      if (event.type === 'cancel') return ok({ kind: 'cancelled', reason: 'cancelled before it started', history }, [{ type: 'unqueue' }]);
      if (event.type === 'shutdown') return ok({ kind: 'cancelled', reason: 'not started: the run was stopped', history }, [{ type: 'unqueue' }]);
      return reject(state, event, 'task: it has not started');
    case 'starting':
    case 'waiting':
    case 'running':
      // A fleet run found counting by a controller that attached, or a claim that came after the run's hello.
      if (event.type === 'hello' && state.kind !== 'running') return ok({ kind: 'running', history: { ...history, offline: 0 } });
      if (event.type === 'queued' && state.kind !== 'running') return ok({ kind: 'waiting', history });
      if (event.type === 'claimed') return ok(state.kind === 'waiting' ? { kind: 'starting', history } : state);
      if (isStopIntent(event.type)) return ok({ kind: 'stopping', intent: event.type, history }, [{ type: 'stop-child' }]);
      if (event.type === 'exit') return afterExit(state, event, ctx);
      if (event.type === 'moved') {
        return ok({ kind: 'waiting', history: { ...history, restarts: history.restarts + 1 } }, [
          { type: 'carry-over' },
          { type: 'report', level: 'warn', message: event.why, event: true },
        ]);
      }
      return reject(state, event, 'task: it is running');
    case 'stopping':
      // A later request decides what the exit means (a cancel after a stop cancels; the end of the run wins), and the
      // runner hears of it (a fleet passes a cancel on to the agent).
      if (isStopIntent(event.type)) {
        const intent = state.intent === 'shutdown' ? 'shutdown' : event.type;
        return ok({ ...state, intent }, intent === state.intent ? [] : [{ type: 'stop-child' }]);
      }
      // The transport moved the worker while it was being stopped: the stop goes on where it runs now.
      if (event.type === 'moved' || event.type === 'queued' || event.type === 'claimed') return ok(state);
      if (event.type === 'exit') {
        // A file that was read to its end before the stop reached it is complete, whatever the stop was for.
        const { outcome } = event;
        if (outcome.kind === 'left') return ok({ kind: 'left', note: outcome.note, history }, [{ type: 'free-slot' }]);
        if (outcome.kind === 'done' && outcome.reachedEnd && ctx.kind === 'video' && state.intent !== 'restart') {
          return ok({ kind: 'completed', note: null, history }, [{ type: 'free-slot' }]);
        }
        return settle(state.intent, ctx.kind, history, outcome.killedAfterStop, [{ type: 'free-slot' }], stillOffline(history));
      }
      if (event.type === 'hello') return ok(state);
      return reject(state, event, 'task: it is stopping');
    case 'backoff':
      if (event.type === 'retry') return ok({ kind: 'pending', history }, [{ type: 'queue', first: true }]);
      if (isStopIntent(event.type)) {
        const stillOffline = state.reason === 'offline' ? ` while offline (${state.why})` : '';
        return settle(event.type, ctx.kind, history, false, [{ type: 'cancel-retry' }], stillOffline);
      }
      return reject(state, event, 'task: it waits to be retried');
    case 'completed':
    case 'error':
    case 'cancelled':
    case 'left':
      if (event.type === 'start' || event.type === 'restart') {
        return ok({ kind: 'pending', history: freshHistory() }, [{ type: 'clear-results' }, { type: 'queue', first: true }]);
      }
      return reject(state, event, 'task: it has finished');
  }
}

/** A camera stopped before any child since it went offline said hello (a retry that had not reached its source yet). */
const stillOffline = (history: RetryHistory): string => (history.offline > 0 ? ' while offline' : '');

/** How a stop, cancel, restart or the end of the run ends the task once its child is gone (or had none). */
function settle(intent: StopIntent, kind: TaskKind, history: RetryHistory, killed: boolean, effects: TaskEffect[], detail = ''): TaskTransition {
  const how = `${killed ? ' (killed after the stop time-out)' : ''}${detail}`;
  switch (intent) {
    case 'stop':
      return ok({ kind: 'completed', note: `stopped by user${how}`, history }, effects);
    case 'cancel':
      return ok({ kind: 'cancelled', reason: `cancelled by user${how}`, history }, effects);
    case 'restart':
      return ok({ kind: 'pending', history: freshHistory() }, [...effects, { type: 'clear-results' }, { type: 'queue', first: true }]);
    case 'shutdown':
      // A camera has no natural end, so stopping it is its normal completion; a file cut short is not.
      if (kind === 'camera') return ok({ kind: 'completed', note: `stopped when the run ended${how}`, history }, effects);
      return ok({ kind: 'cancelled', reason: `interrupted: the run was stopped before the end of the file${how}`, history }, effects);
  }
}

/** A child that nobody asked to stop has ended. */
function afterExit(state: TaskState, event: Extract<TaskEvent, { type: 'exit' }>, ctx: TaskContext): TaskTransition {
  const { history } = state;
  const { outcome, now } = event;
  const free: TaskEffect = { type: 'free-slot' };
  // Only a run's end lets a task go on elsewhere; a runner that does so unasked still does not fail it.
  if (outcome.kind === 'left') return ok({ kind: 'left', note: outcome.note, history }, [free]);
  if (outcome.kind === 'done') {
    if (ctx.kind === 'video') return ok({ kind: 'completed', note: null, history }, [free]);
    // A live source has no end: a camera worker that finishes on its own has lost its stream.
    const reason = 'worker ended although the camera is live';
    return afterExit(state, { ...event, outcome: { kind: 'failed', error: 'crash', code: 'WORKER_EXIT', reason, reported: false, killedAfterStop: false } }, ctx);
  }
  const explain = (fatal: boolean): TaskEffect[] => (outcome.reported ? [] : [{ type: 'error-event', code: outcome.code, message: outcome.reason, fatal }]);
  const fail = (reason: string): TaskTransition =>
    ok({ kind: 'error', reason, history }, [free, ...explain(true), { type: 'report', level: 'error', message: reason, event: false }]);
  if (ctx.kind === 'video' || outcome.error === 'setup') return fail(outcome.reason);

  if (outcome.error === 'source') {
    const offline = history.offline + 1;
    const delay = backoffDelay(offline, ctx.offlineBackoff, () => event.jitter);
    const next: RetryHistory = { ...history, restarts: history.restarts + 1, offline };
    return ok({ kind: 'backoff', reason: 'offline', why: outcome.reason, retryAt: now + delay, history: next }, [
      free,
      { type: 'carry-over' },
      { type: 'schedule-retry', delayMs: delay },
      ...explain(false),
      { type: 'report', level: 'warn', message: `offline: ${outcome.reason}; attempt ${offline + 1} in ${seconds(delay)}`, event: true },
    ]);
  }

  const { count, windowMs } = ctx.restartLimit;
  const crashes = history.crashes.filter((t) => now - t < windowMs);
  if (crashes.length >= count) {
    // No key named here: the reason also ends a headless run's summary, where there is no `r` (the dashboard's help has it).
    return fail(`${outcome.reason}; gave up after ${count} restarts in ${windowMs / 1000} s`);
  }
  const next: RetryHistory = { ...history, restarts: history.restarts + 1, crashes: [...crashes, now] };
  const delay = backoffDelay(next.crashes.length, ctx.crashBackoff, () => event.jitter);
  return ok({ kind: 'backoff', reason: 'crashed', why: outcome.reason, retryAt: now + delay, history: next }, [
    free,
    { type: 'carry-over' },
    { type: 'schedule-retry', delayMs: delay },
    ...explain(false),
    { type: 'report', level: 'warn', message: `${outcome.reason}; restart ${next.restarts} in ${seconds(delay)}`, event: true },
  ]);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
