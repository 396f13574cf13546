import { BUCKET_MS, bucketIndex, bucketsBetween, type Bucket, type BucketSize } from './buckets.js';
import { resetBetween, type OccupancyRules } from './occupancy.js';
import type { Store } from './store.js';

export interface ReportQuery {
  /** Only these tasks (default: every task in the store). */
  tasks?: string[];
  /** Only these lines (default: every line of the tasks). */
  lines?: string[];
  bucket: BucketSize;
  /** [since, until) in epoch ms; by default the span of the data. */
  since?: number;
  until?: number;
  zone: string;
  now: number;
}

/** One task × line × bucket. */
export interface ReportRow {
  task: string;
  line: string;
  start: number;
  end: number;
  in: number;
  out: number;
  net: number;
  /** The task's occupancy (all its lines) at the end of the bucket, or now for an open bucket. */
  occupancy: number;
  /** The share of the bucket (of its elapsed part while open) during which the source was really processed, 0..1. */
  coverage: number;
  /** The bucket has not ended yet. */
  provisional: boolean;
}

export interface Report {
  rows: ReportRow[];
  /** The span the buckets cover, or null when there is no data. */
  span: Bucket | null;
}

/** `usage`: the command line asked for what no store can answer (USAGE_EXIT_STATUS); else the store cannot. */
export class ReportError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

/**
 * More buckets than this is a report nobody reads (a year of 15-minute buckets is 35,040), and building one of
 * millions of rows (`--since 1970-01-01 --bucket 15m` is two million buckets per line) only looks like a hang: such a
 * span is refused before anything is built.
 */
const MAX_BUCKETS = 100_000;

/** The last crossing stored before a point in time: the occupancy after it, and the task run whose rules apply. */
interface LastCrossing {
  ts: number;
  occupancy: number | null;
  task_run_id: number;
}

/**
 * Crossings are summed in SQL per slot of 15 minutes (UTC): every bucket boundary of a zone whose offsets are whole
 * quarter hours (all zones today) falls on one, so a slot lies in exactly one bucket and a day of a busy camera is a
 * few hundred rows instead of ten thousand objects. Any other zone falls back to one-second slots.
 */
const QUARTER = 900_000;

/** Coverage is rounded down, so that a bucket that is not fully covered never shows as 1. */
const floor3 = (v: number) => Math.floor(v * 1000 + 1e-9) / 1000;

/**
 * Counts per task, line and bucket from the store: in, out, net, the occupancy at the end of the bucket, the
 * coverage and whether the bucket is still open. Crossings voided by a resume are not counted (the resumed worker
 * counted them again).
 */
