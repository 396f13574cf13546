import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport } from '../../src/store/report-format.js';
import type { ReportRow } from '../../src/store/report.js';

test('a table of many buckets (26 years of 15 minutes) is printed, aligned', () => {
  const quarter = 900_000;
  const rows: ReportRow[] = Array.from({ length: 300_000 }, (_, i) => ({
    task: 'cam', line: 'door', start: i * quarter, end: (i + 1) * quarter, in: i === 7 ? 12345 : 0, out: 0, net: 0, occupancy: 0, coverage: 1, provisional: false,
  }));
  const text = formatReport({ rows, span: { start: 0, end: rows.length * quarter } }, { store: 'x.db', zone: 'UTC', bucket: '15m', now: 0 }, 'table');
  const lines = text.split('\n');
  assert.equal(lines.length, 300_002);
  assert.equal(lines[0], 'task  line  bucket (UTC)             in  out  net  occupancy  coverage');
  assert.equal(lines[8], 'cam   door  1970-01-01 01:45:00Z  12345    0    0          0    100.0%');
});
