import { availableParallelism } from 'node:os';
import { PROTOCOL_VERSION, type LogLevel, type WorkerEvent } from '../protocol/events.js';
import { privateFileMode } from '../sources/credentials.js';
import type { StoreError } from '../store/errors.js';
import type { TaskRunEnd } from '../store/rows.js';
import { ChildRunner, type ChildExit } from './child-runner.js';
import { exitOutcome } from './exit-policy.js';
import type { ExitOutcome } from './task-machine.js';
import { Exporter } from './exporter.js';
import { LogFiles } from './log-files.js';
import { DEFAULT_BACKOFF, DEFAULT_OFFLINE_BACKOFF, DEFAULT_RESTART_LIMIT, DEFAULT_STALL_TIMEOUT_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, type PoolOptions } from './pool-options.js';
import { ResourceSampler } from './resources.js';
import { Listeners } from './listeners.js';
import { Recorder } from './recorder.js';
import { DEFAULT_LIMITS, logEntryFor } from './results.js';
import { RunFolders } from './run-folder.js';
import { TaskLog } from './task-log.js';
import { defaultWorkerCommand, fairThreads, spawnWorkerProcess, workerArgs, workerEnv } from './spawn-worker.js';
import { hasChild, isFinal, taskTransition, type StopIntent, type TaskContext, type TaskEffect, type TaskEvent } from './task-machine.js';
import { TaskRecord } from './task-record.js';
import { systemTimers, type Timers } from './timers.js';
import { WorkerSlots } from './worker-slots.js';

const STOPPING = { stop: 'stopping…', cancel: 'cancelling…', restart: 'restarting…', shutdown: 'stopping: the run ends…' } as const;

/** How a task run ends in the store when its worker was stopped on purpose. */
const INTENT_END: Record<StopIntent, TaskRunEnd> = { stop: 'stopped', cancel: 'cancelled', restart: 'restarted', shutdown: 'interrupted' };

