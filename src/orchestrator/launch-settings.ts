import { availableParallelism } from 'node:os';
import { DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, stallTimeoutFor, type PoolOptions } from './pool-options.js';
import type { RunnerLaunch } from './runner.js';
import { fairThreads } from './spawn-worker.js';
import type { TaskRecord } from './task-record.js';

/** How a task's worker is started; `running` is how many workers will share the CPUs with it. */
export function launchSettings(opts: PoolOptions, rec: TaskRecord, running: number): RunnerLaunch {
  const threads = opts.threads ?? fairThreads(opts.cpus ?? availableParallelism(), running);
  const stall = stallTimeoutFor(rec.spec, opts.stallTimeoutMs);
  return {
    threads,
    logLevel: opts.logLevel ?? 'info',
    ffmpeg: opts.ffmpeg,
    startFrame: rec.count.startFrame,
    startState: rec.count.startFrame ? (rec.count.startState ?? null) : null,
    startMark: rec.count.startFrame ? (rec.count.startMark ?? null) : null,
    // Only a store keeps the states (with its checkpoints): without one, tens of kilobytes a second would go for nothing.
    emitState: Boolean(opts.store),
    takeIn: rec.count.takeIn,
    stallTimeoutMs: stall,
    startupTimeoutMs: Math.max(opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, stall),
    stopTimeoutMs: opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    clean: (text) => rec.clean(text),
  };
}
