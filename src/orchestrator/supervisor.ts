import { PROTOCOL_VERSION, type LogLevel, type WorkerEvent } from '../protocol/events.js';
import type { ProtocolErrorCode } from '../protocol/error-codes.js';
import { privateFileMode } from '../sources/credentials.js';
import type { StoreError } from '../store/errors.js';
import { EventIntake } from './event-intake.js';
import { Exporter } from './exporter.js';
import { launchSettings } from './launch-settings.js';
import { LogFiles } from './log-files.js';
import { previewCommand } from './preview-request.js';
import { DEFAULT_BACKOFF, DEFAULT_OFFLINE_BACKOFF, DEFAULT_RESTART_LIMIT, type PoolOptions } from './pool-options.js';
import { ResourceSampler } from './resources.js';
import { Listeners } from './listeners.js';
import { Recorder } from './recorder.js';
import { DEFAULT_LIMITS } from './results.js';
import { RunFolders } from './run-folder.js';
import { LocalTransport } from './local-transport.js';
import type { RunnerEnd, Transport } from './runner.js';
import { runnerHandlers, type ReportTarget } from './runner-reports.js';
import { TaskLog } from './task-log.js';
import { defaultWorkerCommand } from './spawn-worker.js';
import { hasChild, isFinal, taskTransition, type TaskContext, type TaskEffect, type TaskEvent, type TaskState } from './task-machine.js';
import { TaskRecord } from './task-record.js';
import { systemTimers, type Timers } from './timers.js';
import { WorkerSlots } from './worker-slots.js';

const STOPPING = { stop: 'stopping…', cancel: 'cancelling…', restart: 'restarting…', shutdown: 'stopping: the run ends…' } as const;

/**
 * Runs task records through a transport (local children, or a fleet's agents). The task machine decides every step
 * of a task's life; this class feeds it events (a slot is free, the worker said hello or ended, a retry is due, a user
 * command) and carries out the effects it returns: starting and stopping runners, worker slots, the queue, retry
 * timers, results and logs. {@link Pool} adds the commands and the shutdown on top.
 */
export abstract class Supervisor {
  protected readonly records: TaskRecord[];
  protected readonly byId = new Map<string, TaskRecord>();
  protected readonly slots: WorkerSlots;
  protected readonly queue: string[] = [];
  protected readonly timers: Timers;
  protected readonly log: TaskLog;
  private readonly sampler = new ResourceSampler();
  protected readonly changes = new Listeners<void>();
  protected readonly events = new Listeners<WorkerEvent>();
  protected sampleTimer: unknown = null;
  protected shuttingDown = false;
  protected childrenGone: (() => void) | null = null;
  protected finishedWaiters: (() => void)[] = [];
  private wasFinished = false;
  protected readonly exporter: Exporter;
  protected readonly recorder: Recorder;
  protected readonly runs: RunFolders | null;
  protected storeFailure: StoreError | null = null;
  protected readonly transport: Transport;
  private readonly intake: EventIntake;
  private readonly context: Omit<TaskContext, 'kind'>;
  private readonly reports: ReportTarget;