export function buildReport(store: Store, q: ReportQuery): Report {
  const db = store.db;
  const known = db.prepare(`SELECT DISTINCT task FROM task_runs ORDER BY task`).pluck().all() as string[];
  const unknown = (q.tasks ?? []).filter((t) => !known.includes(t));
  if (unknown.length > 0) {
    throw new ReportError(`no task ${unknown.join(', ')} in ${store.file} (it has: ${known.join(', ') || 'no tasks yet'})`);
  }
  const tasks = q.tasks && q.tasks.length > 0 ? q.tasks : known;
  if (tasks.length === 0) return { rows: [], span: null };
  const inTasks = `task IN (${tasks.map(() => '?').join(',')})`;
  if (q.lines && q.lines.length > 0) {
    // A misspelt line gave an empty report that looked like a quiet time, with exit status 0.
    const runLines = db.prepare(`SELECT lines FROM task_runs WHERE ${inTasks} ORDER BY id`).pluck().all(...tasks) as string[];
    const crossed = db.prepare(`SELECT DISTINCT line FROM crossings WHERE ${inTasks}`).pluck().all(...tasks) as string[];
    const knownLines = lineNames(runLines, crossed);
    const unknownLines = q.lines.filter((l) => !knownLines.includes(l));
    if (unknownLines.length > 0) {
      const of = q.tasks && q.tasks.length > 0 ? ` for task ${q.tasks.join(', ')}` : '';
      throw new ReportError(`no line ${unknownLines.join(', ')} in ${store.file}${of} (it has: ${knownLines.join(', ') || 'no lines yet'})`);
    }
  }

  const extent = db
    .prepare(
      `SELECT MIN(s) AS first, MAX(e) AS last FROM (
         SELECT MIN(start) AS s, MAX(end) AS e FROM coverage WHERE ${inTasks}
         UNION ALL SELECT MIN(ts), MAX(ts) + 1 FROM crossings WHERE void = 0 AND ${inTasks})`,
    )
    .get(...tasks, ...tasks) as { first: number | null; last: number | null };
  const from = q.since ?? extent.first;
  const to = q.until ?? extent.last;
  if (from === null || to === null || !(to > from)) return { rows: [], span: null };
  const estimate = Math.ceil((to - from) / BUCKET_MS[q.bucket]);
  if (estimate > MAX_BUCKETS) {
    const when = (t: number) => new Date(t).toISOString().slice(0, 10);
    throw new ReportError(
      `${when(from)} to ${when(to)} is ${estimate} buckets of ${q.bucket}, more than ${MAX_BUCKETS}: give a larger --bucket or a shorter --since/--until`,
      true,
    );
  }
  const buckets = bucketsBetween(from, to, q.bucket, q.zone);
  if (buckets.length === 0) return { rows: [], span: null };
  const span = { start: buckets[0].start, end: buckets[buckets.length - 1].end };

  const runs = db.prepare(`SELECT id, chain_id, task, lines, started_at, occupancy_reset, occupancy_floor, zone FROM task_runs WHERE ${inTasks} ORDER BY id`).all(...tasks) as {
    id: number;
    chain_id: number;
    task: string;
    lines: string;
    started_at: number;
    occupancy_reset: string | null;
    occupancy_floor: number | null;
    zone: string | null;
  }[];
  const rules = new Map<number, OccupancyRules>(runs.map((r) => [r.id, { reset: r.occupancy_reset, floor: r.occupancy_floor, zone: r.zone ?? q.zone }]));

  const slot = buckets.every((b) => b.start % QUARTER === 0 && b.end % QUARTER === 0) ? QUARTER : 1000;
  const sums = db.prepare(
    `SELECT line, direction, ts / ${slot} AS slot, count(*) AS n FROM crossings
     WHERE void = 0 AND task = ? AND ts >= ? AND ts < ? GROUP BY line, direction, slot`,
  );
  // The bare columns come from the row with MAX(id): the last crossing stored in the slot, whose occupancy is current.
  const lastPerSlot = db.prepare(
    `SELECT ts / ${slot} AS slot, MAX(id), ts, occupancy, task_run_id FROM crossings
     WHERE void = 0 AND task = ? AND ts >= ? AND ts < ? GROUP BY slot ORDER BY slot`,
  );
  const before = db.prepare(`SELECT ts, occupancy, task_run_id FROM crossings WHERE void = 0 AND task = ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT 1`);
  const coverage = db.prepare(`SELECT start, end FROM coverage WHERE task = ? AND end > ? AND start < ? ORDER BY start`);

  const rows: ReportRow[] = [];
  for (const task of tasks) {
    const taskRuns = runs.filter((r) => r.task === task);
    const slotSums = sums.all(task, span.start, span.end) as { line: string; direction: 'in' | 'out'; slot: number; n: number }[];
    const lines = lineNames(taskRuns.map((r) => r.lines), slotSums.map((s) => s.line)).filter((l) => !q.lines || q.lines.length === 0 || q.lines.includes(l));
    if (lines.length === 0) continue;
    const counts = new Map<string, { in: number; out: number }[]>(lines.map((l) => [l, buckets.map(() => ({ in: 0, out: 0 }))]));
    for (const s of slotSums) {
      const perBucket = counts.get(s.line);
      const i = bucketIndex(buckets, s.slot * slot);
      if (perBucket && i >= 0) perBucket[i][s.direction] += s.n;
    }
    const lasts = lastPerSlot.all(task, span.start, span.end) as (LastCrossing & { slot: number })[];
    const occupancy = occupancyAtEnds(buckets, lasts, slot, before.get(task, span.start) as LastCrossing | undefined, {
      chainStarts: taskRuns.filter((r) => r.id === r.chain_id).map((r) => r.started_at),
      rules,
      now: q.now,
    });
    const covered = coveredShare(buckets, merge(coverage.all(task, span.start, span.end) as Bucket[]), q.now);
    buckets.forEach((b, i) => {
      for (const line of lines) {
        const n = counts.get(line)![i];
        rows.push({
          task,
          line,
          start: b.start,
          end: b.end,
          in: n.in,
          out: n.out,
          net: n.in - n.out,
          occupancy: occupancy[i],
          coverage: floor3(covered[i]),
          provisional: b.end > q.now,
        });
      }
    });
  }
  return { rows, span };
}

/** Line names in the order the task runs list them, then any others that crossings name. */
function lineNames(runLines: string[], crossed: string[]): string[] {
  const names: string[] = [];
  for (const json of runLines) for (const l of JSON.parse(json) as { name: string }[]) if (!names.includes(l.name)) names.push(l.name);
  for (const l of crossed) if (!names.includes(l)) names.push(l);
  return names;
}

/**
 * The occupancy at each bucket's end (or now): that after the last crossing before it, unless the count started
 * anew or a reset time of that crossing's task run came in between.
 */
function occupancyAtEnds(
  buckets: Bucket[],
  lastPerSlot: (LastCrossing & { slot: number })[],
  slot: number,
  before: LastCrossing | undefined,
  ctx: { chainStarts: number[]; rules: Map<number, OccupancyRules>; now: number },
): number[] {
  let last = before ?? null;
  let k = 0;
  return buckets.map((b) => {
    const at = Math.min(b.end, ctx.now);
    while (k < lastPerSlot.length && lastPerSlot[k].slot * slot < b.end) last = lastPerSlot[k++];
    if (!last) return 0;
    if (ctx.chainStarts.some((s) => s > last!.ts && s <= at)) return 0;
    const rules = ctx.rules.get(last.task_run_id);
    if (rules && resetBetween(last.ts, at, rules)) return Math.max(rules.floor ?? 0, 0);
    return last.occupancy ?? 0;
  });
}

function merge(intervals: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const iv of intervals) {
    const prev = out[out.length - 1];
    if (prev && iv.start <= prev.end) prev.end = Math.max(prev.end, iv.end);
    else out.push({ ...iv });
  }
  return out;
}

/** Per bucket: covered time / bucket length (the elapsed part for an open bucket). */
function coveredShare(buckets: Bucket[], intervals: Bucket[], now: number): number[] {
  return buckets.map((b) => {
    const end = Math.min(b.end, now);
    if (end <= b.start) return 0;
    let covered = 0;
    for (const iv of intervals) covered += Math.max(0, Math.min(iv.end, end) - Math.max(iv.start, b.start));
    return Math.min(1, covered / (end - b.start));
  });
}
