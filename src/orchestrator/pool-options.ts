import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import type { BackoffPolicy } from '../common/backoff.js';
import type { Store } from '../store/store.js';
import type { ResultLimits } from './results.js';
import type { Transport } from './runner.js';
import type { SpawnFn, WorkerCommand } from './spawn-worker.js';
import type { Timers } from './timers.js';

export interface PoolOptions {
  tasks: TaskSpec[];
  workerCount: number;
  /** Folder for exports and log files; null writes neither. */
  outputDir: string | null;
  /** Where an export on demand (`e`) goes when the caller names no folder: the user's export folder, else the run's. */
  exportDir?: string | null;
  logLevel?: WorkerLogLevel;
  /** How tasks' workers are run: local children (the default, from `command` and `spawn`) or a fleet's agents. */
  transport?: Transport;
  command?: WorkerCommand;
  spawn?: SpawnFn;
  timers?: Timers;
  random?: () => number;
  cpus?: number;
  /** onnxruntime threads of every worker (`--threads`); default: a fair share of the CPUs among the running workers. */
  threads?: number;
  /** The ffmpeg binary every worker uses (`--ffmpeg`); default: each worker's own resolution. */
  ffmpeg?: string;
  /** A child that prints nothing for this long is killed (and a camera restarted). */
  stallTimeoutMs?: number;
  /** The same before the child's `hello`, which may first have to build the model. */
  startupTimeoutMs?: number;
  /** After `{"cmd":"stop"}`, how long a child may take before SIGKILL. */
  stopTimeoutMs?: number;
  /** Delays before a camera whose worker crashed is restarted. */
  backoff?: BackoffPolicy;
  /** Delays between attempts to reach a camera whose source is offline (retried for as long as the run lasts). */
  offlineBackoff?: BackoffPolicy;
  /** A camera whose worker crashed `count` times within `windowMs` goes to error instead of restarting again. */
  restartLimit?: { count: number; windowMs: number };
  limits?: ResultLimits;
  sampleIntervalMs?: number;
  /** Export into outputDir whenever every task has reached a final state, and at shutdown. */
  autoExport?: boolean;
  /** Where every crossing is written before anything shows it; null counts in memory only. */
  store?: Store | null;
  /** The config file run, recorded with each run in the store. */
  configPath?: string | null;
}

/** Long enough for a worker to load its model and for its own source reconnects, which report themselves. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
export const DEFAULT_RESTART_LIMIT = { count: 5, windowMs: 60_000 };
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };
/** An offline camera is tried again within 30 s at the latest, however long it has been down. */
export const DEFAULT_OFFLINE_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };

/**
 * A worker waiting out its own source time-out (`stall_timeout`) and reconnecting may be quiet for a while; its
 * runner only steps in well after that, so that it never fights the worker's own recovery.
 */
export function stallTimeoutFor(spec: TaskSpec, base = DEFAULT_STALL_TIMEOUT_MS): number {
  const own = spec.options.stall_timeout;
  return own === undefined ? base : Math.max(base, own * 3000);
}
