import { escapeControls } from '../common/terminal-text.js';
import type { TaskSpec } from '../config/types.js';
import type { PreviewEvent } from '../protocol/events.js';
import { redactSource, redactText, sourceSecrets } from '../sources/credentials.js';
import type { TaskExport as ExportTask } from './export.js';
import type { TaskRunJournal } from '../store/journal.js';
import type { PreviewRequest } from './preview-request.js';
import type { CountState } from './recorder.js';
import type { TaskRunner } from './runner.js';
import { TaskResults, type ResultLimits } from './results.js';
import { hasChild, initialTaskState, isFinal, type TaskState } from './task-machine.js';
import type { TaskPhase, TaskStateKind, TaskView } from './types.js';

/** The pool's bookkeeping for one task. */
export class TaskRecord {
  state: TaskState = initialTaskState;
  readonly results: TaskResults;
  /** The worker slot the task holds while it has a child. */
  slot: number | null = null;
  runner: TaskRunner | null = null;
  /** Tells the current runner's reports from those of an earlier runner of the task. */
  runnerToken: symbol | null = null;
  /** The fleet agent running the task's worker, else null. */
  agent: string | null = null;
  retryTimer: unknown = null;
  /** The source as it may be shown: passwords hidden, control characters escaped. */
  readonly displaySource: string;
  private readonly secrets: string[];
  /** The task run in the store of each of the task's workers that has reported (none without a store). */
  readonly journals = new Map<string, TaskRunJournal>();
  /** Pictures wanted by the dashboard (sent to every new child), and the newest one received. */
  previewRequest: PreviewRequest | null = null;
  preview: PreviewEvent | null = null;

  constructor(
    /** Replaced when the user applies new lines (Pool.setLines); the source never changes. */
    public spec: TaskSpec,
    public count: CountState,
    limits: ResultLimits,
  ) {
    this.results = new TaskResults(count.tally, limits);
    this.secrets = sourceSecrets(spec.source);
    this.displaySource = escapeControls(redactSource(spec.source));
  }

  get id(): string {
    return this.spec.id;
  }

  /** Text from this task's child (or about it) as it may be shown, logged or exported: no secret, no control character. */
  clean(text: string): string {
    return escapeControls(redactText(text, this.secrets));
  }

  /** The coarse state the table, the summary and the exports show. */
  viewState(state: TaskState = this.state): TaskStateKind {
    const { kind } = state;
    if (kind === 'pending' || isFinal(state)) return kind as TaskStateKind;
    return 'processing';
  }

  phase(): TaskPhase | null {
    const s = this.state;
    if (hasChild(s) || s.kind === 'waiting') return s.kind as TaskPhase;
    if (s.kind === 'backoff') return s.reason === 'offline' ? 'offline' : 'restarting';
    return null;
  }

  /** The task runs again from the start, with a new count. */
  startCount(count: CountState): void {
    this.count = count;
    this.results.reset(count.tally);
  }

  reason(s: TaskState = this.state): string | null {
    if (s.kind === 'error' || s.kind === 'cancelled') return s.reason;
    if (s.kind === 'completed' || s.kind === 'left') return s.note;
    if (s.kind === 'backoff') return s.why;
    return null;
  }

  /** What the table and the export both show of a task (in `state`: the one it had before a re-run). */
  private common(state: TaskState = this.state) {
    const r = this.results;
    return {
      id: this.spec.id,
      kind: this.spec.kind,
      source: this.displaySource,
      state: this.viewState(state),
      reason: this.reason(state),
      in: r.in,
      out: r.out,
      occupancy: r.occupancy,
      lines: r.lines.map((l) => ({ ...l })),
      frames: r.frames,
      dropped: r.dropped,
      restarts: state.history.restarts,
    };
  }

  view(): TaskView {
    const r = this.results;
    const running = this.state.kind === 'running' || this.state.kind === 'starting' || this.state.kind === 'stopping';
    return {
      ...this.common(),
      phase: this.phase(),
      agent: this.agent,
      retryAt: this.state.kind === 'backoff' ? this.state.retryAt : null,
      fps: running ? r.fps : this.state.kind === 'completed' ? (r.avgFps ?? 0) : 0,
      progress: this.spec.kind === 'video' ? r.progress() : null,
      etaSeconds: this.spec.kind === 'video' && running ? r.etaSeconds() : null,
      logs: r.logs.toArray(),
      lineSpecs: this.spec.lines.map((l) => ({ name: l.name, points: [...l.points] as typeof l.points })),
      doneReason: r.doneReason,
      lastFrameAt: r.lastFrameAt,
      reconnect: r.reconnect,
      outageSince: r.outageSince,
      detectMs: r.detectMs,
    };
  }

  /** `state`: the task's state when it was exported, by default now (a finished pass kept on a re-run: its end). */
  exportData(state: TaskState = this.state): ExportTask {
    const r = this.results;
    return {
      ...this.common(state),
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
