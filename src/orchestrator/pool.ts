import { availableParallelism } from 'node:os';
import { PROTOCOL_VERSION, type LogLevel, type WorkerEvent } from '../protocol/events.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { ChildRunner, type ChildExit } from './child-runner.js';
import { failureCode, failureReason, settleEvent, type ExitIntent } from './exit-policy.js';
import { Exporter } from './exporter.js';
import { LogFiles } from './log-files.js';
import { DEFAULT_RESTART_LIMIT, DEFAULT_STALL_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, type PoolOptions } from './pool-options.js';
import { ResourceSampler } from './resources.js';
import { DEFAULT_LIMITS, levelAtLeast, logEntryFor, type LogEntry } from './results.js';
import { buildSnapshot } from './snapshot.js';
import { defaultWorkerCommand, fairThreads, spawnWorkerProcess, workerArgs } from './spawn-worker.js';
import { isFinal, taskTransition, type TaskEvent } from './task-machine.js';
import { TaskRecord } from './task-record.js';
import { systemTimers, type Timers } from './timers.js';
import type { PoolControl, PoolSnapshot } from './types.js';
import { WorkerSlots } from './worker-slots.js';

export type { PoolOptions } from './pool-options.js';

/**
 * Runs the tasks in at most `workerCount` children and queues the rest. Key semantics (the dashboard's keys):
 * - start (`s`): a pending task jumps the queue; a finished one is reset and queued first to run again.
 * - stop (`x`): the child is asked to finish; its final counts are kept and the task is completed ("stopped by user").
 * - cancel (`c`): a pending task leaves the queue; a running one is stopped and marked cancelled, counts kept for the record.
 * - restart (`r`): the task runs again from zero now (its child is stopped first), also out of error.
 */
