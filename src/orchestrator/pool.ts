import type { LineConfig } from '../config/types.js';
import type { PreviewEvent, WorkerEvent } from '../protocol/events.js';
import { buildSnapshot } from './snapshot.js';
import { previewCommand, type PreviewRequest } from './preview-request.js';
import { Supervisor } from './supervisor.js';
import { isFinal } from './task-machine.js';
import type { TaskRecord } from './task-record.js';
import type { PoolControl, PoolSnapshot } from './types.js';

export type { PoolOptions } from './pool-options.js';

/**
 * Runs the tasks in at most `workerCount` children and queues the rest. Key semantics (the dashboard's keys):
 * - start (`s`): a pending task jumps the queue; a finished one is reset and queued first to run again.
 * - stop (`x`): the child is asked to finish; its final counts are kept and the task is completed ("stopped by user").
 * - cancel (`c`): a pending task leaves the queue; a running one is stopped and marked cancelled, counts kept for the record.
 * - restart (`r`): the task runs again from zero now (its child is stopped first), also out of error.
 */
export class Pool extends Supervisor implements PoolControl {
  private shutdownPromise: Promise<void> | null = null;

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

  setPreview(taskId: string, request: PreviewRequest | null): void {
    const rec = this.byId.get(taskId);
    if (!rec) return;
    const same = JSON.stringify(request) === JSON.stringify(rec.previewRequest);
    rec.previewRequest = request;
    if (!request) rec.preview = null;
    if (!same) rec.runner?.send(previewCommand(request));
  }

  preview(taskId: string): PreviewEvent | null {
    return this.byId.get(taskId)?.preview ?? null;
  }

  setLines(taskId: string, lines: LineConfig[]): void {
    const rec = this.byId.get(taskId);
    if (!rec) throw new Error(`no task ${taskId}`);
    if (lines.length === 0) throw new Error('a task needs at least one line');
    const copy = lines.map((l) => ({ name: l.name, points: [...l.points] as LineConfig['points'] }));
    rec.spec = { ...rec.spec, lines: copy };
    rec.results.setLineNames(copy.map((l) => l.name));
    const sent = rec.runner?.send({ cmd: 'lines', lines: copy }) ?? false;
    this.note(rec, 'info', `lines set by the user${sent ? ', sent to the running worker' : ', used from the next run'}: ${copy.map((l) => `${l.name} ${l.points.join(',')}`).join('; ')}`);
    this.changed();
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
    await this.log.close();
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
}
