import type { TaskSpec } from '../config/types.js';
import { errorKind } from '../protocol/error-codes.js';
import type { FinishedRun, RunnerHandlers, RunnerLaunch, TaskRunner, WorkerPlace } from '../orchestrator/runner.js';
import type { ExitOutcome, StopIntent } from '../orchestrator/task-machine.js';
import type { ResumeMark } from '../store/fleet-marks.js';
import type { TaskRunEnd } from '../store/rows.js';
import type { FleetController, StartPoint } from './controller.js';
import type { FleetEntry, RunEntry, RunOutcome, TailEntry } from './entries.js';
import { ResumeTracker, type ResumePoint } from './run-states.js';
import { LEASE_MS } from './timing.js';

/** How often a command that Redis did not take (it is away) is sent again. */
const RETRY_MS = 1000;

/** How a fleet run's end is recorded in the store. */
const RUN_END: Record<RunOutcome['kind'], TaskRunEnd> = {
  completed: 'end',
  stopped: 'stopped',
  cancelled: 'cancelled',
  failed: 'failed',
  rejected: 'failed',
  'handed-back': 'interrupted',
  restarted: 'restarted',
  lost: 'interrupted',
};

/**
 * What the controller knows of one task of the fleet, across the runners the task machine starts for it: the runs
 * agents claimed (each a worker, with its own task run in the store), which one is current, and where a file's next
 * run should count from. Entries of every run of the task, current or not, are recorded: a run cut off from Redis
 * sends what it counted before its lease lapsed when it is back.
 */
export class TaskLink {
  runner: FleetRunner | null = null;
  handlers: RunnerHandlers | null = null;
  /** The run an agent holds the task's lease for, or null while the task waits for one. */
  current: string | null = null;
  private readonly places = new Map<string, WorkerPlace>();
  /** Runs whose worker sent a fatal `error` (a failure it explained itself: no second error event). */
  private readonly explained = new Set<string>();
  /** Where the current run would resume a file: its stored checkpoints and counting states (run-states.ts). */
  private checkpoint = new ResumeTracker(null, 1);

  constructor(readonly spec: TaskSpec) {}

  /** The worker of a run; `claim` when it comes from the run's claim (see WorkerPlace.claim). */
  place(run: string, agent: string, startFrame: number | null = null, claim = false, resumeMark: ResumeMark | null = null): WorkerPlace {
    let place = this.places.get(run);
    if (!place) {
      place = { key: run, pid: null, agent, fleetRun: run, startFrame, claim, resumeMark };
      this.places.set(run, place);
    }
    return place;
  }

  /** A run entry, new to the store, or a run's counting state: recorded now (inside the sink's transaction); returns what shows it. */
  entry(e: RunEntry | TailEntry): () => void {
    const handlers = this.handlers;
    if (!handlers) return () => {};
    const place = this.place(e.run, e.agent);
    if (e.k === 'end') {
      handlers.workerEnded(place, RUN_END[e.outcome.kind]);
      return () => this.runner?.ended(e.run, e.outcome, this.explained.has(e.run));
    }
    const ev = e.event;
    if (ev.type === 'error' && ev.fatal) this.explained.add(e.run);
    if (e.run === this.current) this.checkpoint.see(ev);
    const show = handlers.record(place, ev, e.k === 'pg' && e.since !== null ? e.since : undefined);
    return () => {
      show();
      if (ev.type === 'hello' && e.run === this.current) this.runner?.started();
    };
  }

  /** A notice about the task, in stream order. */
  notice(e: FleetEntry): () => void {
    const handlers = this.handlers;
    if (!handlers) return () => {};
    switch (e.k) {
      case 'claim':
        if (this.places.get(e.run)?.claim) return () => {};
        this.current = e.run;
        this.checkpoint = new ResumeTracker(e.run, e.startFrame ?? 1);
        this.places.delete(e.run);
        handlers.worker(this.place(e.run, e.agent, e.startFrame, true, e.mark));
        return () => this.runner?.claimed();
      case 'lost':
        if (e.run !== this.current) return () => {};
        this.current = null;
        return () => this.runner?.lost(e.note);
      case 'state':
        // A task settled without a run (stopped or cancelled while queued): no end entry will come.
        if (e.run !== null || !['stopped', 'cancelled', 'completed', 'failed'].includes(e.state)) return () => {};
        return () => this.runner?.settled(e.state, e.note);
      case 'loss':
        return () => handlers.noise(`agent ${e.agent} lost events ${e.first}-${e.last} of run ${e.run} (its journal overflowed while Redis was away)`);
      default:
        return () => {};
    }
  }

  /** A run that finished while no controller followed it: its entries still to come are the task's (see FleetRunner.takeIn). */
  follow(run: string, agent: string): void {
    this.current = run;
    this.place(run, agent);
  }

