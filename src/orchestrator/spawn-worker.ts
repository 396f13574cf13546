import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskSpec, WorkerLogLevel } from '../config/types.js';
import { hasCredentials, redactSource } from '../sources/credentials.js';

/**
 * A source with a password reaches the worker in this environment variable, and its command line shows only the
 * redacted form (`ps` shows every user the command line; `/proc/<pid>/environ` is readable by the same user only).
 * The worker reads it when `--source` is its redacted form (src/commands/worker.ts).
 */
export const SOURCE_ENV = 'PCOUNT_TUI_SOURCE';

/** The program and leading arguments that start one worker; the task's flags are appended. */
export interface WorkerCommand {
  file: string;
  args: string[];
}

/** `node <repo>/bin/pcount-tui.js worker` (this file runs from dist/src/orchestrator/). */
export function defaultWorkerCommand(): WorkerCommand {
  return { file: process.execPath, args: [fileURLToPath(new URL('../../../bin/pcount-tui.js', import.meta.url)), 'worker'] };
}

export interface WorkerRunOptions {
  threads: number;
  logLevel: WorkerLogLevel;
}

/** The environment a task's worker needs on top of the parent's. */
export function workerEnv(task: TaskSpec): Record<string, string> {
  return hasCredentials(task.source) ? { [SOURCE_ENV]: task.source } : {};
}

/** The worker's command-line flags for one task (the names are the worker's contract). */
export function workerArgs(task: TaskSpec, opts: WorkerRunOptions): string[] {
  const args = ['--source', redactSource(task.source)];
  for (const line of task.lines) args.push('--line', `${line.points.join(',')},${line.name}`);
  args.push('--skip-frames', String(task.skipFrames), '--confidence', String(task.confidence));
  args.push('--task', task.id, '--threads', String(opts.threads), '--log-level', opts.logLevel);
  // The config says what a task is; the worker must not guess it from the source (a video may be an http:// file).
  args.push(task.kind === 'camera' ? '--live' : '--no-live');
  if (task.model) args.push('--model', task.model);
  if (task.modelFormat) args.push('--model-format', task.modelFormat);
  if (task.inputSize) args.push('--input-size', task.inputSize);
  if (task.anchor) args.push('--anchor', task.anchor);
  if (task.stallTimeout !== undefined) args.push('--stall-timeout', String(task.stallTimeout));
  return args;
}

/** A fair share of the CPUs for one child among `running` children (itself included). */
export function fairThreads(cpus: number, running: number): number {
  return Math.max(1, Math.floor(cpus / Math.max(1, running)));
}

export type SpawnFn = (file: string, args: string[], env: Record<string, string>) => ChildProcess;

/**
 * Each worker leads its own process group so that a SIGKILL reaches its ffmpeg too (no orphan decoder), and so that
 * a Ctrl-C in the terminal reaches only the parent, which then stops the workers in order.
 */
export const spawnWorkerProcess: SpawnFn = (file, args, env) =>
  spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1', ...env } });
