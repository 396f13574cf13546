import type { ChildProcess } from 'node:child_process';

/**
 * The project's one kill policy for child processes (workers in the parent, ffmpeg in a worker): ask, then SIGKILL
 * after a delay; reach a whole process group when the child leads one; and never let a child outlive its parent.
 *
 * execa has the same three pieces (`forceKillAfterDelay`, `cleanup`), but it signals only the child itself, not its
 * group, turns `cleanup` off for detached children, and runs its delay on the real clock; the pool needs group kills
 * of detached workers and timers that tests can drive.
 */

export interface KillTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: KillTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal` to the child's process group when `group` is set (it was spawned detached), else to the child. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined || hasExited(child)) return;
  if (group) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // Not a group leader after all: signal the child alone.
    }
  }
  try {
    child.kill(signal);
  } catch {
    // Already gone: nothing to signal.
  }
}

export interface TerminateOptions {
  /** How to ask: a signal, or a function that asks some other way (a stop command on stdin). */
  ask: NodeJS.Signals | (() => void);
  /** SIGKILL after this long if the child has not exited by then. */
  forceAfterMs: number;
  /** Signal the child's whole process group. */
  group: boolean;
  timers?: KillTimers;
  /** Called just before the SIGKILL. */
  onForce?(): void;
}

/** Asks the child to end and SIGKILLs it after `forceAfterMs` unless it exits first. Returns a function that cancels the SIGKILL. */
export function terminate(child: ChildProcess, opts: TerminateOptions): () => void {
  const timers = opts.timers ?? realTimers;
  if (hasExited(child)) return () => {};
  if (typeof opts.ask === 'function') opts.ask();
  else signalChild(child, opts.ask, opts.group);
  const timer = timers.setTimeout(() => {
    if (hasExited(child)) return;
    opts.onForce?.();
    signalChild(child, 'SIGKILL', opts.group);
  }, opts.forceAfterMs);
  const cancel = () => timers.clearTimeout(timer);
  child.once('exit', cancel);
  return cancel;
}

const owned = new Map<ChildProcess, boolean>();
let exitHookInstalled = false;

/**
 * SIGKILLs the child (and its group when `group` is set) if this process exits while the child still runs, whatever
 * makes it exit. The child leaves the list by itself when it exits.
 */
export function killOnExit(child: ChildProcess, group: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const [c, g] of owned) signalChild(c, 'SIGKILL', g);
    });
  }
  owned.set(child, group);
  child.once('exit', () => owned.delete(child));
  // A child that could not be spawned has no pid and will never exit.
  child.once('error', () => child.pid === undefined && owned.delete(child));
}
