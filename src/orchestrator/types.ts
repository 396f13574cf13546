import type { LineConfig } from '../config/types.js';
import type { DoneReason, LineCount, PreviewEvent, WorkerEvent } from '../protocol/events.js';
import type { PreviewRequest } from './preview-request.js';
import type { Usage } from './resources.js';

/** What the dashboard and the headless printer see of the orchestrator. Plain data, rebuilt on every change. */

/** `left`: the run ended and left the task running in its fleet on purpose (the next controller takes it up). */
export type TaskStateKind = 'pending' | 'processing' | 'completed' | 'error' | 'cancelled' | 'left';
/**
 * Where a processing task is in its life: its worker is starting, running or stopping, or the task waits without a
 * worker: for a fleet agent to take it (`waiting`), to retry a camera whose source could not be reached (`offline`)
 * or whose worker crashed (`restarting`).
 */
export type TaskPhase = 'starting' | 'waiting' | 'running' | 'stopping' | 'offline' | 'restarting';
export type WorkerStateKind = 'idle' | 'processing' | 'stopped';
export type TaskKind = 'camera' | 'video';

export interface TaskView {
  id: string;
  kind: TaskKind;
  /** The source with passwords hidden and control characters escaped. */
  source: string;
  state: TaskStateKind;
  /** Set while the task is processing. */
  phase?: TaskPhase | null;
  /** Fleet mode: the agent running the task's worker (null while it waits for one). */
  agent?: string | null;
  /** When a waiting camera is tried again (ms since the epoch), else null. */
  retryAt?: number | null;
  /** Why the task is in error or was cancelled, for the table and the log pane. */
  reason: string | null;
  fps: number;
  in: number;
  out: number;
  occupancy: number;
  lines: LineCount[];
  /** 0..1 for files once the duration is known, else null. */
  progress: number | null;
  /** Seconds left for files, else null. */
  etaSeconds: number | null;
  restarts: number;
  /** The last log lines of this task, oldest first (bounded). */
  logs: string[];
  /** Frames the workers of this task have read so far. */
  frames?: number;
  /** Frames dropped to stay current (live sources). */
  dropped?: number;
  /** The lines the task counts on now (changed by the line editor), with their points. */
  lineSpecs?: LineConfig[];
  /** The `reason` of the last run's `done` (`stopped` when asked to stop), null before one came. */
  doneReason?: DoneReason | null;
  /** Source health, from the worker's events (epoch ms): when a frame last arrived, the reconnect being waited for. */
  lastFrameAt?: number | null;
  reconnect?: { attempt: number; delayMs: number; at: number } | null;
  /** When the source was last seen delivering, while it does not (a live source that is reconnecting). */
  outageSince?: number | null;
  /** Mean detector latency over the last progress interval, ms. */
  detectMs?: number | null;
  /** CPU (100 = one core) and resident memory of the task's worker and its ffmpeg, while it runs. */
  cpuPercent?: number;
  rssBytes?: number;
}

export interface WorkerView {
  index: number;
  state: WorkerStateKind;
  /** Whether the child in the slot is starting, running or stopping. */
  phase?: 'starting' | 'running' | 'stopping' | null;
  task: string | null;
  pid: number | null;
  /** CPU of the child and its ffmpeg (100 = one core) and their resident memory, sampled about once a second. */
  cpuPercent?: number;
  rssBytes?: number;
}

export interface PoolSnapshot {
  tasks: TaskView[];
  workers: WorkerView[];
  active: number;
  queued: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Fleet tasks the run left running on their agents (or in the fleet's queue) when it ended. */
  left: number;
  totalFps: number;
  /** Sum over the live children, sampled about once a second. */
  childCpuPercent: number;
  childRssBytes: number;
  /** True once every task is in a final state. */
  finished: boolean;
  /** The folder and files of the last export (automatic or on demand), or why it failed. */
  lastExport?: { dir: string; files: string[]; at: number; error: string | null } | null;
  /** The store every crossing is written to, and why it stopped taking writes (counting then goes on in memory). */
  store?: { path: string; error: string | null } | null;
  /** This run's id and folder (`<result_output>/runs/<started time>-<run id>/`). */
  run?: { id: string; folder: string } | null;
  /** Fleet mode: the fleet this run controls; null for local workers. */
  fleet?: FleetView | null;
}

/** Fleet mode: one agent as the controller last saw it (about once a second). */
export interface FleetAgentView {
  name: string;
  host: string;
  pid: number;
  /** `silent`: no heartbeat for a few seconds; `lost`: its leases lapsed and its tasks went to other agents. */
  state: 'up' | 'silent' | 'lost' | 'stopping' | 'stopped';
  slotsUsed: number;
  slots: number;
  /** The agent's workers (and their ffmpeg): 100 = one core. */
  cpuPercent: number;
  rssBytes: number;
  memTotalBytes: number;
  memFreeBytes: number;
  load1: number;
  heartbeatAgeMs: number;
  journalBytes: number;
  /** CPU and memory of each of its tasks' workers (with their ffmpeg), by task id. */
  tasks: Record<string, Usage>;
}

/** Fleet mode: the fleet the dashboard controls, its Redis and agents, and what happened lately. */
export interface FleetView {
  fleet: string;
  redis: { state: 'up' | 'down'; since: number; detail: string; address: string };
  agents: FleetAgentView[];
  /** Tasks waiting for an agent, and running on one. */
  queued: number;
  running: number;
  /** What happened lately (an agent or Redis lost, a task moved) and what was done about it, oldest first. */
  notes: string[];
}

/** When lines set by the user take effect: the running worker switched at once; the task's next run (no worker runs
 * now); or the next run of a fleet task whose worker runs on an agent and counts on the old lines until then. */
export type LinesTaken = 'now' | 'next-run' | 'fleet-next-run';

/** Commands the UI may dispatch. The orchestrator validates them against the task machine. */
export interface PoolControl {
  snapshot(): PoolSnapshot;
  /** Called after every state change (throttled by the caller as it likes). Returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Every event of every task, with `task` set, in arrival order. Returns an unsubscribe function. */
  onEvent(listener: (event: WorkerEvent) => void): () => void;
  start(taskId: string): void;
  stop(taskId: string): void;
  cancel(taskId: string): void;
  restart(taskId: string): void;
  /** Writes the JSON summary, CSV series and crossings into the export folder; resolves to the written paths. */
  exportResults(dir?: string): Promise<string[]>;
  /**
   * Stops every child (stop, then SIGKILL after a time-out) and resolves when none is left. A fleet's tasks are left
   * running on their agents unless `stopFleet` (the dashboard's `q` asks which).
   */
  shutdown(opts?: { stopFleet?: boolean }): Promise<void>;
  /**
   * Pictures of a task's frames, at most `size` pixels, about `intervalMs` apart, while someone watches; null stops
   * them. The request outlives a restart of the task's worker.
   */
  setPreview(taskId: string, request: PreviewRequest | null): void;
  /** The newest picture of a task (while previews are on), or null. */
  preview(taskId: string): PreviewEvent | null;
  /**
   * Counts on these lines from now on: the running worker switches at once, keeping counts; later runs use them too.
   * Returns when they take effect (a fleet's running worker cannot switch: from the task's next run).
   */
  setLines(taskId: string, lines: LineConfig[]): LinesTaken;
}
