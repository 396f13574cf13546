import type { Writable } from 'node:stream';
import type { Pool } from './orchestrator/pool.js';
import { runExitCode, signalledExitCode } from './orchestrator/snapshot.js';
import type { PoolSnapshot } from './orchestrator/types.js';
import { NdjsonWriter } from './protocol/ndjson.js';
import { PROTOCOL_VERSION } from './protocol/events.js';
import { STOP_SIGNALS, type SignalLatch, type StopSignal } from './common/signal-latch.js';

export interface HeadlessOptions {
  stdout?: Writable;
  /** Called once the pool has begun (a fleet controller starts reading its agents' events then). */
  begun?: () => Promise<void>;
  /** Holds a signal that came while the run was starting: the run then begins and stops at once, as after a later one. */
  latch?: SignalLatch;
}

function summaryEvent(snapshot: PoolSnapshot, exitCode: number): Record<string, unknown> {
  return {
    v: PROTOCOL_VERSION,
    type: 'summary',
    ts: Date.now(),
    exit_code: exitCode,
    completed: snapshot.completed,
    failed: snapshot.failed,
    cancelled: snapshot.cancelled,
    left_running: snapshot.left,
    total_in: snapshot.tasks.reduce((s, t) => s + t.in, 0),
    total_out: snapshot.tasks.reduce((s, t) => s + t.out, 0),
    tasks: snapshot.tasks.map((t) => ({
      task: t.id,
      kind: t.kind,
      source: t.source,
      state: t.state,
      reason: t.reason,
      in: t.in,
      out: t.out,
      occupancy: t.occupancy,
      lines: t.lines,
      frames: t.frames ?? 0,
      restarts: t.restarts,
    })),
    export: snapshot.lastExport ?? null,
    store: snapshot.store ?? null,
    run: snapshot.run ?? null,
  };
}

/**
 * Runs the pool without a terminal UI: every task's events merged on stdout as NDJSON (each with `task`), then one
 * `summary` line. SIGINT, SIGTERM or SIGHUP (the SSH session dropped) stops the workers, ends the run in the store
 * and still prints the summary (the status: signalledExitCode). When the reader goes away (a
 * pipe into `head`), the workers are stopped and the run ends quietly with status 0.
 */
export async function runHeadless(pool: Pool, opts: HeadlessOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  let readerGone = false;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const writer = new NdjsonWriter(stdout, () => {
    readerGone = true;
    stopRequested();
  });
  // A few events a second per task: a slow reader only makes them wait in the stream's buffer, so the workers are
  // never paused for it (a live camera must not fall behind because of a pipe).
  const offEvents = pool.onEvent((event) => writer.write(event));
  let stoppedBy: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    stoppedBy ??= signal;
    stopRequested();
  };
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  // The signal the latch held while the run was starting, so that one before and one after end the run alike.
  const early = opts.latch?.take();
  if (early) onSignal(early);
  try {
    pool.begin();
    await opts.begun?.();
    await Promise.race([pool.whenFinished(), stopped]);
    await pool.shutdown();
  } finally {
    offEvents();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
  if (readerGone) return 0;
  const snapshot = pool.snapshot();
  const code = stoppedBy === null ? runExitCode(snapshot) : signalledExitCode(snapshot, stoppedBy);
  writer.write(summaryEvent(snapshot, code));
  await writer.flush();
  return code;
}
