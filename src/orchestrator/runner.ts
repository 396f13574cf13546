import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import type { WorkerEvent } from '../protocol/events.js';
import type { WorkerCommand as StdinCommand } from '../protocol/commands.js';
import type { ResumeMark } from '../store/fleet-marks.js';
import type { TaskRunEnd } from '../store/rows.js';
import type { ExitOutcome, StopIntent } from './task-machine.js';
import type { Usage } from './resources.js';
import type { FleetView } from './types.js';

/**
 * The seam between a task's lifecycle and the transport that runs its worker (as vitest splits pool.ts, poolRunner.ts
 * and forksWorker.ts). The supervisor decides, through the task machine, when a task starts and stops; a transport
 * starts its worker somewhere, reports what the worker says and how the task's run ended, in the task's terms
 * (ExitOutcome), not in a process's. Two transports: local child processes (local-transport.ts) and fleet agents
 * (src/fleet/fleet-transport.ts). Whichever delivered an event, it reaches the store through the same step
 * (EventIntake.receive → Recorder.receive) before anything shows it.
 */

/** One worker process of a task, wherever it runs. */
export interface WorkerPlace {
  /** Tells the task's workers apart: each one's events go to its own task run in the store. */
  key: string;
  /** A local child's process id, else null. */
  pid: number | null;
  /** The fleet agent that runs it, else null. */
  agent: string | null;
  /** The fleet's run id (its crossings are stored once per run and seq, across controllers), else null. */
  fleetRun: string | null;
  /** A file's worker counts from this frame (a resume), else null. */
  startFrame: number | null;
  /**
   * A fleet run of a file that goes on from a counting state: where in the counting order that state was taken (after
   * crossing `seq` of fleet run `run`); null or absent when unknown (no state, an older pcount-tui).
   */
  resumeMark?: ResumeMark | null;
  /**
   * A fleet run's claim by an agent, in the order the fleet gave them out: from its start frame on, a file's frames
   * are this run's to count (earlier runs' crossings there are void). False for a run a controller found running.
   */
  claim: boolean;
}

export interface RunnerEnd {
  outcome: ExitOutcome;
  /** How the worker ended, for the task's log: "exit code 0", "killed by SIGKILL", "stopped on agent b". */
  detail: string;
}

/** What a transport reports about one task. */
export interface RunnerHandlers {
  /** A worker starts for the task: once for a local child; for every run on an agent. */
  worker(place: WorkerPlace): void;
  /**
   * One event of one of the task's workers, in that worker's order: stored (a crossing is in the store when this
   * returns), then shown by the function it returns, which a transport that stores in batches calls once the batch is
   * committed. `coveredSince`: a progress report that stands for the reports since then, which the fleet did not keep
   * (ms; their frames kept coming from then on).
   */
  record(place: WorkerPlace, ev: WorkerEvent, coveredSince?: number): () => void;
  /** The task's current worker counts (its hello, or a fleet run found counting by a controller that attached). */
  started(): void;
  /** A line that is not an event (a child's stderr). */
  noise(line: string): void;
  /** A worker is gone; its task run in the store ends with `end`. */
  workerEnded(place: WorkerPlace, end: TaskRunEnd): void;
  /** The worker is gone, and the transport runs the task again by itself (a fleet: taken over, handed back, retried). */
  moved(why: string): void;
  /** The transport holds the task in its own queue: no worker runs it until a runner takes it (a fleet's agent). */
  waiting(): void;
  /** The runner is done with the task. */
  exit(end: RunnerEnd): void;
}

/**
 * A file's fleet run that read the file to its end while no controller followed it (the last one left it running):
 * the task's continued count takes it in from the agent's reports instead of running the file again.
 */
export interface FinishedRun {
  run: string;
  agent: string;
  /** The sequence number of the run's `end` entry: the run's last. */
  lastN: number;
  /** What the fleet's controllers acknowledged of the run (Redis's `acked`): more than this store holds means another store took it. */
  acked: number;
}

