import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskResults } from '../src/orchestrator/results.js';
import type { ProgressEvent, WorkerEvent } from '../src/protocol/events.js';
import { formatSplit, taskSplit } from '../src/tui/demographics-line.js';

const base = { v: 1 as const, task: 'door', ts: 1 };
const split = (male: number, unknown: number) => ({
  gender: { male, female: 0, unknown },
  age_band: { '0-12': 0, '13-19': 0, '20-29': male, '30-39': 0, '40-49': 0, '50-59': 0, '60-69': 0, '70+': 0, unknown },
});

test('a pending crossing kept for the exports gets its later estimate', () => {
  const r = new TaskResults(['line']);
  const none = { gender: null, gender_score: null, age: null, age_band: null, face_px: null };
  const events: WorkerEvent[] = [
    { ...base, type: 'crossing', seq: 1, line: 'line', track: 4, direction: 'in', frame: 10, pts: 1, ...none, reason: 'pending' },
    { ...base, type: 'crossing', seq: 2, line: 'line', track: 5, direction: 'in', frame: 11, pts: 1.1, ...none, reason: 'no_face' },
    { ...base, type: 'demographics', seq: 1, line: 'line', track: 4, frame: 10, gender: 'male', gender_score: 0.9, age: 24, age_band: '20-29', face_px: 60 },
  ];
  for (const e of events) r.apply(e);
  const [first, second] = r.crossings.toArray();
  assert.deepEqual([first.gender, first.age_band, first.face_px, 'reason' in first], ['male', '20-29', 60, false]);
  assert.equal(second.reason, 'no_face');
});

test('line splits add up across a restarted child, and the dashboard line sums the lines', () => {
  const r = new TaskResults(['a', 'b']);
  const progress = (lines: ProgressEvent['lines']) =>
    r.apply({ ...base, type: 'progress', frame: 1, fps: 1, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines });
  progress([{ name: 'a', in: 2, out: 0, ...split(2, 0) }, { name: 'b', in: 1, out: 0, ...split(0, 1) }]);
  r.carryOver();
  progress([{ name: 'a', in: 1, out: 0, ...split(1, 0) }, { name: 'b', in: 0, out: 0, ...split(0, 0) }]);
  assert.deepEqual(r.lines[0].gender, { male: 3, female: 0, unknown: 0 });
  const s = taskSplit(r.lines)!;
  assert.deepEqual(s.gender, { male: 3, female: 0, unknown: 1 });
  assert.match(formatSplit(s), /^who: M3 F0 \?1 \| 0-12:0 13-19:0 20-29:3 .* 70\+:0 \?:1$/);
  assert.ok(formatSplit(s).length <= 80, formatSplit(s));
  assert.equal(taskSplit([{ name: 'a', in: 1, out: 0 }]), null, 'no split without demographics');
});
