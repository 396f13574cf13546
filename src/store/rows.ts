import type { AgeBandName } from '../protocol/events.js';
import type { OccupancyRules } from './occupancy.js';

/** The store's rows and what is written into them. */

/** One run folder's run: a `pcount-tui run` until every task has finished (a task run again later opens a new one). */
export interface RunRow {
  id: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  folder: string | null;
  config: string | null;
  host: string;
  pid: number;
  heartbeat_at: number;
}

/** How a task run ended; null while it runs, and forever after a crash of the process that ran it. */
export type TaskRunEnd = 'end' | 'stopped' | 'cancelled' | 'restarted' | 'interrupted' | 'failed';

/** One worker process of a task. Task runs that continue a count share its `chain_id` (the first one's id). */
export interface TaskRunRow {
  id: number;
  run_id: string;
  chain_id: number;
  task: string;
  kind: 'camera' | 'video';
  source: string;
  fingerprint: string;
  lines: string;
  file_size: number | null;
  file_mtime: number | null;
  start_frame: number | null;
  started_at: number;
  ended_at: number | null;
  end_reason: TaskRunEnd | null;
  occupancy_reset: string | null;
  occupancy_floor: number | null;
  zone: string | null;
}

export interface NewTaskRun {
  runId: string;
  /** The count this task run continues, or null to start a new one. */
  chainId: number | null;
  task: string;
  kind: 'camera' | 'video';
  /** Without credentials. */
  source: string;
  fingerprint: string;
  lines: { name: string; points: number[] }[];
  file: { size: number; mtimeMs: number } | null;
  startFrame: number | null;
  startedAt: number;
  occupancy: OccupancyRules;
}

/** A crossing as a worker reported it (`attributes`: whatever else the worker added, e.g. demographics). */
export interface CrossingInput {
  seq: number;
  line: string;
  track: number;
  direction: 'in' | 'out';
  frame: number;
  pts: number;
  ts: number;
  attributes: Record<string, unknown> | null;
}

export interface CrossingRow extends CrossingInput {
  taskRunId: number;
  task: string;
  /** The task's occupancy right after this crossing. */
  occupancy: number;
  /** The fleet run that reported it (its seq is unique in that run), else null. */
  fleetRun: string | null;
  storedAt: number;
}

/** What storing a crossing came to: counted, void (a later fleet run counts its frame again), or already stored. */
export type CrossingInsert = 'stored' | 'void' | 'duplicate';

export interface Checkpoint {
  taskRunId: number;
  /** Every crossing the worker emitted while processing frames up to this one is stored ... */
  frame: number;
  /** ... as crossings 1..seq of the task run. */
  seq: number;
  fps: number | null;
  /** The worker's counting state after `frame` (a `state` event's, JSON), or null: none came (older worker, fleet). */
  state: string | null;
  /** The fleet run whose events made it (a fleet controller's; absent for a local worker): seq is that run's. */
  fleetRun?: string;
}

export interface ChainTally {
  lines: { name: string; in: number; out: number }[];
  /** Crossings per line, gender and age band (from their demographic attributes; null: unknown). */
  splits?: { line: string; gender: 'male' | 'female' | null; age_band: AgeBandName | null; n: number }[];
  /** The last counted crossing of the count: its time and the occupancy after it. */
  last: { ts: number; occupancy: number } | null;
}

/**
 * The `reason` a stored crossing's attributes take when its demographic estimate was pending and never came: its
 * worker ended without settling it (crashed, killed, or the run was killed with it). The face views it waited for are
 * not kept anywhere (privacy), so a resumed worker cannot finish them.
 */
export const INTERRUPTED = 'interrupted';