export interface RunnerLaunch {
  threads: number;
  logLevel: WorkerLogLevel;
  /** The ffmpeg binary given to the run (`--ffmpeg`); else each worker resolves its own. */
  ffmpeg?: string;
  /** A resumed file: the frame to count from. */
  startFrame: number | null;
  /** A resumed file: the counting state (JSON) of its checkpoint, which the worker continues from at `startFrame`. */
  startState?: string | null;
  /** A fleet's file: where in the counting order that state was taken (its checkpoint's), sent with it to the fleet. */
  startMark?: ResumeMark | null;
  /** Files: the worker writes its counting state with each progress report, for the checkpoints (a local run's). */
  emitState?: boolean;
  /** A fleet file finished while no controller followed it: taken in, not run again; `complete` when all of it is stored. */
  takeIn?: (FinishedRun & { complete: boolean }) | null;
  stallTimeoutMs: number;
  startupTimeoutMs: number;
  stopTimeoutMs: number;
  /** Makes a worker's text safe to keep and show (secrets hidden, control characters escaped). */
  clean(text: string): string;
}

export interface TaskRunner {
  /** The local worker's process id (resource sampling), else null. */
  readonly pid: number | null;
  /** Ends the task's run for `intent`: the worker finishes in order, or is killed after the stop time-out. */
  stop(intent: StopIntent): void;
  /** Ends the worker at once. */
  kill(): void;
  /**
   * Writes a stdin command (preview, lines) to the running worker; false when it is gone or going. Absent where the
   * transport cannot reach the worker (a fleet's agents): those commands are not available there.
   */
  sendCommand?(command: StdinCommand): boolean;
}

export interface Transport {
  /**
   * False: local children, as many at once as the supervisor's worker slots. True: the workers run elsewhere (a
   * fleet's agents) and outlive the run: every task is handed over at once and the transport schedules them itself,
   * and a resumed file's crossings are voided when the run that counts them again is claimed (a task may still be
   * counting on an agent when the run starts).
   */
  readonly remote: boolean;
  start(spec: TaskSpec, launch: RunnerLaunch, handlers: RunnerHandlers): TaskRunner;
  /** Called once by the supervisor: what the transport may ask of it. */
  bind?(host: TransportHost): void;
  /** Before the run ends: whether a transport whose tasks outlive the run (a fleet) leaves them running. */
  beforeShutdown?(leaveRunning: boolean): void;
  /**
   * Once the run's runners are done, before its results are final: a transport that takes events in from elsewhere (a
   * fleet's stream) stops, so that nothing reaches the store after the results and the summary.
   */
  quiesce?(): Promise<void>;
  /** A file the fleet finished while no controller followed it (read when the counts are planned), else null. */
  finishedRun?(task: string): FinishedRun | null;
  /**
   * CPU and memory of each task's worker, by task id, where the transport's workers are sampled elsewhere (a fleet's
   * agents sample theirs and report them with their heartbeat); absent where the supervisor samples its children.
   */
  usage?(): ReadonlyMap<string, Usage>;
  /** A fleet's agents, Redis and recent happenings, for the dashboard; absent for local children. */
  fleetView?(): FleetView | null;
}

export interface TransportHost {
  /** Something the dashboard shows changed (a fleet's health). */
  changed(): void;
  /** Why the store takes no writes, or null. */
  storeFailure(): string | null;
  /** The transport's own write to the store failed (a fleet batch's commit): the store takes no writes from now on. */
  storeFailed(err: unknown): string;
}

/** How a worker's task run ends in the store: on purpose (the stop's intent), at the source's end, or failed. */
export function taskRunEnd(outcome: ExitOutcome, intent: StopIntent | null): TaskRunEnd {
  if (outcome.kind === 'done' && outcome.reachedEnd) return 'end';
  if (intent !== null) return INTENT_END[intent];
  return outcome.kind === 'done' ? 'end' : 'failed';
}

const INTENT_END: Record<StopIntent, TaskRunEnd> = { stop: 'stopped', cancel: 'cancelled', restart: 'restarted', shutdown: 'interrupted' };
