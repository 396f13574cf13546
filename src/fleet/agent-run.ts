import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import type { WorkerEvent } from '../protocol/events.js';
import { ChildRunner, type ChildExit } from '../orchestrator/child-runner.js';
import { DEFAULT_STALL_TIMEOUT_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS } from '../orchestrator/pool-options.js';
import { spawnWorkerProcess, workerArgs, workerEnv, type WorkerCommand } from '../orchestrator/spawn-worker.js';
import { systemTimers } from '../orchestrator/timers.js';
import type { TaskKind } from '../orchestrator/types.js';
import { textCleaner } from '../worker/text.js';
import type { RunIntent, Settlement } from './run-settle.js';

export interface RunLaunch {
  command: WorkerCommand;
  threads: number;
  logLevel: WorkerLogLevel;
  onEvent(run: AgentRun, event: WorkerEvent): void;
  onNoise(run: AgentRun, line: string): void;
  onExit(run: AgentRun, exit: ChildExit): void;
}

/**
 * One run of a task on this agent: the worker child (the local pool's own ChildRunner, so the same stall watchdog
 * and stop-then-SIGKILL policy), the run's event sequence, and its lease bookkeeping until Redis has settled it.
 */
export class AgentRun {
  /** The last sequence number handed out (events and the final `end`). */
  n = 0;
  intent: RunIntent | null = null;
  runner: ChildRunner | null = null;
  settlement: Settlement | null = null;
  /** Latest progress event, sent with the heartbeat (progress is state, not history: only the newest matters). */
  progress: string | null = null;
  progressSent = true;
  /** Until when (this host's clock) the lease is known to hold: the last renewal sent plus the lease time. */
  leaseUntil: number;
  /** The first sequence number written after leaseUntil had passed, if any (see Outbox.supersede). */
  firstLate: number | null = null;
  readonly startedAt = Date.now();

  constructor(
    readonly task: string,
    readonly run: string,
    readonly kind: TaskKind,
    readonly gen: string,
    readonly attempt: number,
    leaseMs: number,
  ) {
    this.leaseUntil = this.startedAt + leaseMs;
  }

  /** Starts the worker child for a checked spec; `startFrame`: a re-queued file resumes from the controller's checkpoint. */
  launch(spec: TaskSpec, how: RunLaunch, startFrame: number | null): void {
    const own = spec.options.stall_timeout;
    const stall = own === undefined ? DEFAULT_STALL_TIMEOUT_MS : Math.max(DEFAULT_STALL_TIMEOUT_MS, own * 3000);
    const runner: ChildRunner = new ChildRunner({
      command: how.command,
      args: workerArgs(spec, { threads: how.threads, logLevel: how.logLevel, startFrame }),
      env: workerEnv(spec),
      spawn: spawnWorkerProcess,
      clean: textCleaner(spec.source),
      timers: systemTimers,
      stallTimeoutMs: stall,
      startupTimeoutMs: Math.max(DEFAULT_STARTUP_TIMEOUT_MS, stall),
      stopTimeoutMs: DEFAULT_STOP_TIMEOUT_MS,
      onEvent: (ev) => how.onEvent(this, ev),
      onNoise: (line) => how.onNoise(this, line),
      onExit: (exit) => {
        this.runner = null;
        how.onExit(this, exit);
      },
    });
    this.runner = runner;
  }

  /** The next sequence number; notes when the lease may already have lapsed by then. */
  next(): number {
    this.n += 1;
    if (this.firstLate === null && Date.now() > this.leaseUntil) this.firstLate = this.n;
    return this.n;
  }

  /** A renewal sent at `sentAt` succeeded: the lease holds until sentAt + leaseMs, and nothing so far was late. */
  renewed(sentAt: number, leaseMs: number): void {
    this.leaseUntil = sentAt + leaseMs;
    this.firstLate = null;
  }

  get running(): boolean {
    return this.runner !== null;
  }

  /** Ends the run for `intent`; a lost lease kills at once (another agent is starting the task), the rest stop in order. */
  end(intent: RunIntent): void {
    if (this.intent === null || intent === 'lost') this.intent = intent;
    if (!this.runner) return;
    if (intent === 'lost') this.runner.kill();
    else this.runner.requestStop();
  }
}
