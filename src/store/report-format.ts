import type { Report, ReportRow } from './report.js';
import { formatLocal } from './zone.js';

export type ReportFormat = 'table' | 'csv' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'csv', 'json'];

export interface ReportHeader {
  store: string;
  zone: string;
  bucket: string;
  now: number;
}

/** What a row's numbers are: a full count, a partial one (coverage below 1), an open bucket, or no data at all. */
export function rowStatus(r: ReportRow): 'complete' | 'partial' | 'open' | 'no data' {
  if (r.provisional) return 'open';
  if (r.coverage <= 0 && r.in === 0 && r.out === 0) return 'no data';
  return r.coverage < 1 ? 'partial' : 'complete';
}

const CSV_COLUMNS = ['task', 'line', 'bucket_start', 'bucket_end', 'in', 'out', 'net', 'occupancy', 'coverage', 'provisional', 'status'];

function csvField(v: string | number | boolean): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function fields(r: ReportRow, zone: string): (string | number | boolean)[] {
  return [r.task, r.line, formatLocal(r.start, zone), formatLocal(r.end, zone), r.in, r.out, r.net, r.occupancy, r.coverage, r.provisional, rowStatus(r)];
}

export function formatReport(report: Report, h: ReportHeader, format: ReportFormat): string {
  if (format === 'json') {
    const rows = report.rows.map((r) => ({
      task: r.task,
      line: r.line,
      bucket_start: formatLocal(r.start, h.zone),
      bucket_end: formatLocal(r.end, h.zone),
      in: r.in,
      out: r.out,
      net: r.net,
      occupancy: r.occupancy,
      coverage: r.coverage,
      provisional: r.provisional,
      status: rowStatus(r),
    }));
    return `${JSON.stringify({ store: h.store, zone: h.zone, bucket: h.bucket, generated_at: formatLocal(h.now, h.zone), rows }, null, 2)}\n`;
  }
  if (format === 'csv') {
    return [CSV_COLUMNS.join(','), ...report.rows.map((r) => fields(r, h.zone).map(csvField).join(','))].join('\n') + '\n';
  }
  return table(report, h);
}

/** Aligned columns; every bucket that is not a full count says so in the last column, and a note explains why. */
function table(report: Report, h: ReportHeader): string {
  if (report.rows.length === 0) return `no counts in ${h.store} for this selection\n`;
  const head = ['task', 'line', `bucket (${h.zone})`, 'in', 'out', 'net', 'occupancy', 'coverage', ''];
  const body = report.rows.map((r) => {
    const status = rowStatus(r);
    return [
      r.task,
      r.line,
      formatLocal(r.start, h.zone).replace('T', ' '),
      String(r.in),
      String(r.out),
      String(r.net),
      String(r.occupancy),
      `${(Math.floor(r.coverage * 1000) / 10).toFixed(1)}%`,
      status === 'complete' ? '' : status === 'partial' ? 'PARTIAL' : status.toUpperCase(),
    ];
  });
  // Not Math.max(...cells): a year of 15-minute buckets is more arguments than a call takes (stack overflow).
  const widths = head.map((_, i) => body.reduce((w, row) => Math.max(w, row[i].length), head[i].length));
  const numeric = new Set([3, 4, 5, 6, 7]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const notes: string[] = [];
  if (body.some((r) => r[8] === 'PARTIAL')) notes.push('PARTIAL: the source was processed for only part of the bucket (coverage); its counts are a lower bound.');
  if (body.some((r) => r[8] === 'OPEN')) notes.push('OPEN: the bucket has not ended; coverage is of its elapsed part.');
  if (body.some((r) => r[8] === 'NO DATA')) notes.push('NO DATA: nothing was processed in the bucket.');
  return [line(head), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n') + '\n';
}
