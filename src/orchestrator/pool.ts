import type { LineConfig } from '../config/types.js';
import { PROTOCOL_VERSION, type PreviewEvent, type WorkerEvent } from '../protocol/events.js';
import { buildSnapshot } from './snapshot.js';
import { previewCommand, type PreviewRequest } from './preview-request.js';
import { Supervisor } from './supervisor.js';
import { isFinal, type StopIntent } from './task-machine.js';
import type { LinesTaken, PoolControl, PoolSnapshot } from './types.js';


/** How often the run's heartbeat is written and the store synced to disk (a power cut loses at most this much). */
const STORE_TICK_MS = 1000;

/**
 * Runs the tasks in at most `workerCount` children and queues the rest. Key semantics (the dashboard's keys):
 * - start (`s`): a pending task jumps the queue; a finished one is reset and queued first to run again.
 * - stop (`x`): the child is asked to finish; its final counts are kept and the task is completed ("stopped by user").
 * - cancel (`c`): a pending task leaves the queue; a running one is stopped and marked cancelled, counts kept for the record.
 * - restart (`r`): the task runs again from zero now (its child is stopped first), also out of error.
 * A camera waiting to be retried holds no worker slot; stop, cancel and restart apply to it at once.
 */
export class Pool extends Supervisor implements PoolControl {
  private shutdownPromise: Promise<void> | null = null;
  private storeTimer: unknown = null;

  /** Starts the queued tasks and the resource sampling. */
  begin(): void {
    if (this.sampleTimer !== null || this.shuttingDown) return;
    for (const rec of this.records) {
      if (!rec.count.note) continue;
      this.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: this.timers.now(), level: 'info', message: rec.count.note });
      this.note(rec, 'info', rec.count.note);
    }
    this.queue.push(...this.records.filter((r) => r.state.kind === 'pending' && !this.queue.includes(r.id)).map((r) => r.id));
    this.sampleTimer = this.timers.setInterval(() => this.sampleResources(), this.opts.sampleIntervalMs ?? 1000);
    if (this.recorder.store) this.storeTimer = this.timers.setInterval(() => this.recorder.tick(this.runs?.current ?? null), STORE_TICK_MS);
    this.schedule();
    this.checkFinished();
    this.notify();
  }

  snapshot(): PoolSnapshot {
    const s = buildSnapshot(
      this.records.map((r) => r.view()),
      this.slots.views(),
      this.queue.length,
      this.exporter.last,
    );
    const store = this.recorder.store;
    s.store = store ? { path: store.file, error: this.storeFailure?.message ?? null } : null;
    s.run = this.runs && this.sampleTimer !== null ? { id: this.runs.current.id, folder: this.runs.current.folder } : null;
    s.fleet = this.transport.fleetView?.() ?? null;
    return s;
  }

  /** The tasks and what each takes over from the store (said when the run starts). */
  resumed(): { task: string; note: string }[] {
    return this.records.filter((r) => r.count.note).map((r) => ({ task: r.id, note: r.count.note! }));
  }

  subscribe(listener: () => void): () => void {
    return this.changes.add(listener);
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    return this.events.add(listener);
  }

  /** Resolves once every task is in a final state. */
  whenFinished(): Promise<void> {
    if (this.records.every((r) => isFinal(r.state))) return Promise.resolve();
    return new Promise((resolve) => this.finishedWaiters.push(resolve));
  }

  start(taskId: string): void {
    this.command(taskId, 'start');
  }

  stop(taskId: string): void {
    this.command(taskId, 'stop');
  }

  cancel(taskId: string): void {
    this.command(taskId, 'cancel');
  }

  restart(taskId: string): void {
    this.command(taskId, 'restart');
  }

  setPreview(taskId: string, request: PreviewRequest | null): void {
    const rec = this.byId.get(taskId);
    if (!rec) return;
    const same = JSON.stringify(request) === JSON.stringify(rec.previewRequest);
    rec.previewRequest = request;
    if (!request) rec.preview = null;
    if (same || !rec.runner) return;
    if (rec.runner.sendCommand) rec.runner.sendCommand(previewCommand(request));
    else if (request) this.note(rec, 'warn', 'live preview is not available in fleet mode: the worker runs on an agent');
  }

  preview(taskId: string): PreviewEvent | null {
    return this.byId.get(taskId)?.preview ?? null;
  }

  setLines(taskId: string, lines: LineConfig[]): LinesTaken {
    const rec = this.byId.get(taskId);
    if (!rec) throw new Error(`no task ${taskId}`);
    if (lines.length === 0) throw new Error('a task needs at least one line');
    const copy = lines.map((l) => ({ name: l.name, points: [...l.points] as LineConfig['points'] }));
    rec.spec = { ...rec.spec, lines: copy };
    rec.count.tally.addLines(copy.map((l) => l.name));
    const sent = rec.runner?.sendCommand?.({ cmd: 'lines', lines: copy }) ?? false;
    // A fleet's agents take no commands from the controller: the running worker keeps its lines until the task restarts.
    const taken: LinesTaken = sent ? 'now' : rec.runner && !rec.runner.sendCommand ? 'fleet-next-run' : 'next-run';
    const where = { now: ', sent to the running worker', 'next-run': ', used from the next run', 'fleet-next-run': ', used from the next run (a running fleet worker cannot change lines)' }[taken];
    this.note(rec, 'info', `lines set by the user${where}: ${copy.map((l) => `${l.name} ${l.points.join(',')}`).join('; ')}`);
    this.changed();
    return taken;
  }

  async exportResults(dir?: string): Promise<string[]> {
    return this.exporter.exportTo(dir ?? this.opts.exportDir ?? this.runs?.current.folder ?? null);
  }

  shutdown(opts: { stopFleet?: boolean } = {}): Promise<void> {
    if (!this.shutdownPromise) this.transport.beforeShutdown?.(!opts.stopFleet);
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  private command(taskId: string, type: 'start' | Exclude<StopIntent, 'shutdown'>): void {
    const rec = this.byId.get(taskId);
    if (!rec || this.shuttingDown) return;
    if (this.dispatch(rec, { type })) this.schedule();
  }

  private async runShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const rec of this.records) if (!isFinal(rec.state)) this.dispatch(rec, { type: 'shutdown' });
    this.queue.length = 0;
    if (this.records.some((r) => r.runner)) await new Promise<void>((resolve) => (this.childrenGone = resolve));
    await this.transport.quiesce?.();
    this.slots.shutdownAll();
    if (this.sampleTimer !== null) this.timers.clearInterval(this.sampleTimer);
    if (this.storeTimer !== null) this.timers.clearInterval(this.storeTimer);
    const ran = this.records.some((r) => r.results.startedAt !== null);
    if (this.autoExports() && ran && !this.runs?.isSealed) await this.exporter.finalExport();
    if (this.runs && this.sampleTimer !== null && !this.runs.isSealed) this.recorder.endRun(this.runs.current, 'stopped');
    this.recorder.tick(null);
    await this.log.close();
    this.notify();
  }
}
