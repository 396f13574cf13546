import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { vtest, vtestGt } from './footage.js';

/** Paths and a child-process harness for tests that run the real `pcount-tui worker` CLI. */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export { vtest };
export const gtPath = vtestGt;
export const cliBin = path.join(repoRoot, 'bin', 'pcount-tui.js');

export interface WorkerChild {
  child: ChildProcess;
  /** Raw stdout lines, in order. */
  lines: string[];
  /** Lines parsed as JSON (a non-JSON line fails the JSON.parse and is recorded as such by the tests). */
  events: WorkerEvent[];
  stderr(): string;
  /** Resolves with the first event (already seen or future) that satisfies `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (e: WorkerEvent) => boolean, timeoutMs: number, what: string): Promise<WorkerEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(args: string[], opts: { stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): WorkerChild {
  const child = spawn(process.execPath, [cliBin, 'worker', ...args], {
    cwd: repoRoot,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  const lines: string[] = [];
  const events: WorkerEvent[] = [];
  let stderr = '';
  const waiters: { pred: (e: WorkerEvent) => boolean; resolve: (e: WorkerEvent) => void }[] = [];
  const splitter = new LineSplitter();
  const onLine = (line: string) => {
    lines.push(line);
    let e: WorkerEvent;
    try {
      e = JSON.parse(line) as WorkerEvent;
    } catch {
      return;
    }
    events.push(e);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(e)) waiters.splice(i, 1)[0].resolve(e);
    }
  };
  child.stdout!.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  child.stdout!.on('end', () => splitter.end().forEach(onLine));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    events,
    stderr: () => stderr,
    exited,
    waitFor(pred, timeoutMs, what) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

/** Runs the worker to its end, killing it (and failing) if it takes longer than `timeoutMs`. */
export async function runWorkerCli(args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv) {
  const w = spawnWorker(args, { env });
  const started = performance.now();
  const timer = setTimeout(() => w.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await w.exited;
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`worker ${args.join(' ')} did not finish within ${timeoutMs} ms`);
  return { code, lines: w.lines, events: w.events, stderr: w.stderr(), seconds: (performance.now() - started) / 1000 };
}

/** Kills a child if the test ends while it still runs. */
export function killLater(child: ChildProcess): () => void {
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
}

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives the promise. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `pred()` holds, checked every 10 ms; rejects naming `what` after `ms`. */
export async function waitUntil(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
