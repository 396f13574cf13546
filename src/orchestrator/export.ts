import path from 'node:path';
import type { CrossingEvent, LineCount } from '../protocol/events.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import type { Sample } from './results.js';
import type { TaskKind, TaskStateKind } from './types.js';

/** Everything exported about one task. */
export interface TaskExport {
  id: string;
  kind: TaskKind;
  source: string;
  state: TaskStateKind;
  reason: string | null;
  in: number;
  out: number;
  occupancy: number;
  lines: LineCount[];
  frames: number;
  avgFps: number | null;
  dropped: number;
  restarts: number;
  progress: number | null;
  startedAt: number | null;
  endedAt: number | null;
  series: Sample[];
  /** Samples that no longer fit in memory and are missing from the CSV. */
  seriesDropped: number;
  crossings: CrossingEvent[];
  crossingsDropped: number;
}

const RESULTS_FILE = 'results.json';
const CROSSINGS_FILE = 'crossings.ndjson';
export const CSV_HEADER = 'timestamp,fps,total_in,total_out,current_count,status';

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

function resultsJson(tasks: TaskExport[], exportTime: number): object {
  const count = (state: TaskStateKind) => tasks.filter((t) => t.state === state).length;
  return {
    export_time: new Date(exportTime).toISOString(),
    summary: {
      tasks: tasks.length,
      pending: count('pending'),
      processing: count('processing'),
      completed: count('completed'),
      failed: count('error'),
      cancelled: count('cancelled'),
      left_running: count('left'),
      total_in: tasks.reduce((s, t) => s + t.in, 0),
      total_out: tasks.reduce((s, t) => s + t.out, 0),
      current_count: tasks.reduce((s, t) => s + t.occupancy, 0),
      crossings: tasks.reduce((s, t) => s + t.crossings.length + t.crossingsDropped, 0),
    },
    detailed_results: tasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      source: t.source,
      status: t.state,
      reason: t.reason,
      total_in: t.in,
      total_out: t.out,
      current_count: t.occupancy,
      lines: t.lines,
      frames: t.frames,
      avg_fps: t.avgFps,
      dropped_frames: t.dropped,
      restarts: t.restarts,
      progress: t.progress,
      started_at: iso(t.startedAt),
      ended_at: iso(t.endedAt),
      series_file: `${t.id}.csv`,
      series_samples_dropped: t.seriesDropped,
      crossings_dropped: t.crossingsDropped,
    })),
  };
}

function seriesCsv(series: Sample[]): string {
  const rows = series.map((s) => [new Date(s.ts).toISOString(), s.fps.toFixed(2), s.in, s.out, s.occupancy, s.status].join(','));
  return `${[CSV_HEADER, ...rows].join('\n')}\n`;
}

/** All tasks' crossings in time order, one event per line as the workers reported them (with `task`). */
function crossingsNdjson(tasks: TaskExport[]): string {
  const all = tasks.flatMap((t) => t.crossings).sort((a, b) => a.ts - b.ts);
  return all.map((c) => `${JSON.stringify(c)}\n`).join('');
}

/** Writes results.json, one `<task>.csv` per task and crossings.ndjson into `dir`, each atomically (with `mode` if given). Returns the paths. */
export async function writeExport(dir: string, tasks: TaskExport[], exportTime: number, mode?: number): Promise<string[]> {
  const files: [string, string][] = [
    [path.join(dir, RESULTS_FILE), `${JSON.stringify(resultsJson(tasks, exportTime), null, 2)}\n`],
    ...tasks.map((t): [string, string] => [path.join(dir, `${t.id}.csv`), seriesCsv(t.series)]),
    [path.join(dir, CROSSINGS_FILE), crossingsNdjson(tasks)],
  ];
  for (const [file, content] of files) await writeFileAtomic(file, content, { mode });
  return files.map(([file]) => file);
}
