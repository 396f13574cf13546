import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { taskOptionFlags } from '../config/task-options.js';
import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import { hasCredentials, redactSource, SOURCE_ENV } from '../sources/credentials.js';

/** The program and leading arguments that start one worker; the task's flags are appended. */
export interface WorkerCommand {
  file: string;
  args: string[];
}

/**
 * Node options of a worker process. `--single-threaded-gc`: V8's parallel young-generation collection hands work to
 * helper threads, which with many workers on few cores wait for a core while the main thread waits for them; one
 * thread does the same work without the hand-offs (see README, bench:live).
 */
export const WORKER_NODE_OPTIONS = ['--single-threaded-gc'];

/** `node --single-threaded-gc <repo>/bin/pcount-tui.js worker` (this file runs from dist/src/orchestrator/). */
export function defaultWorkerCommand(): WorkerCommand {
  return { file: process.execPath, args: [...WORKER_NODE_OPTIONS, fileURLToPath(new URL('../../../bin/pcount-tui.js', import.meta.url)), 'worker'] };
}

export interface WorkerRunOptions {
  threads: number;
  logLevel: WorkerLogLevel;
  /** The ffmpeg binary given to the run (`--ffmpeg`); else each worker resolves its own. */
  ffmpeg?: string;
  /** A resumed file: the frame to count from. */
  startFrame?: number | null;
  /** A resumed file: the file holding the counting state to continue from at `startFrame` (STATE_FD_PATH). */
  startStateFile?: string | null;
  /** Files: write the counting state with each progress report (for the store's checkpoints). */
  emitState?: boolean;
}

/** The environment a task's worker needs on top of the parent's. */
export function workerEnv(task: TaskSpec): Record<string, string> {
  return hasCredentials(task.source) ? { [SOURCE_ENV]: task.source } : {};
}

/**
 * The worker's command-line flags for one task (the names are the worker's contract). The config's list decides
 * whether a source is live: a camera always is, a video never (an `http://…` camera and a `rtsp://` recording alike).
 */
export function workerArgs(task: TaskSpec, opts: WorkerRunOptions): string[] {
  const args = ['--source', redactSource(task.source)];
  for (const line of task.lines) args.push('--line', `${line.points.join(',')},${line.name}`);
  args.push(...taskOptionFlags(task.options));
  args.push('--task', task.id, '--threads', String(opts.threads), '--log-level', opts.logLevel);
  args.push(task.kind === 'camera' ? '--live' : '--no-live');
  if (opts.ffmpeg) args.push('--ffmpeg', opts.ffmpeg);
  if (opts.startFrame) args.push('--start-frame', String(opts.startFrame));
  if (opts.startFrame && opts.startStateFile) args.push('--start-state', opts.startStateFile);
  if (opts.emitState && task.kind === 'video') args.push('--emit-state');
  return args;
}

/** A fair share of the CPUs for one child among `running` children (itself included). */
export function fairThreads(cpus: number, running: number): number {
  return Math.max(1, Math.floor(cpus / Math.max(1, running)));
}

/** `stateFd`: an open file the child gets as its descriptor 3, read as STATE_FD_PATH. */
export type SpawnFn = (file: string, args: string[], env: Record<string, string>, stateFd?: number) => ChildProcess;

/** Where a worker reads the resume state its parent hands over as descriptor 3 (local-transport.ts). */
export const STATE_FD_PATH = '/dev/fd/3';

/**
 * Each worker leads its own process group so that a SIGKILL reaches its ffmpeg too (no orphan decoder), and so that
 * a Ctrl-C in the terminal reaches only the parent, which then stops the workers in order.
 */
export const spawnWorkerProcess: SpawnFn = (file, args, env, stateFd) =>
  spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe', ...(stateFd === undefined ? [] : [stateFd])], detached: true, env: { ...process.env, NO_COLOR: '1', ...env } });
