import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import type { StateEvent, WorkerEvent } from '../protocol/events.js';
import type { LocalTransport } from '../orchestrator/local-transport.js';
import { DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, stallTimeoutFor } from '../orchestrator/pool-options.js';
import type { RunnerEnd, TaskRunner } from '../orchestrator/runner.js';
import type { TaskKind } from '../orchestrator/types.js';
import { textCleaner } from '../worker/text.js';
import { monotonic, type Clock } from './clock.js';
import type { ClaimEntry, StateEntry } from './entries.js';
import type { LeaseLoss, RunIntent, Settlement } from './run-settle.js';
import { handBackPoint, RunStates } from './run-states.js';
import { STATE_FORWARD_MS } from './timing.js';

export interface RunLaunch {
  transport: LocalTransport;
  threads: number;
  logLevel: WorkerLogLevel;
  onEvent(run: AgentRun, event: WorkerEvent): void;
  onNoise(run: AgentRun, line: string): void;
  onExit(run: AgentRun, end: RunnerEnd): void;
}

/**
 * One run of a task on this agent: its worker child, run by the local transport (the local pool's own ChildRunner,
 * with the same stall watchdog and stop-then-SIGKILL policy), the run's event sequence, and its lease bookkeeping
 * until Redis has settled it.
 */
export class AgentRun {
  /** The last sequence number handed out (events and the final `end`). */
  n = 0;
  intent: RunIntent | null = null;
  runner: TaskRunner | null = null;
  settlement: Settlement | null = null;
  /** Until when (the run's clock) the lease is known to hold: the last renewal sent plus the lease time. */
  leaseUntil: number;
  /** The first sequence number written after leaseUntil had passed, if any (see Outbox.supersede). */
  firstLate: number | null = null;
  private readonly startedAt: number;
  /** A file's last frame its worker reported progress of (all its crossings up to it are in the run's events), else 0. */
  lastFrame = 0;
  /** Redis lost the task while this run held it: the run holds its lease alone until the task is submitted again. */
  regained = false;
  /** Why the heartbeat cannot renew the lease (a task key of another type), while it cannot. */
  broken: string | null = null;
  /**
   * The claim script's notice of this run, kept to be sent again when Redis lost the task: the notice may have gone
   * with it unread, and without it the controller would not void what an earlier run counted after this run's start.
   */
  claim: ClaimEntry | null = null;
  /** How the run lost its lease, once it has (intent 'lost'). */
  loss: LeaseLoss | null = null;
  /** A file's counting states from its worker: the newest, and when one last went to the controller. */
  readonly states = new RunStates(STATE_FORWARD_MS);

  constructor(
    readonly task: string,
    readonly run: string,
    readonly kind: TaskKind,
    /** The task's generation when the run began (a new one is a restart); a task Redis lost starts again from its new hash's. */
    public gen: string,
    readonly attempt: number,
    leaseMs: number,
    private readonly clock: Clock = monotonic,
  ) {
    this.startedAt = clock();
    this.leaseUntil = this.startedAt + leaseMs;
  }

  /** How long the run has been going (ms). */
  ranMs(): number {
    return this.clock() - this.startedAt;
  }

  /**
   * Starts the worker child for a checked spec; `startFrame`: a re-queued file resumes from the fleet's checkpoint,
   * continuing from `startState` (the counting state before it, JSON) when it has one, as a local resume does. A file's
   * worker writes its counting state with each progress report (`--emit-state`), for the next resume.
   */
  launch(spec: TaskSpec, how: RunLaunch, startFrame: number | null, startState: string | null): void {
    const stall = stallTimeoutFor(spec);
    const runner = how.transport.start(
      spec,
      {
        threads: how.threads,
        logLevel: how.logLevel,
        startFrame,
        startState,
        emitState: true,
        stallTimeoutMs: stall,
        startupTimeoutMs: Math.max(DEFAULT_STARTUP_TIMEOUT_MS, stall),
        stopTimeoutMs: DEFAULT_STOP_TIMEOUT_MS,
        clean: textCleaner(spec.source),
      },
      {
        worker: () => {},
        record: (_place, ev) => {
          how.onEvent(this, ev);
          return () => {};
        },
        started: () => {},
        noise: (line) => how.onNoise(this, line),
        workerEnded: () => {},
        moved: () => {},
        waiting: () => {},
        exit: (end) => {
          this.runner = null;
          how.onExit(this, end);
        },
      },
    );
    this.runner = runner;
  }

  /** Where a file handed back resumes, with the counting state before it and its mark (see handBackPoint); '' when nothing to say. */
  resumePoint(): { frame: number | ''; state: string; mark: string } {
    return this.intent === 'handback' && this.kind === 'video' ? handBackPoint(this.run, this.states.newest, this.lastFrame) : { frame: '', state: '', mark: '' };
  }

  /**
   * A counting state from its worker: kept as the newest (a hand-back takes it); the entry that goes to the controller
   * when one is due (every STATE_FORWARD_MS), outside the run's sequence, after its entries so far (entries.ts, `st`).
   */
  stateEntry(ev: StateEvent, agent: string): StateEntry | null {
    if (!this.states.take({ frame: ev.frame, seq: ev.seq, state: ev.state }, this.clock())) return null;
    return { k: 'st', task: this.task, run: this.run, agent, after: this.n, event: ev };
  }

  /** The next sequence number; notes when the lease may already have lapsed by then. */
  next(): number {
    this.n += 1;
    if (this.firstLate === null && this.clock() > this.leaseUntil) this.firstLate = this.n;
    return this.n;
  }

  /** A renewal sent at `sentAt` (the run's clock) succeeded: the lease holds until sentAt + leaseMs, and nothing so far was late. */
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
    else this.runner.stop(intent === 'handback' ? 'shutdown' : intent);
  }
}
