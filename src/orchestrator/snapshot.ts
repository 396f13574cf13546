import { STOP_SIGNALS, type StopSignal } from '../common/signal-latch.js';
import type { PoolSnapshot, TaskView, WorkerView } from './types.js';

/** The plain-data view the dashboard and the headless printer read, with the header's totals. */
export function buildSnapshot(tasks: TaskView[], workers: WorkerView[], queued: number, lastExport: PoolSnapshot['lastExport']): PoolSnapshot {
  const count = (state: TaskView['state']) => tasks.filter((t) => t.state === state).length;
  const usage = new Map(workers.filter((w) => w.task !== null && w.state === 'processing').map((w) => [w.task!, w]));
  return {
    tasks: tasks.map((t) => {
      const w = usage.get(t.id);
      return w ? { ...t, cpuPercent: w.cpuPercent ?? 0, rssBytes: w.rssBytes ?? 0 } : t;
    }),
    workers,
    active: workers.filter((w) => w.state === 'processing').length,
    queued,
    completed: count('completed'),
    failed: count('error'),
    cancelled: count('cancelled'),
    left: count('left'),
    totalFps: tasks.filter((t) => t.state === 'processing').reduce((s, t) => s + t.fps, 0),
    childCpuPercent: workers.reduce((s, w) => s + (w.cpuPercent ?? 0), 0),
    childRssBytes: workers.reduce((s, w) => s + (w.rssBytes ?? 0), 0),
    finished: tasks.every((t) => t.state === 'completed' || t.state === 'error' || t.state === 'cancelled' || t.state === 'left'),
    lastExport,
  };
}

/**
 * The exit status of a run, headless or in the dashboard: 0 when every task ended completed (a camera stopped at the
 * end of the run counts as completed) or was left running in its fleet on purpose, every crossing is in the store
 * and the last export was written, else 1 (a task failed, or was cancelled or cut short, counts only lived in memory,
 * or the run folder has no results: a script that reads results.json after status 0 must find it).
 */
export function runExitCode(snapshot: PoolSnapshot): number {
  return snapshot.tasks.every((t) => t.state === 'completed' || t.state === 'left') && !snapshot.store?.error && !snapshot.lastExport?.error ? 0 : 1;
}

/**
 * The exit status of a run a stop signal (or the dashboard's Ctrl-C) ended. One it cut short (a file interrupted, a
 * task that failed) exits as shells report the signal, 128 + its number (130 for Ctrl-C), rather than with the 1 of a
 * failure; one whose tasks all ended well exits 0, as documented: a camera's end is a stop, and a task left
 * running in its fleet was left on purpose (a service manager's SIGTERM must not read as a failure).
 */
export function signalledExitCode(snapshot: PoolSnapshot, signal: StopSignal): number {
  return runExitCode(snapshot) === 0 ? 0 : STOP_SIGNALS[signal];
}