  constructor(protected readonly opts: PoolOptions) {
    this.timers = opts.timers ?? systemTimers;
    this.transport = opts.transport ?? new LocalTransport({ command: opts.command ?? defaultWorkerCommand(), spawn: opts.spawn, timers: this.timers });
    this.transport.bind?.({
      changed: () => this.notify(),
      storeFailure: () => this.storeFailure?.message ?? null,
      storeFailed: (err) => this.recorder.gate?.fail(err).message ?? String(err),
    });
    this.recorder = new Recorder(opts.store ?? null, () => this.timers.now(), (err) => this.onStoreFailure(err), this.transport.remote);
    this.runs = opts.outputDir ? new RunFolders(opts.outputDir, () => this.timers.now(), (run) => this.recorder.beginRun(run, opts.configPath ?? null)) : null;
    this.records = opts.tasks.map((spec) => new TaskRecord(spec, this.recorder.prepare(spec, this.transport.finishedRun?.(spec.id) ?? null), opts.limits ?? DEFAULT_LIMITS));
    for (const r of this.records) this.byId.set(r.id, r);
    const fileMode = privateFileMode(opts.tasks.map((t) => t.source));
    const logFiles = opts.outputDir ? new LogFiles(opts.outputDir, { mode: fileMode }) : null;
    this.log = new TaskLog(logFiles, opts.logLevel ?? 'info');
    // A remote transport (a fleet) schedules by itself and is handed every task at once: one slot per task.
    const slots = this.transport.remote ? opts.tasks.length : opts.workerCount;
    this.slots = new WorkerSlots(Math.max(1, slots), (index, message) => logFiles?.worker(index, message));
    this.exporter = new Exporter(
      () => this.runs?.current.folder ?? null,
      () => this.records.map((r) => r.exportData()),
      () => this.timers.now(),
      () => this.notify(),
      fileMode,
    );
    this.intake = new EventIntake({ recorder: this.recorder, runs: this.runs, exporter: this.exporter, log: this.log, timers: this.timers, events: this.events, changes: this.changes });
    this.context = {
      crashBackoff: opts.backoff ?? DEFAULT_BACKOFF,
      offlineBackoff: opts.offlineBackoff ?? DEFAULT_OFFLINE_BACKOFF,
      restartLimit: opts.restartLimit ?? DEFAULT_RESTART_LIMIT,
    };
    this.reports = {
      slots: this.slots,
      recorder: this.recorder,
      intake: this.intake,
      dispatch: (rec, event) => this.dispatch(rec, event),
      note: (rec, level, message) => this.note(rec, level, message),
      announce: (rec, message) => this.announce(rec, message),
      exit: (rec, end) => this.handleExit(rec, end),
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
    const before = rec.state;
    const wasFinal = isFinal(before);
    rec.state = result.state;
    this.exporter.touch();
    for (const effect of result.effects ?? []) this.apply(rec, effect, running, before);
    if (isFinal(rec.state) && !wasFinal) {
      rec.results.endedAt = this.timers.now();
      rec.results.sample(this.timers.now(), rec.viewState());
    }
    this.changed();
    return true;
  }

  private apply(rec: TaskRecord, effect: TaskEffect, running?: number, before: TaskState = rec.state): void {
    const now = this.timers.now();
    switch (effect.type) {
      case 'spawn':
        return this.launch(rec, running);
      case 'stop-child':
        this.slots.stop(rec.slot!);
        if (rec.state.kind !== 'stopping') return;
        this.note(rec, 'info', STOPPING[rec.state.intent]);
        return rec.runner?.stop(rec.state.intent);
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
        return this.rerun(rec, before);
      case 'error-event':
        return this.emit({ v: PROTOCOL_VERSION, type: 'error', task: rec.id, ts: now, code: effect.code, message: rec.clean(effect.message), fatal: effect.fatal });
      case 'report':
        this.log.write(rec, { level: effect.level, message: effect.message }, now);
        if (effect.event) this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: now, level: effect.level, message: rec.clean(effect.message) });
        return;
    }
  }

  /** Starts the worker of a task that holds a slot; `running` is how many workers will share the CPUs with it. */
  private launch(rec: TaskRecord, running = this.slots.busyCount() + 1): void {
    const slot = rec.slot!;
    rec.results.startedAt ??= this.timers.now();
    rec.results.endedAt = null;
    const token = Symbol(rec.id);
    rec.runnerToken = token;
    rec.preview = null;
    rec.runner = this.transport.start(rec.spec, launchSettings(this.opts, rec, running), runnerHandlers(this.reports, rec, token));
    if (rec.previewRequest) rec.runner.sendCommand?.(previewCommand(rec.previewRequest));
    this.slots.assign(slot, rec.id, rec.runner.pid);
  }

  /** The store stopped taking writes: every task with a worker says so, and counting goes on in memory. */
  private onStoreFailure(err: StoreError): void {
    this.storeFailure = err;
    const now = this.timers.now();
    const message = this.transport.remote
      ? `${err.message}; what was stored before is kept, and the fleet's events wait in the agents' journals (nothing more is acknowledged): run the controller again once the store is fixed`
      : `${err.message}; counting goes on in memory, and what was stored before is kept`;
    for (const rec of this.records) {
      if (!hasChild(rec.state)) continue;
      this.log.write(rec, { level: 'error', message }, now);
      this.emit({ v: PROTOCOL_VERSION, type: 'error', task: rec.id, ts: now, code: 'STORE_FAILED' satisfies ProtocolErrorCode, message, fatal: false });
    }
    this.notify();
  }

  /**
   * The task runs again from zero: a new count, and a new run folder if the current run's results are final. A
   * finished task's results, when its run goes on (a camera still counts, so the run folder is not final), are kept
   * beside the run's exports first: they would be replaced by the new pass's (the store keeps both task runs).
   */
  private rerun(rec: TaskRecord, before: TaskState): void {
    if (isFinal(before) && this.runs && !this.runs.isSealed && rec.results.startedAt !== null) {
      this.exporter.keepEarlier(rec.exportData(before)).then(
        (dir) => this.note(rec, 'info', `its earlier results are kept in ${dir}`),
        (err: Error) => this.note(rec, 'warn', `its earlier results could not be kept: ${err.message}`),
      );
    }
    this.runs?.forChanges();
    rec.startCount(this.recorder.fresh(rec.spec));
  }

  private handleExit(rec: TaskRecord, end: RunnerEnd): void {
    rec.runner = null;
    rec.runnerToken = null;
    rec.agent = null;
    this.note(rec, 'debug', `worker ${rec.slot} ended (${end.detail})`);
    const random = this.opts.random ?? Math.random;
    this.dispatch(rec, { type: 'exit', outcome: end.outcome, now: this.timers.now(), jitter: random() });
    if (this.shuttingDown && !this.records.some((r) => r.runner)) this.childrenGone?.();
    this.schedule();
    this.changed();
  }

  private removeFromQueue(rec: TaskRecord): void {
    const i = this.queue.indexOf(rec.id);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** A line for the task's log that is also a `log` event (NDJSON output, the log pane). */
  private announce(rec: TaskRecord, message: string): void {
    const now = this.timers.now();
    this.log.write(rec, { level: 'info', message }, now);
    this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: now, level: 'info', message: rec.clean(message) });
    this.notify();
  }

  protected note(rec: TaskRecord, level: LogLevel, message: string): void {
    this.log.write(rec, { level, message }, this.timers.now());
    this.notify();
  }

  protected emit(event: WorkerEvent): void {
    this.events.emit(event);
  }

  protected sampleResources(): void {
    const remote = this.transport.usage?.();
    if (remote) {
      const bySlot = this.records.flatMap((r) => (r.slot !== null && remote.has(r.id) ? [[r.slot, remote.get(r.id)!] as const] : []));
      this.slots.setUsage(new Map(bySlot));
      return this.notify();
    }
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
  private sealRun(): void {
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
