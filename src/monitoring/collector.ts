import type { PoolControl, TaskView } from '../orchestrator/types.js';
import type { WorkerEvent } from '../protocol/events.js';
import type { MetricFamily, Sample } from './openmetrics.js';

/**
 * What the pool's /metrics says. Counters are counted here from the events as they arrive and never go down, also
 * when a task runs again from zero (its table counts reset, a Prometheus counter must not); gauges are read from the
 * pool's snapshot at scrape time. Rates that the worker does not report (decoded and dropped frames per second)
 * come from successive progress events.
 */

interface TaskCounters {
  crossings: Map<string, number>;
  reconnects: number;
  restarts: Monotonic;
  dropped: Monotonic;
  decodedFps: number;
  droppedFps: number;
  lastProgress: { ts: number; frame: number; dropped: number } | null;
}

/** A running total from a value that only grows, except when it starts again from zero. */
class Monotonic {
  total = 0;
  private last = 0;

  observe(value: number): void {
    this.total += value >= this.last ? value - this.last : value;
    this.last = value;
  }
}

const key = (line: string, direction: string) => `${line}\u0000${direction}`;

export class MetricsCollector {
  private readonly tasks = new Map<string, TaskCounters>();
  private readonly off: () => void;

  constructor(private readonly pool: PoolControl) {
    this.off = pool.onEvent((ev) => this.onEvent(ev));
  }

  close(): void {
    this.off();
  }

  private counters(task: string): TaskCounters {
    let c = this.tasks.get(task);
    if (!c) {
      c = { crossings: new Map(), reconnects: 0, restarts: new Monotonic(), dropped: new Monotonic(), decodedFps: 0, droppedFps: 0, lastProgress: null };
      this.tasks.set(task, c);
    }
    return c;
  }

  private onEvent(ev: WorkerEvent): void {
    const c = this.counters(ev.task);
    switch (ev.type) {
      case 'crossing':
        c.crossings.set(key(ev.line, ev.direction), (c.crossings.get(key(ev.line, ev.direction)) ?? 0) + 1);
        break;
      case 'reconnect':
        c.reconnects += 1;
        break;
      case 'hello':
        c.lastProgress = null;
        break;
      case 'progress': {
        const last = c.lastProgress;
        const seconds = last ? (ev.ts - last.ts) / 1000 : 0;
        if (last && seconds > 0 && ev.frame >= last.frame) {
          c.decodedFps = (ev.frame - last.frame) / seconds;
          c.droppedFps = Math.max(0, ev.dropped - last.dropped) / seconds;
        }
        c.lastProgress = { ts: ev.ts, frame: ev.frame, dropped: ev.dropped };
        break;
      }
      default:
        break;
    }
  }

  families(): MetricFamily[] {
    const views = this.pool.snapshot().tasks;
    for (const t of views) {
      const c = this.counters(t.id);
      c.restarts.observe(t.restarts);
      c.dropped.observe(t.dropped ?? 0);
    }
    const perTask = (f: (t: TaskView, c: TaskCounters) => number): Sample[] => views.map((t) => ({ labels: { task: t.id }, value: f(t, this.counters(t.id)) }));
    const running = hasWorker;
    return [
      { name: 'pcount_crossings', type: 'counter', help: 'People counted crossing a line, by direction (in, out).', samples: views.flatMap((t) => this.crossingSamples(t)) },
      { name: 'pcount_occupancy', type: 'gauge', help: 'In minus out over all lines of the task.', samples: perTask((t) => t.occupancy) },
      { name: 'pcount_processed_fps', type: 'gauge', help: 'Frames counted per second (detected or predicted), last interval.', samples: perTask((t) => (running(t) ? t.fps : 0)) },
      { name: 'pcount_decoded_fps', type: 'gauge', help: 'Frames the source delivered per second, dropped ones included, last interval.', samples: perTask((t, c) => (running(t) ? c.decodedFps : 0)) },
      { name: 'pcount_dropped_fps', type: 'gauge', help: 'Frames of a live source dropped per second to stay current, last interval.', samples: perTask((t, c) => (running(t) ? c.droppedFps : 0)) },
      { name: 'pcount_dropped_frames', type: 'counter', help: 'Frames of a live source dropped to stay current.', samples: perTask((_, c) => c.dropped.total) },
      {
        name: 'pcount_detector_latency_seconds',
        type: 'gauge',
        unit: 'seconds',
        help: 'Mean time from handing a frame to the detector until its detections, last interval.',
        samples: perTask((t) => (running(t) && t.detectMs != null ? t.detectMs / 1000 : 0)),
      },
      { name: 'pcount_reconnects', type: 'counter', help: 'Reconnects of a live source by its worker.', samples: perTask((_, c) => c.reconnects) },
      { name: 'pcount_restarts', type: 'counter', help: 'Workers started again by the pool: after a crash or a stall, and each attempt to reach an unreachable camera.', samples: perTask((_, c) => c.restarts.total) },
      { name: 'pcount_up', type: 'gauge', help: '1 while the task has a running worker.', samples: perTask((t) => Number(running(t))) },
      { name: 'pcount_online', type: 'gauge', help: '1 while frames arrive (cameras: not reconnecting).', samples: perTask((t) => Number(online(t))) },
      {
        name: 'pcount_task',
        type: 'info',
        help: 'What a task is and its state.',
        samples: views.map((t) => ({ labels: { task: t.id, kind: t.kind, state: t.state }, value: 1 })),
      },
    ];
  }

  /** Every line of the task in both directions, from the first scrape on, so that rates work from zero. */
  private crossingSamples(t: TaskView): Sample[] {
    const c = this.counters(t.id);
    const names = new Set([...t.lines.map((l) => l.name), ...[...c.crossings.keys()].map((k) => k.split('\u0000')[0])]);
    return [...names].flatMap((line) =>
      (['in', 'out'] as const).map((direction) => ({ labels: { task: t.id, line, direction }, value: c.crossings.get(key(line, direction)) ?? 0 })),
    );
  }
}

/** The task has a worker (starting, running or stopping), not a camera waiting to be tried again. */
function hasWorker(t: TaskView): boolean {
  return t.state === 'processing' && t.phase !== 'offline' && t.phase !== 'restarting';
}

function online(t: TaskView): boolean {
  if (!hasWorker(t)) return false;
  if (t.kind === 'video') return true;
  return t.lastFrameAt != null && t.reconnect == null && t.outageSince == null;
}
