import { availableParallelism } from 'node:os';
import { PROTOCOL_VERSION, type LogLevel, type WorkerEvent } from '../protocol/events.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { ChildRunner, type ChildExit } from './child-runner.js';
import { failureCode, failureReason, settleEvent, type ExitIntent } from './exit-policy.js';
import { Exporter } from './exporter.js';
import { LogFiles } from './log-files.js';
import { DEFAULT_RESTART_LIMIT, DEFAULT_STALL_TIMEOUT_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, type PoolOptions } from './pool-options.js';
import { ResourceSampler } from './resources.js';
import { Listeners } from './listeners.js';
import { DEFAULT_LIMITS, logEntryFor } from './results.js';
import { TaskLog } from './task-log.js';
import { defaultWorkerCommand, fairThreads, spawnWorkerProcess, workerArgs } from './spawn-worker.js';
import { isFinal, taskTransition, type TaskEvent } from './task-machine.js';
import { TaskRecord } from './task-record.js';
import { systemTimers, type Timers } from './timers.js';
import { WorkerSlots } from './worker-slots.js';
import { previewCommand } from './preview-request.js';

/**
 * Runs task records in worker children: takes queued tasks into free worker slots, reads each child's events into
 * the task's results, and decides what a child's exit means (done, stopped, failed, restarted after a backoff).
 * {@link Pool} adds the commands and the shutdown on top.
 */
export abstract class Supervisor {
  protected readonly records: TaskRecord[];
  protected readonly byId = new Map<string, TaskRecord>();
  protected readonly slots: WorkerSlots;
  protected readonly queue: string[] = [];
  protected readonly timers: Timers;
  protected readonly log: TaskLog;
  protected readonly sampler = new ResourceSampler();
  protected readonly changes = new Listeners<void>();
  protected readonly events = new Listeners<WorkerEvent>();
  protected sampleTimer: unknown = null;
  protected shuttingDown = false;
  protected childrenGone: (() => void) | null = null;
  protected finishedWaiters: (() => void)[] = [];
  protected wasFinished = false;
  protected readonly exporter: Exporter;

  constructor(protected readonly opts: PoolOptions) {
    this.timers = opts.timers ?? systemTimers;
    const restartLimit = opts.restartLimit ?? DEFAULT_RESTART_LIMIT;
    this.records = opts.tasks.map((spec) => new TaskRecord(spec, opts.limits ?? DEFAULT_LIMITS, restartLimit));
    for (const r of this.records) this.byId.set(r.id, r);
    const logFiles = opts.outputDir ? new LogFiles(opts.outputDir) : null;
    this.log = new TaskLog(logFiles, opts.logLevel ?? 'info');
    this.slots = new WorkerSlots(Math.max(1, opts.workerCount), (index, message) => logFiles?.worker(index, message));
    this.exporter = new Exporter(
      opts.outputDir,
      () => this.records.map((r) => r.exportData()),
      () => this.timers.now(),
      () => this.notify(),
    );
  }

  protected schedule(): void {
    if (this.shuttingDown) return;
    // Children started together share the CPUs from the start, instead of the first one taking them all.
    const running = this.slots.busyCount() + Math.min(this.slots.idleCount(), this.queue.length);
    for (let slot = this.slots.freeSlot(); slot !== null && this.queue.length > 0; slot = this.slots.freeSlot()) {
      const rec = this.byId.get(this.queue.shift()!)!;
      if (!this.transition(rec, { type: 'start' })) continue;
      rec.slot = slot;
      this.launch(rec, running);
    }
  }

  /** Starts a child for a task that holds a slot; `running` is how many children will share the CPUs with it. */
  protected launch(rec: TaskRecord, running = this.slots.busyCount() + 1): void {
    const slot = rec.slot!;
    rec.results.startedAt ??= this.timers.now();
    rec.results.endedAt = null;
    const threads = fairThreads(this.opts.cpus ?? availableParallelism(), running);
    const args = workerArgs(rec.spec, { threads, logLevel: this.opts.logLevel ?? 'info' });
    const runner: ChildRunner = new ChildRunner({
      command: this.opts.command ?? defaultWorkerCommand(),
      args,
      spawn: this.opts.spawn ?? spawnWorkerProcess,
      timers: this.timers,
      stallTimeoutMs: this.stallTimeoutFor(rec),
      startupTimeoutMs: Math.max(this.opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, this.stallTimeoutFor(rec)),
      stopTimeoutMs: this.opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      onEvent: (ev) => rec.runner === runner && this.handleEvent(rec, ev),
      onNoise: (line) => rec.runner === runner && this.note(rec, 'warn', line),
      onExit: (exit) => rec.runner === runner && this.handleExit(rec, exit),
    });
    rec.runner = runner;
    rec.preview = null;
    if (rec.previewRequest) runner.send(previewCommand(rec.previewRequest));
    this.slots.assign(slot, rec.id, runner.pid);
    this.note(rec, 'debug', `worker ${slot} started, pid ${runner.pid ?? '?'}, ${threads} thread${threads === 1 ? '' : 's'}`);
    this.changed();
  }

