import type { TaskSpec } from '../config/types.js';
import type { PreviewEvent } from '../protocol/events.js';
import type { PreviewRequest } from './preview-request.js';
import type { ChildRunner } from './child-runner.js';
import type { ExitIntent } from './exit-policy.js';
import { RestartWindow } from './backoff.js';
import type { TaskExport as ExportTask } from './export.js';
import { TaskResults, type ResultLimits } from './results.js';
import { initialTaskState, type TaskState } from './task-machine.js';
import type { TaskView } from './types.js';


/** The pool's bookkeeping for one task. */
export class TaskRecord {
  state: TaskState = initialTaskState;
  readonly results: TaskResults;
  readonly window: RestartWindow;
  /** Restarts after crashes or stalls since the task last (re)started, shown in the table. */
  restarts = 0;
  /** The worker slot the task holds while processing, including while it waits out a backoff. */
  slot: number | null = null;
  runner: ChildRunner | null = null;
  exitIntent: ExitIntent | null = null;
  backoffTimer: unknown = null;
  /** Pictures wanted by the dashboard (sent to every new child), and the newest one received. */
  previewRequest: PreviewRequest | null = null;
  preview: PreviewEvent | null = null;

  constructor(
    public spec: TaskSpec,
    limits: ResultLimits,
    restartLimit: { count: number; windowMs: number },
  ) {
    this.results = new TaskResults(
      spec.lines.map((l) => l.name),
      limits,
    );
    this.window = new RestartWindow(restartLimit.count, restartLimit.windowMs);
  }

  get id(): string {
    return this.spec.id;
  }

  /** Clears counts and the restart history before the task runs again from the start. */
  resetForRerun(): void {
    this.results.reset();
    this.window.reset();
    this.restarts = 0;
  }

  reason(): string | null {
    const s = this.state;
    if (s.kind === 'error' || s.kind === 'cancelled') return s.reason;
    if (s.kind === 'completed') return s.note;
    return null;
  }

  /** What the table and the export both show of a task. */
  private common() {
    const r = this.results;
    return {
      id: this.spec.id,
      kind: this.spec.kind,
      source: this.spec.source,
      state: this.state.kind,
      reason: this.reason(),
      in: r.in,
      out: r.out,
      occupancy: r.occupancy,
      lines: r.lines.map((l) => ({ ...l })),
      frames: r.frames,
      dropped: r.dropped,
      restarts: this.restarts,
    };
  }

  view(): TaskView {
    const r = this.results;
    const processing = this.state.kind === 'processing';
    return {
      ...this.common(),
      fps: processing ? r.fps : this.state.kind === 'completed' ? (r.avgFps ?? 0) : 0,
      progress: this.spec.kind === 'video' ? r.progress() : null,
      etaSeconds: this.spec.kind === 'video' && processing ? r.etaSeconds() : null,
      logs: r.logs.toArray(),
      backoff: processing && this.runner === null && this.backoffTimer !== null,
      lineSpecs: this.spec.lines.map((l) => ({ name: l.name, points: [...l.points] as typeof l.points })),
      doneReason: r.doneReason,
      lastFrameAt: r.lastFrameAt,
      reconnect: r.reconnect,
      outageSince: r.outageSince,
      detectMs: r.detectMs,
    };
  }

  exportData(): ExportTask {
    const r = this.results;
    return {
      ...this.common(),
      avgFps: r.avgFps,
      progress: r.progress(),
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      series: r.series.toArray(),
      seriesDropped: r.series.dropped,
      crossings: r.crossings.toArray(),
      crossingsDropped: r.crossings.dropped,
    };
  }
}