/**
 * Runs task records in worker children. The task machine decides every step of a task's life; this class feeds it
 * events (a slot is free, the child said hello or ended, a retry is due, a user command) and carries out the effects
 * it returns: spawning and stopping children, worker slots, the queue, retry timers, results and logs.
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
  protected readonly recorder: Recorder;
  protected readonly runs: RunFolders | null;
  protected storeFailure: StoreError | null = null;
  private readonly context: Omit<TaskContext, 'kind'>;

  constructor(protected readonly opts: PoolOptions) {
    this.timers = opts.timers ?? systemTimers;
    this.recorder = new Recorder(opts.store ?? null, () => this.timers.now(), (err) => this.onStoreFailure(err));
    this.runs = opts.outputDir ? new RunFolders(opts.outputDir, () => this.timers.now(), (run) => this.recorder.beginRun(run, opts.configPath ?? null)) : null;
    this.records = opts.tasks.map((spec) => new TaskRecord(spec, this.recorder.prepare(spec), opts.limits ?? DEFAULT_LIMITS));
    for (const r of this.records) this.byId.set(r.id, r);
    const fileMode = privateFileMode(opts.tasks.map((t) => t.source));
    const logFiles = opts.outputDir ? new LogFiles(opts.outputDir, { mode: fileMode }) : null;
    this.log = new TaskLog(logFiles, opts.logLevel ?? 'info');
    this.slots = new WorkerSlots(Math.max(1, opts.workerCount), (index, message) => logFiles?.worker(index, message));
    this.exporter = new Exporter(
      () => this.runs?.current.folder ?? null,
      () => this.records.map((r) => r.exportData()),
      () => this.timers.now(),
      () => this.notify(),
      fileMode,
    );
    this.context = {
      crashBackoff: opts.backoff ?? DEFAULT_BACKOFF,
      offlineBackoff: opts.offlineBackoff ?? DEFAULT_OFFLINE_BACKOFF,
      restartLimit: opts.restartLimit ?? DEFAULT_RESTART_LIMIT,
    };
  }

  protected schedule(): void {
    if (this.shuttingDown) return;
    // Children started together share the CPUs from the start, instead of the first one taking them all.
    const running = this.slots.busyCount() + Math.min(this.slots.idleCount(), this.queue.length);
    for (let slot = this.slots.freeSlot(); slot !== null && this.queue.length > 0; slot = this.slots.freeSlot()) {
      const rec = this.byId.get(this.queue.shift()!)!;
      rec.slot = slot;
      if (!this.dispatch(rec, { type: 'launch' }, running)) rec.slot = null;
    }
  }

  /** Feeds one event to the task's machine and carries out what it returns. False when the event does not apply. */
  protected dispatch(rec: TaskRecord, event: TaskEvent, running?: number): boolean {
    const result = taskTransition(rec.state, event, { kind: rec.spec.kind, ...this.context });
    if (!result.ok) {
      this.note(rec, 'warn', result.rejection.message);
      return false;
    }
    const wasFinal = isFinal(rec.state);
    rec.state = result.state;
    this.exporter.touch();
    for (const effect of result.effects ?? []) this.apply(rec, effect, running);
    if (isFinal(rec.state) && !wasFinal) {
      rec.results.endedAt = this.timers.now();
      rec.results.sample(this.timers.now(), rec.viewState());
    }
    this.changed();
    return true;
  }

  private apply(rec: TaskRecord, effect: TaskEffect, running?: number): void {
    const now = this.timers.now();
    switch (effect.type) {
      case 'spawn':
        return this.launch(rec, running);
      case 'stop-child':
        this.slots.stop(rec.slot!);
        if (rec.state.kind === 'stopping') this.note(rec, 'info', STOPPING[rec.state.intent]);
        return rec.runner?.requestStop();
      case 'free-slot':
        this.slots.release(rec.slot!);
        rec.slot = null;
        return;
      case 'queue':
        this.removeFromQueue(rec);
        if (effect.first) this.queue.unshift(rec.id);
        else this.queue.push(rec.id);
        return;
      case 'unqueue':
        return this.removeFromQueue(rec);
      case 'schedule-retry':
        rec.retryTimer = this.timers.setTimeout(() => {
          rec.retryTimer = null;
          this.dispatch(rec, { type: 'retry' });
          this.schedule();
        }, effect.delayMs);
        return;
      case 'cancel-retry':
        this.timers.clearTimeout(rec.retryTimer);
        rec.retryTimer = null;
        return;
      case 'carry-over':
        return rec.results.carryOver();
      case 'clear-results':
        return this.rerun(rec);
      case 'error-event':
        return this.emit({ v: PROTOCOL_VERSION, type: 'error', task: rec.id, ts: now, code: effect.code, message: rec.clean(effect.message), fatal: effect.fatal });
      case 'report':
        this.log.write(rec, { level: effect.level, message: effect.message }, now);
        if (effect.event) this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: now, level: effect.level, message: rec.clean(effect.message) });
        return;
    }
  }

  /** Starts a child for a task that holds a slot; `running` is how many children will share the CPUs with it. */
  protected launch(rec: TaskRecord, running = this.slots.busyCount() + 1): void {
    const slot = rec.slot!;
    rec.results.startedAt ??= this.timers.now();
    rec.results.endedAt = null;
    const threads = this.opts.threads ?? fairThreads(this.opts.cpus ?? availableParallelism(), running);
    rec.journal = this.recorder.beginTaskRun(rec.spec, rec.count, this.runs?.forChanges() ?? null);
    const runner: ChildRunner = new ChildRunner({
      command: this.opts.command ?? defaultWorkerCommand(),
      args: workerArgs(rec.spec, { threads, logLevel: this.opts.logLevel ?? 'info', ffmpeg: this.opts.ffmpeg, startFrame: rec.count.startFrame }),
      env: workerEnv(rec.spec),
      spawn: this.opts.spawn ?? spawnWorkerProcess,
      clean: (text) => rec.clean(text),
      timers: this.timers,
      stallTimeoutMs: this.stallTimeoutFor(rec),
      startupTimeoutMs: Math.max(this.opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, this.stallTimeoutFor(rec)),
      stopTimeoutMs: this.opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      onEvent: (ev) => rec.runner === runner && this.handleEvent(rec, ev),
      onNoise: (line) => rec.runner === runner && this.note(rec, 'warn', line),
      onExit: (exit) => rec.runner === runner && this.handleExit(rec, exit),
    });
    rec.runner = runner;
    this.slots.assign(slot, rec.id, runner.pid);
    this.note(rec, 'debug', `worker ${slot} started, pid ${runner.pid ?? '?'}, ${threads} thread${threads === 1 ? '' : 's'}`);
  }

  /**
   * A worker waiting out its own source time-out (`stall_timeout`) and reconnecting may be quiet for a while; the
   * pool only steps in well after that, so that it never fights the worker's own recovery.
   */
  protected stallTimeoutFor(rec: TaskRecord): number {
    const base = this.opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const own = rec.spec.options.stall_timeout;
    return own === undefined ? base : Math.max(base, own * 3000);
  }

  /**
   * Every worker event passes here, whatever runner delivered it: the recorder stores it first (a crossing is in the
   * store before anything shows it), then the results, the logs and the listeners (dashboard, NDJSON) see it.
   */
  protected handleEvent(rec: TaskRecord, raw: WorkerEvent): void {
    const received = { ...raw, task: rec.id } as WorkerEvent;
    if (received.type === 'hello' && rec.state.kind === 'starting') {
      this.slots.hello(rec.slot!);
      this.dispatch(rec, { type: 'hello' });
    }
    if (received.type === 'done' && received.reason === 'end') rec.journal?.finished();
    for (const ev of this.recorder.receive(rec.journal, rec.count, received)) {
      this.exporter.touch();
      rec.results.apply(ev);
      if (ev.type === 'progress') rec.results.sample(this.timers.now(), 'processing');
      const entry = logEntryFor(ev);
      if (entry) this.log.write(rec, entry, ev.ts);
      this.emit(ev);
    }
    this.notify();
  }

  /** The store stopped taking writes: every task with a worker says so, and counting goes on in memory. */
  protected onStoreFailure(err: StoreError): void {
    this.storeFailure = err;
    const now = this.timers.now();
    const message = `${err.message}; counting goes on in memory, and what was stored before is kept`;
    for (const rec of this.records) {
      if (!hasChild(rec.state)) continue;
      this.log.write(rec, { level: 'error', message }, now);
      this.emit({ v: PROTOCOL_VERSION, type: 'error', task: rec.id, ts: now, code: 'STORE_FAILED', message, fatal: false });
    }
    this.notify();
  }

  /** The task runs again from zero: a new count, and a new run folder if the current run's results are final. */
  protected rerun(rec: TaskRecord): void {
    this.runs?.forChanges();
    rec.startCount(this.recorder.fresh(rec.spec));
  }

  /** How the store records the end of a worker: on purpose (the stop's intent), at the source's end, or failed. */
  private runEnd(rec: TaskRecord, outcome: ExitOutcome): TaskRunEnd {
    if (outcome.kind === 'done' && outcome.reachedEnd) return 'end';
    if (rec.state.kind === 'stopping') return INTENT_END[rec.state.intent];
    return outcome.kind === 'done' ? 'end' : 'failed';
  }

  protected handleExit(rec: TaskRecord, exit: ChildExit): void {
    rec.runner = null;
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    this.note(rec, 'debug', `worker ${rec.slot} ended (${how})${exit.killedAfterStop ? ' after ignoring stop' : ''}`);
    const random = this.opts.random ?? Math.random;
    const outcome = exitOutcome(exit);
    this.recorder.endTaskRun(rec.journal, this.runEnd(rec, outcome));
    rec.journal = null;
    this.dispatch(rec, { type: 'exit', outcome, now: this.timers.now(), jitter: random() });
    if (this.shuttingDown && !this.records.some((r) => r.runner)) this.childrenGone?.();
    this.schedule();
    this.changed();
  }

  protected removeFromQueue(rec: TaskRecord): void {
    const i = this.queue.indexOf(rec.id);
    if (i >= 0) this.queue.splice(i, 1);
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
      if (!this.shuttingDown && this.autoExports()) this.exporter.startAutomatic(() => this.sealRun());
    }
    this.wasFinished = finished;
  }

  /** Every task has finished and the results are written: the run folder is final. */
  protected sealRun(): void {
    if (!this.runs || this.runs.isSealed || !this.records.every((r) => isFinal(r.state))) return;
    this.runs.seal();
    this.recorder.endRun(this.runs.current, 'finished');
  }

  protected autoExports(): boolean {
    return this.opts.outputDir !== null && this.opts.autoExport !== false;
  }

  protected notify(): void {
    this.changes.emit();
  }
}