export class Pool implements PoolControl {
  private readonly records: TaskRecord[];
  private readonly byId = new Map<string, TaskRecord>();
  private readonly slots: WorkerSlots;
  private readonly queue: string[] = [];
  private readonly timers: Timers;
  private readonly logFiles: LogFiles | null;
  private readonly sampler = new ResourceSampler();
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: WorkerEvent) => void>();
  private sampleTimer: unknown = null;
  private shutdownPromise: Promise<void> | null = null;
  private shuttingDown = false;
  private childrenGone: (() => void) | null = null;
  private finishedWaiters: (() => void)[] = [];
  private wasFinished = false;
  private readonly exporter: Exporter;

  constructor(private readonly opts: PoolOptions) {
    this.timers = opts.timers ?? systemTimers;
    const restartLimit = opts.restartLimit ?? DEFAULT_RESTART_LIMIT;
    this.records = opts.tasks.map((spec) => new TaskRecord(spec, opts.limits ?? DEFAULT_LIMITS, restartLimit));
    for (const r of this.records) this.byId.set(r.id, r);
    this.slots = new WorkerSlots(Math.max(1, opts.workerCount), (index, message) => this.logFiles?.worker(index, message));
    this.logFiles = opts.outputDir ? new LogFiles(opts.outputDir) : null;
    this.exporter = new Exporter(
      opts.outputDir,
      () => this.records.map((r) => r.exportData()),
      () => this.timers.now(),
      () => this.notify(),
    );
  }

  /** Starts the queued tasks and the resource sampling. */
  begin(): void {
    if (this.sampleTimer !== null || this.shuttingDown) return;
    this.queue.push(...this.records.filter((r) => r.state.kind === 'pending' && !this.queue.includes(r.id)).map((r) => r.id));
    this.sampleTimer = this.timers.setInterval(() => this.sampleResources(), this.opts.sampleIntervalMs ?? 1000);
    this.schedule();
    this.checkFinished();
    this.notify();
  }

  snapshot(): PoolSnapshot {
    return buildSnapshot(
      this.records.map((r) => r.view()),
      this.slots.views(),
      this.queue.length,
      this.exporter.last,
    );
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Resolves once every task is in a final state. */
  whenFinished(): Promise<void> {
    if (this.records.every((r) => isFinal(r.state))) return Promise.resolve();
    return new Promise((resolve) => this.finishedWaiters.push(resolve));
  }

  start(taskId: string): void {
    const rec = this.byId.get(taskId);
    if (!rec || this.shuttingDown) return;
    if (rec.state.kind === 'processing') return this.note(rec, 'warn', 'already running');
    if (isFinal(rec.state)) {
      if (!this.transition(rec, { type: 'reset' })) return;
      rec.resetForRerun();
    }
    this.enqueueFirst(rec);
  }

  stop(taskId: string): void {
    const rec = this.byId.get(taskId);
    if (!rec || this.shuttingDown) return;
    if (rec.state.kind !== 'processing') return this.note(rec, 'warn', `cannot stop a ${rec.state.kind} task: it is not running`);
    this.endRun(rec, 'stop');
  }

  cancel(taskId: string): void {
    const rec = this.byId.get(taskId);
    if (!rec || this.shuttingDown) return;
    if (rec.state.kind === 'pending') {
      this.removeFromQueue(rec);
      this.transition(rec, { type: 'cancel', reason: 'cancelled before it started' });
      return this.changed();
    }
    if (rec.state.kind !== 'processing') {
      this.transition(rec, { type: 'cancel', reason: 'cancelled by user' });
      return;
    }
    this.endRun(rec, 'cancel');
  }

  restart(taskId: string): void {
    const rec = this.byId.get(taskId);
    if (!rec || this.shuttingDown) return;
    if (rec.state.kind !== 'processing') return this.start(taskId);
    this.endRun(rec, 'restart');
  }

  async exportResults(dir?: string): Promise<string[]> {
    return this.exporter.exportTo(dir ?? this.opts.exportDir ?? this.opts.outputDir);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  /** Last resort from a process 'exit' handler: SIGKILL every child group synchronously. */
  killAll(): void {
    for (const r of this.records) r.runner?.kill();
  }

  private async runShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.queue.length = 0;
    for (const rec of this.records) {
      if (rec.state.kind === 'pending') this.transition(rec, { type: 'cancel', reason: 'not started: the run was stopped' });
    }
    for (const rec of this.records) {
      if (rec.runner) {
        rec.exitIntent = 'shutdown';
        rec.runner.requestStop();
      } else if (rec.backoffTimer !== null) {
        this.clearBackoff(rec);
        this.finishRun(rec, 'shutdown', null);
      }
    }
    if (this.records.some((r) => r.runner)) await new Promise<void>((resolve) => (this.childrenGone = resolve));
    this.slots.shutdownAll();
    if (this.sampleTimer !== null) this.timers.clearInterval(this.sampleTimer);
    const ran = this.records.some((r) => r.results.startedAt !== null);
    if (this.autoExports() && ran) await this.exporter.finalExport();
    await this.logFiles?.close();
    this.notify();
  }

  private enqueueFirst(rec: TaskRecord): void {
    this.removeFromQueue(rec);
    this.queue.unshift(rec.id);
    this.schedule();
    this.changed();
  }

  private removeFromQueue(rec: TaskRecord): void {
    const i = this.queue.indexOf(rec.id);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private schedule(): void {
    if (this.shuttingDown) return;
    for (let slot = this.slots.freeSlot(); slot !== null && this.queue.length > 0; slot = this.slots.freeSlot()) {
      const rec = this.byId.get(this.queue.shift()!)!;
      if (!this.transition(rec, { type: 'start' })) continue;
      rec.slot = slot;
      this.launch(rec);
    }
  }

  private launch(rec: TaskRecord): void {
    const slot = rec.slot!;
    rec.results.startedAt ??= this.timers.now();
    rec.results.endedAt = null;
    const threads = fairThreads(this.opts.cpus ?? availableParallelism(), this.slots.busyCount() + 1);
    const args = workerArgs(rec.spec, { threads, logLevel: this.opts.logLevel ?? 'info' });
    const runner: ChildRunner = new ChildRunner({
      command: this.opts.command ?? defaultWorkerCommand(),
      args,
      spawn: this.opts.spawn ?? spawnWorkerProcess,
      timers: this.timers,
      stallTimeoutMs: this.stallTimeoutFor(rec),
      stopTimeoutMs: this.opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      onEvent: (ev) => rec.runner === runner && this.handleEvent(rec, ev),
      onNoise: (line) => rec.runner === runner && this.note(rec, 'warn', line),
      onExit: (exit) => rec.runner === runner && this.handleExit(rec, exit),
    });
    rec.runner = runner;
    this.slots.assign(slot, rec.id, runner.pid);
    this.note(rec, 'debug', `worker ${slot} started, pid ${runner.pid ?? '?'}, ${threads} thread${threads === 1 ? '' : 's'}`);
    this.changed();
  }

  /**
   * A worker waiting out its own source time-out (`stall_timeout`) and reconnecting may be quiet for a while; the
   * pool only steps in well after that, so that it never fights the worker's own recovery.
   */
  private stallTimeoutFor(rec: TaskRecord): number {
    const base = this.opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    return rec.spec.stallTimeout === undefined ? base : Math.max(base, rec.spec.stallTimeout * 3000);
  }

  private handleEvent(rec: TaskRecord, raw: WorkerEvent): void {
    const ev = { ...raw, task: rec.id } as WorkerEvent;
    this.exporter.touch();
    rec.results.apply(ev);
    if (ev.type === 'progress') rec.results.sample(this.timers.now(), 'processing');
    const entry = logEntryFor(ev);
    if (entry) this.writeLog(rec, entry, ev.ts);
    this.emit(ev);
    this.notify();
  }

  private handleExit(rec: TaskRecord, exit: ChildExit): void {
    rec.runner = null;
    const intent = this.shuttingDown ? 'shutdown' : rec.exitIntent;
    rec.exitIntent = null;
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    this.note(rec, 'debug', `worker ${rec.slot} ended (${how})${exit.killedAfterStop ? ' after ignoring stop' : ''}`);
    if (intent === 'restart') {
      this.slots.release(rec.slot!);
      rec.resetForRerun();
      this.launch(rec);
    } else if (intent) {
      this.finishRun(rec, intent, exit);
    } else {
      const reason = failureReason(exit, rec.spec.kind, this.stallTimeoutFor(rec));
      if (reason === null) this.finishRun(rec, null, exit);
      else this.fail(rec, reason, exit);
    }
    if (this.shuttingDown && !this.records.some((r) => r.runner)) this.childrenGone?.();
    this.schedule();
    this.changed();
  }

  /** A child (or a backoff wait) ended for a reason other than a failure: settle the task, free the slot. */
  private finishRun(rec: TaskRecord, intent: Exclude<ExitIntent, 'restart'> | null, exit: ChildExit | null): void {
    this.slots.free(rec.slot!);
    rec.slot = null;
    rec.results.endedAt = this.timers.now();
    this.transition(rec, settleEvent(intent, rec.spec.kind, exit));
    rec.results.sample(this.timers.now(), rec.state.kind);
  }

  private fail(rec: TaskRecord, reason: string, exit: ChildExit): void {
    const now = this.timers.now();
    const slot = rec.slot!;
    this.slots.crash(slot, reason);
    const retry = rec.spec.kind === 'camera' && rec.window.allows(now);
    // A worker's own fatal error event already told the listeners why; otherwise say what the pool saw.
    if (!exit.lastError?.fatal) this.emit({ v: PROTOCOL_VERSION, type: 'error', task: rec.id, ts: now, code: failureCode(exit), message: reason, fatal: !retry });
    if (!retry) {
      this.slots.recover(slot);
      rec.slot = null;
      rec.results.endedAt = now;
      const limit = rec.window.limit;
      const why = rec.spec.kind === 'camera' ? `${reason}; gave up after ${limit} restarts in ${rec.window.windowMs / 1000} s (r restarts it)` : reason;
      this.writeLog(rec, { level: 'error', message: why }, now);
      this.transition(rec, { type: 'fail', reason: why });
      rec.results.sample(now, rec.state.kind);
      return;
    }
    rec.window.record(now);
    rec.restarts += 1;
    const delay = backoffDelay(rec.window.count(now), this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random ?? Math.random);
    const message = `${reason}; restart ${rec.restarts} in ${(delay / 1000).toFixed(1)} s`;
    this.writeLog(rec, { level: 'warn', message }, now);
    this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: now, level: 'warn', message });
    rec.results.carryOver();
    rec.backoffTimer = this.timers.setTimeout(() => {
      rec.backoffTimer = null;
      this.slots.recover(slot);
      this.launch(rec);
    }, delay);
  }

  private clearBackoff(rec: TaskRecord): void {
    this.timers.clearTimeout(rec.backoffTimer);
    rec.backoffTimer = null;
  }

  /** Stop, cancel or restart a processing task: through its child when it has one, at once while it waits out a backoff. */
  private endRun(rec: TaskRecord, intent: 'stop' | 'cancel' | 'restart'): void {
    if (rec.runner) {
      rec.exitIntent = intent;
      this.note(rec, 'info', `${intent === 'stop' ? 'stopping' : intent === 'cancel' ? 'cancelling' : 'restarting'}…`);
      rec.runner.requestStop();
      return this.changed();
    }
    this.clearBackoff(rec);
    if (intent === 'restart') {
      this.slots.recover(rec.slot!);
      rec.resetForRerun();
      this.launch(rec);
    } else {
      this.finishRun(rec, intent, null);
      this.schedule();
    }
    this.changed();
  }

  private transition(rec: TaskRecord, event: TaskEvent): boolean {
    const result = taskTransition(rec.state, event);
    if (!result.ok) {
      this.note(rec, 'warn', result.rejection.message);
      return false;
    }
    rec.state = result.state;
    this.exporter.touch();
    return true;
  }

  private note(rec: TaskRecord, level: LogLevel, message: string): void {
    this.writeLog(rec, { level, message }, this.timers.now());
    this.notify();
  }

  private writeLog(rec: TaskRecord, entry: LogEntry, ts: number): void {
    if (!levelAtLeast(entry.level, this.opts.logLevel ?? 'info')) return;
    rec.results.log(ts, entry);
    const line = `${entry.level.toUpperCase().padEnd(5)} [${rec.id}] ${entry.message}`;
    if (rec.slot !== null) this.logFiles?.worker(rec.slot, line);
    if (rec.spec.kind === 'camera') this.logFiles?.camera(rec.id, line);
  }

  private emit(event: WorkerEvent): void {
    for (const l of this.eventListeners) l(event);
  }

  private sampleResources(): void {
    const pids = new Map<number, number>();
    for (const r of this.records) if (r.runner?.pid && r.slot !== null) pids.set(r.runner.pid, r.slot);
    const usage = this.sampler.sample([...pids.keys()], this.timers.now());
    this.slots.setUsage(new Map([...usage].map(([pid, u]) => [pids.get(pid)!, u])));
    this.notify();
  }

  private changed(): void {
    this.checkFinished();
    this.notify();
  }

  private checkFinished(): void {
    const finished = this.records.every((r) => isFinal(r.state));
    if (finished && !this.wasFinished) {
      for (const w of this.finishedWaiters.splice(0)) w();
      // The shutdown exports on its own once the children are gone.
      if (!this.shuttingDown && this.autoExports()) this.exporter.startAutomatic();
    }
    this.wasFinished = finished;
  }

  private autoExports(): boolean {
    return this.opts.outputDir !== null && this.opts.autoExport !== false;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}
