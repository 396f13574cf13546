import type { LineConfig } from '../../config/types.js';
import type { PreviewRequest } from '../../orchestrator/preview-request.js';
import type { LinesTaken, PoolControl, PoolSnapshot, TaskView } from '../../orchestrator/types.js';
import type { PreviewEvent } from '../../protocol/events.js';

/**
 * A PoolControl that runs nothing: a mutable snapshot and a record of the commands it received.
 * The dashboard's tests and the demo drive it; the real pool lives in src/orchestrator.
 */
export class FakePool implements PoolControl {
  readonly calls: string[] = [];
  /** What setLines answers (a fleet task's running worker: from its next run). */
  linesTaken: LinesTaken = 'now';
  exportPaths: string[] = ['results/summary.json', 'results/lobby.csv', 'results/crossings.ndjson'];
  /** Makes the next command throw, as the real pool does for a transition its task machine rejects. */
  rejectNext: string | null = null;
  /** What the dashboard asked for, by task: pictures wanted (null when off). */
  readonly previewRequests = new Map<string, PreviewRequest | null>();
  private readonly previews = new Map<string, PreviewEvent>();
  private state: PoolSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(tasks: TaskView[], workers = 2) {
    this.state = summarise(tasks, workers);
  }

  snapshot(): PoolSnapshot {
    return this.state;
  }

  /** Replaces the tasks (counters are derived) and tells the subscribers. */
  update(change: (tasks: TaskView[]) => TaskView[], extra: Partial<PoolSnapshot> = {}): void {
    this.state = { ...summarise(change(this.state.tasks.map((t) => ({ ...t }))), this.state.workers.length), lastExport: this.state.lastExport, ...extra };
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEvent(): () => void {
    return () => undefined;
  }

  private command(name: string, taskId: string, next: TaskView['state'] | null): void {
    this.calls.push(`${name} ${taskId}`);
    if (this.rejectNext) {
      const message = this.rejectNext;
      this.rejectNext = null;
      throw new Error(message);
    }
    if (next) this.update((tasks) => tasks.map((t) => (t.id === taskId ? { ...t, state: next } : t)));
  }

  start(taskId: string): void {
    this.command('start', taskId, 'processing');
  }

  stop(taskId: string): void {
    this.command('stop', taskId, 'pending');
  }

  cancel(taskId: string): void {
    this.command('cancel', taskId, 'cancelled');
  }

  restart(taskId: string): void {
    this.command('restart', taskId, 'processing');
  }

  setPreview(taskId: string, request: PreviewRequest | null): void {
    this.previewRequests.set(taskId, request);
  }

  preview(taskId: string): PreviewEvent | null {
    return this.previewRequests.get(taskId) ? (this.previews.get(taskId) ?? null) : null;
  }

  /** A picture as a worker would send it (shown while the dashboard asks for pictures of that task). */
  showPicture(event: PreviewEvent): void {
    this.previews.set(event.task, event);
    // A new snapshot object, as the real pool gives after every change.
    this.state = { ...this.state };
    for (const l of this.listeners) l();
  }

  setLines(taskId: string, lines: LineConfig[]): LinesTaken {
    this.calls.push(`lines ${taskId} ${lines.map((l) => `${l.points.join(',')},${l.name}`).join(' ')}`);
    this.update((tasks) => tasks.map((t) => (t.id === taskId ? { ...t, lineSpecs: lines } : t)));
    return this.linesTaken;
  }

  async exportResults(dir?: string): Promise<string[]> {
    this.calls.push(dir ? `export ${dir}` : 'export');
    return this.exportPaths;
  }

  async shutdown(): Promise<void> {
    this.calls.push('shutdown');
    this.update((tasks) =>
      tasks.map((t) => (t.state === 'pending' || t.state === 'processing' ? { ...t, state: 'cancelled', reason: 'shut down' } : t)),
    );
  }
}

export function fakeTask(id: string, over: Partial<TaskView> = {}): TaskView {
  return {
    id,
    kind: 'video',
    source: `/data/${id}.mp4`,
    state: 'pending',
    reason: null,
    fps: 0,
    in: 0,
    out: 0,
    occupancy: 0,
    lines: [],
    progress: null,
    etaSeconds: null,
    restarts: 0,
    logs: [],
    ...over,
  };
}

function summarise(tasks: TaskView[], workerCount: number): PoolSnapshot {
  const count = (state: TaskView['state']) => tasks.filter((t) => t.state === state).length;
  const running = tasks.filter((t) => t.state === 'processing');
  return {
    tasks,
    workers: Array.from({ length: workerCount }, (_, index) => ({
      index,
      state: running[index] ? 'processing' : 'idle',
      task: running[index]?.id ?? null,
      pid: running[index] ? 1000 + index : null,
    })),
    active: running.length,
    queued: count('pending'),
    completed: count('completed'),
    failed: count('error'),
    cancelled: count('cancelled'),
    left: count('left'),
    totalFps: running.reduce((sum, t) => sum + t.fps, 0),
    childCpuPercent: running.length * 95,
    childRssBytes: running.length * 180 * 1024 * 1024,
    finished: tasks.every((t) => t.state !== 'pending' && t.state !== 'processing'),
  };
}
