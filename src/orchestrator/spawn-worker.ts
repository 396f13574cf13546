import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskSpec, WorkerLogLevel } from '../config/types.js';

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

/** The worker's command-line flags for one task (the names are the worker's contract). */
export function workerArgs(task: TaskSpec, opts: WorkerRunOptions): string[] {
  const args = ['--source', task.source];
  for (const line of task.lines) args.push('--line', `${line.points.join(',')},${line.name}`);
  args.push('--skip-frames', String(task.skipFrames), '--confidence', String(task.confidence));
  args.push('--task', task.id, '--threads', String(opts.threads), '--log-level', opts.logLevel);
  if (task.kind === 'camera') args.push('--live');
  if (task.model) args.push('--model', task.model);
  if (task.modelFormat) args.push('--model-format', task.modelFormat);
  if (task.inputSize) args.push('--input-size', task.inputSize);
  if (task.anchor) args.push('--anchor', task.anchor);
  if (task.stallTimeout !== undefined) args.push('--stall-timeout', String(task.stallTimeout));
  const d = task.demographics;
  if (d) args.push('--demographics', '--min-face-px', String(d.min_face_px), '--batch-size', String(d.batch_size), '--batch-timeout-ms', String(d.batch_timeout_ms));
  return args;
}

/** A fair share of the CPUs for one child among `running` children (itself included). */
export function fairThreads(cpus: number, running: number): number {
  return Math.max(1, Math.floor(cpus / Math.max(1, running)));
}

export type SpawnFn = (file: string, args: string[]) => ChildProcess;

/**
 * Each worker leads its own process group so that a SIGKILL reaches its ffmpeg too (no orphan decoder), and so that
 * a Ctrl-C in the terminal reaches only the parent, which then stops the workers in order.
 */
export const spawnWorkerProcess: SpawnFn = (file, args) =>
  spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' } });

/** Sends `signal` to the child's whole process group, falling back to the child alone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone: nothing to signal.
    }
  }
}