  /**
   * A worker waiting out its own source time-out (`stall_timeout`) and reconnecting may be quiet for a while; the
   * pool only steps in well after that, so that it never fights the worker's own recovery.
   */
  protected stallTimeoutFor(rec: TaskRecord): number {
    const base = this.opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    return rec.spec.stallTimeout === undefined ? base : Math.max(base, rec.spec.stallTimeout * 3000);
  }

  protected handleEvent(rec: TaskRecord, raw: WorkerEvent): void {
    const ev = { ...raw, task: rec.id } as WorkerEvent;
    // Pictures are for whoever watches the task, not part of its results or of the merged event stream.
    if (ev.type === 'preview') {
      rec.preview = ev;
      return this.notify();
    }
    this.exporter.touch();
    rec.results.apply(ev);
    if (ev.type === 'progress') rec.results.sample(this.timers.now(), 'processing');
    const entry = logEntryFor(ev);
    if (entry) this.log.write(rec, entry, ev.ts);
    this.emit(ev);
    this.notify();
  }

  protected handleExit(rec: TaskRecord, exit: ChildExit): void {
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
      const reason = failureReason(exit, rec.spec.kind);
      if (reason === null) this.finishRun(rec, null, exit);
      else this.fail(rec, reason, exit);
    }
    if (this.shuttingDown && !this.records.some((r) => r.runner)) this.childrenGone?.();
    this.schedule();
    this.changed();
  }

  /** A child (or a backoff wait) ended for a reason other than a failure: settle the task, free the slot. */
  protected finishRun(rec: TaskRecord, intent: Exclude<ExitIntent, 'restart'> | null, exit: ChildExit | null): void {
    this.slots.free(rec.slot!);
    rec.slot = null;
    rec.results.endedAt = this.timers.now();
    this.transition(rec, settleEvent(intent, rec.spec.kind, exit));
    rec.results.sample(this.timers.now(), rec.state.kind);
  }

  protected fail(rec: TaskRecord, reason: string, exit: ChildExit): void {
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
      this.log.write(rec, { level: 'error', message: why }, now);
      this.transition(rec, { type: 'fail', reason: why });
      rec.results.sample(now, rec.state.kind);
      return;
    }
    rec.window.record(now);
    rec.restarts += 1;
    const delay = backoffDelay(rec.window.count(now), this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random ?? Math.random);
    const message = `${reason}; restart ${rec.restarts} in ${(delay / 1000).toFixed(1)} s`;
    this.log.write(rec, { level: 'warn', message }, now);
    this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: now, level: 'warn', message });
    rec.results.carryOver();
    rec.backoffTimer = this.timers.setTimeout(() => {
      rec.backoffTimer = null;
      this.slots.recover(slot);
      this.launch(rec);
    }, delay);
  }

  protected clearBackoff(rec: TaskRecord): void {
    this.timers.clearTimeout(rec.backoffTimer);
    rec.backoffTimer = null;
  }

  protected transition(rec: TaskRecord, event: TaskEvent): boolean {
    const result = taskTransition(rec.state, event);
    if (!result.ok) {
      this.note(rec, 'warn', result.rejection.message);
      return false;
    }
    rec.state = result.state;
    this.exporter.touch();
    return true;
  }

  protected note(rec: TaskRecord, level: LogLevel, message: string): void {
    this.log.write(rec, { level, message }, this.timers.now());
    this.notify();
  }

  protected emit(event: WorkerEvent): void {
    this.events.emit(event);
  }

  protected sampleResources(): void {
    const pids = new Map<number, number>();
    for (const r of this.records) if (r.runner?.pid && r.slot !== null) pids.set(r.runner.pid, r.slot);
    const usage = this.sampler.sample([...pids.keys()], this.timers.now());
    this.slots.setUsage(new Map([...usage].map(([pid, u]) => [pids.get(pid)!, u])));
    this.notify();
  }

  protected changed(): void {
    this.checkFinished();
    this.notify();
  }

  protected checkFinished(): void {
    const finished = this.records.every((r) => isFinal(r.state));
    if (finished && !this.wasFinished) {
      for (const w of this.finishedWaiters.splice(0)) w();
      // The shutdown exports on its own once the children are gone.
      if (!this.shuttingDown && this.autoExports()) this.exporter.startAutomatic();
    }
    this.wasFinished = finished;
  }

  protected autoExports(): boolean {
    return this.opts.outputDir !== null && this.opts.autoExport !== false;
  }

  protected notify(): void {
    this.changes.emit();
  }
}