  /** A run found running when the controller attached: its worker, without the claim (recorded by whoever read it). */
  adopt(run: string, agent: string): void {
    this.current = run;
    // Nothing of it seen yet (not current before): its states are where the file resumes, after its crossings so far.
    this.checkpoint = new ResumeTracker(run, 1);
    this.handlers?.worker(this.place(run, agent));
  }

  /** Where the file's next run counts from as of now, when the current run sent a counting state (ResumeTracker.newest). */
  resumePoint(): ResumePoint | null {
    return this.spec.kind === 'video' ? this.checkpoint.newest() : null;
  }

  /** Where the file's next run counts from, when it moved since last asked (ResumeTracker.take); null for a camera. */
  takeStartFrame(): ResumePoint | null {
    return this.spec.kind === 'video' ? this.checkpoint.take() : null;
  }
}

/** Where a task the run leaves in the fleet goes on, for its log, the summary and the table. */
function leftNote(run: string | null, agent: string | null, finished: boolean): string {
  if (finished) return `finished on agent ${agent} (run ${run}); what the store lacks of it waits in the fleet for the next controller`;
  if (run) return `left running in the fleet on agent ${agent} (run ${run}); the next controller of the fleet takes in what it counts`;
  return `left in the fleet's queue: an agent runs it, and the next controller of the fleet takes in what it counts`;
}

/**
 * The runner of one task on a fleet: starting it submits it (an agent with a free slot claims it), stopping it sends
 * the command to whichever agent holds it. Its outcome comes from the run's `end` entry, or from the fleet's notices
 * when no agent is left to send one. Takeovers, hand-backs and a camera's retries happen in the fleet by themselves
 * (the controller may be away): the task machine hears of them as `moved`.
 */
export class FleetRunner implements TaskRunner {
  readonly pid = null;
  private intent: StopIntent | null = null;
  private done = false;
  private takingIn = false;
  private giveUp: NodeJS.Timeout | null = null;
  private submitted = false;

  constructor(
    private readonly controller: FleetController,
    private readonly link: TaskLink,
    private readonly launch: RunnerLaunch,
    private readonly leaveRunning: () => boolean,
  ) {}

  /**
   * Submits the task; a task already running in the fleet (a controller attaching) is taken up where it is, and a file
   * the fleet finished while no controller followed it is taken in, not submitted again.
   */
  async submit(): Promise<void> {
    if (this.launch.takeIn) {
      // After the transport's start has returned: the runner may end at once, and its task must know it first.
      await Promise.resolve();
      return this.takeIn(this.launch.takeIn);
    }
    await this.submitFrom({ frame: this.launch.startFrame, state: this.launch.startState ?? null, mark: this.launch.startMark ?? null }, false);
  }

  /**
   * Redis lost the task (restarted without its data, flushed): submitted again, from the newest counting state the
   * store holds of its current run, else from where this count started. The agent still running it has taken its
   * lease back, and the submission adopts that run; with none, the task is queued and its next run voids what it
   * counts again (the claim's mark).
   */
  async resubmit(): Promise<void> {
    if (this.done || this.takingIn || !this.inFleet) return;
    const launched = { frame: this.launch.startFrame, state: this.launch.startState ?? null, mark: this.launch.startMark ?? null };
    await this.submitFrom(this.link.resumePoint() ?? launched, true);
  }

  /** Whether the fleet took the task (a later submission is a resubmission). */
  get inFleet(): boolean {
    return this.submitted;
  }

