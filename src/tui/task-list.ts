import type { LineCount } from '../protocol/events.js';
import type { TaskView } from '../orchestrator/types.js';

/** Which tasks the table shows, in which order, and the rows under them (per-line counts, the totals). Pure. */

export type SortKey = 'config' | 'id' | 'state' | 'in' | 'fps';
export const SORT_KEYS: readonly SortKey[] = ['config', 'id', 'state', 'in', 'fps'];

export function nextSort(current: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(current) + 1) % SORT_KEYS.length];
}

const STATE_ORDER: Record<TaskView['state'], number> = { processing: 0, pending: 1, error: 2, completed: 3, left: 4, cancelled: 5 };

/** Tasks whose id or source contains `filter` (case-insensitive), in `sort` order; ties keep the config order. */
export function visibleTasks(tasks: readonly TaskView[], filter: string, sort: SortKey): TaskView[] {
  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? [...tasks] : tasks.filter((t) => t.id.toLowerCase().includes(needle) || t.source.toLowerCase().includes(needle));
  const by: Record<SortKey, (a: TaskView, b: TaskView) => number> = {
    config: () => 0,
    id: (a, b) => a.id.localeCompare(b.id),
    state: (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state],
    in: (a, b) => b.in - a.in,
    fps: (a, b) => b.fps - a.fps,
  };
  return shown.sort(by[sort]);
}

export type TableRow = { kind: 'task'; task: TaskView } | { kind: 'line'; task: TaskView; line: LineCount; last: boolean };

/** Tasks with more than one line show them by default when every such row fits; the user's →/← wins. */
export function expandedIds(tasks: readonly TaskView[], expanded: Record<string, boolean>, rowsAvailable: number): Set<string> {
  const multi = tasks.filter((t) => t.lines.length > 1);
  const needed = tasks.length + multi.reduce((n, t) => n + t.lines.length, 0);
  const byDefault = needed <= rowsAvailable;
  return new Set(tasks.filter((t) => expanded[t.id] ?? (byDefault && t.lines.length > 1)).map((t) => t.id));
}

export function tableRows(tasks: readonly TaskView[], open: ReadonlySet<string>): TableRow[] {
  const rows: TableRow[] = [];
  for (const task of tasks) {
    rows.push({ kind: 'task', task });
    if (!open.has(task.id)) continue;
    task.lines.forEach((line, i) => rows.push({ kind: 'line', task, line, last: i === task.lines.length - 1 }));
  }
  return rows;
}

/** The first row to show so that the selected task's row and, when they fit, its line rows are on screen. */
export function rowWindow(rows: readonly TableRow[], selectedId: string | null, visible: number): number {
  if (rows.length <= visible) return 0;
  const first = Math.max(0, rows.findIndex((r) => r.kind === 'task' && r.task.id === selectedId));
  let last = first;
  while (last + 1 < rows.length && rows[last + 1].kind === 'line' && last + 1 - first < visible) last++;
  const centred = first - Math.floor((visible - (last - first)) / 2);
  return Math.min(Math.max(0, centred), rows.length - visible);
}

export interface Totals {
  fps: number;
  in: number;
  out: number;
  occupancy: number;
  cpuPercent: number;
  rssBytes: number;
}

export function totals(tasks: readonly TaskView[]): Totals {
  const sum = (f: (t: TaskView) => number) => tasks.reduce((s, t) => s + f(t), 0);
  return {
    fps: sum((t) => (t.state === 'processing' ? t.fps : 0)),
    in: sum((t) => t.in),
    out: sum((t) => t.out),
    occupancy: sum((t) => t.occupancy),
    cpuPercent: sum((t) => t.cpuPercent ?? 0),
    rssBytes: sum((t) => t.rssBytes ?? 0),
  };
}