  private async submitFrom(point: StartPoint, again: boolean): Promise<void> {
    while (!this.done) {
      try {
        const spec = this.link.spec;
        const result = (await this.controller.submit([spec], () => point)).get(spec.id);
        this.submitted = true;
        const view = result === 'kept' || result === 'adopted' ? (await this.controller.tasks([spec.id]))[0] : null;
        const current = this.link.current;
        if (view?.state === 'running' && view.run && view.agent && (again ? current !== view.run : !current)) {
          this.link.adopt(view.run, view.agent);
          this.started();
        } else if (again && result === 'queued' && current) {
          // Its agent did not take the lease back: the run ends when the agent hears of it; the next one goes on from `point`.
          this.link.current = null;
          return this.moved('Redis lost the task: queued again');
        } else if (!current && !this.done && !again) {
          // In the fleet's queue until an agent claims it (the claim may already have come: then it runs).
          this.link.handlers?.waiting();
        }
        // A stop sent while the task was gone reached nothing.
        if (again && this.intent && !(this.intent === 'shutdown' && this.leaveRunning())) void this.send(this.intent === 'cancel' ? 'cancel' : 'stop');
        return;
      } catch (err) {
        this.link.handlers?.noise(`cannot submit to the fleet (${(err as Error).message}); trying again`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  stop(intent: StopIntent): void {
    if (this.done) return;
    this.intent = intent;
    // Taking a finished run in, nothing runs: nothing to stop, the rest of its entries wait for the next controller.
    if ((intent === 'shutdown' && this.leaveRunning()) || this.takingIn) {
      const current = this.link.current;
      const agent = current ? this.link.place(current, '').agent : null;
      if (current) this.link.handlers?.workerEnded(this.link.place(current, ''), 'interrupted');
      if (intent !== 'shutdown') return this.finish({ kind: 'done', reachedEnd: false, killedAfterStop: false }, 'no longer taking the finished run in');
      return this.finish({ kind: 'left', note: leftNote(current, agent, this.takingIn) }, 'left running in the fleet');
    }
    void this.send(intent === 'cancel' ? 'cancel' : 'stop');
    // An agent that died while stopping the task is found by its lapsed lease; past that, nobody will confirm it.
    this.giveUp ??= setTimeout(() => this.finish({ kind: 'done', reachedEnd: false, killedAfterStop: true }, 'the fleet did not confirm the stop'), this.launch.stopTimeoutMs + 2 * LEASE_MS);
  }

  /** Stops waiting for the fleet (its task may go on there). */
  kill(): void {
    this.finish({ kind: 'done', reachedEnd: false, killedAfterStop: true }, 'no longer followed');
  }

  started(): void {
    if (!this.done) this.link.handlers?.started();
  }

  /** An agent claimed the task: a stop sent while it was being handed over reaches the new run too. */
  claimed(): void {
    if (!this.done && this.intent && !(this.intent === 'shutdown' && this.leaveRunning())) void this.send(this.intent === 'cancel' ? 'cancel' : 'stop');
  }

  /** The current run's `end` entry (or a late one of an earlier run, which only ends that run's task run). */
  ended(run: string, outcome: RunOutcome, explained: boolean): void {
    if (this.done || run !== this.link.current) return;
    this.link.current = null;
    const on = `run ${run}`;
    switch (outcome.kind) {
      case 'completed':
        return this.finish({ kind: 'done', reachedEnd: true, killedAfterStop: false }, `${on} completed`);
      case 'stopped':
      case 'cancelled':
        return this.finish({ kind: 'done', reachedEnd: false, killedAfterStop: outcome.killed }, `${on} ${outcome.kind}`);
      case 'failed':
        if (outcome.retryInMs === null) return this.fail(errorKind(outcome.code), outcome.code, outcome.reason, explained);
        return this.moved(`${outcome.reason}; the fleet retries it in ${(outcome.retryInMs / 1000).toFixed(1)} s`);
      case 'rejected':
        return this.fail('setup', 'TASK_REJECTED', outcome.reason, false);
      case 'handed-back':
      case 'restarted':
        return this.moved(outcome.kind === 'restarted' ? 'restarted on its agent' : outcome.reason);
      case 'lost':
        return;
    }
  }

  /** The reaper found the current run's lease lapsed: its agent died or was cut off. */
  lost(note: string): void {
    if (this.done) return;
    if (this.intent) return this.finish({ kind: 'done', reachedEnd: false, killedAfterStop: true }, note);
    this.moved(note);
  }

  /** The task settled in the fleet without a run (a command reached it while queued). */
  settled(state: string, note: string): void {
    if (this.done) return;
    if (state === 'failed') return this.fail('crash', 'WORKER_EXIT', note, false);
    this.finish({ kind: 'done', reachedEnd: state === 'completed', killedAfterStop: false }, note);
  }

  /**
   * The file was read to its end by `run` while no controller followed it: its entries still in the stream complete
   * the count (stored as they come, then its `end` completes the task); nothing is submitted, nothing counted again.
   */
  private takeIn(f: FinishedRun & { complete: boolean }): void {
    this.takingIn = true;
    this.link.follow(f.run, f.agent);
    if (!f.complete) return;
    // The store holds all of it but the end's record (an earlier version stored the end after its controller had left,
    // where no task run took it): recorded now, once, so that the next controller does not take the run in again.
    this.link.handlers?.workerEnded(this.link.place(f.run, f.agent), 'end');
    this.finish({ kind: 'done', reachedEnd: true, killedAfterStop: false }, `run ${f.run} finished on agent ${f.agent}; the store holds all it reported`);
  }

  private moved(why: string): void {
    this.link.handlers?.moved(why);
    // Stopping while the fleet moved the task (a camera retried as the stop came): the stop goes to the new run.
    if (this.intent) void this.send(this.intent === 'cancel' ? 'cancel' : 'stop');
  }

  private fail(error: 'source' | 'setup' | 'crash', code: string, reason: string, reported: boolean): void {
    this.finish({ kind: 'failed', error, code, reason, reported, killedAfterStop: false }, reason);
  }

  private async send(command: 'stop' | 'cancel'): Promise<void> {
    while (!this.done) {
      try {
        await this.controller.command(this.link.spec.id, command);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private finish(outcome: ExitOutcome, detail: string): void {
    if (this.done) return;
    this.done = true;
    if (this.giveUp) clearTimeout(this.giveUp);
    if (this.link.runner === this) this.link.runner = null;
    this.link.handlers?.exit({ outcome, detail });
  }
}
