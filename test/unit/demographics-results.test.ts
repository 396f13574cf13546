import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/load.js';
import type { TaskSpec } from '../../src/config/types.js';
import { Recorder } from '../../src/orchestrator/recorder.js';
import { workerArgs } from '../../src/orchestrator/spawn-worker.js';
import { TaskResults } from '../../src/orchestrator/results.js';
import type { DemographicFields, WorkerEvent } from '../../src/protocol/events.js';
import { Tally } from '../../src/store/tally.js';
import { formatSplit, taskSplit } from '../../src/tui/demographics-line.js';

const base = { v: 1 as const, task: 'door', ts: 1 };
const none = { gender: null, gender_score: null, age: null, age_band: null, face_px: null };
const male24: DemographicFields = { gender: 'male', gender_score: 0.9, age: 24, age_band: '20-29', face_px: 60 };
const rules = { reset: null, floor: null, zone: 'UTC' };

function spec(demographics: boolean): TaskSpec {
  const lines = ['a', 'b'].map((name) => ({ name, points: [0.5, 0, 0.5, 1] as [number, number, number, number] }));
  return { id: 'door', kind: 'video', source: '/x.mp4', lines, options: { skip_frames: 1, confidence: 0.3, demographics: { enabled: demographics } } };
}

const crossing = (seq: number, line: string, who: Partial<DemographicFields>): WorkerEvent => ({
  ...base,
  type: 'crossing',
  seq,
  line,
  track: seq,
  direction: 'in',
  frame: seq * 10,
  pts: seq,
  ...who,
});
const progress: WorkerEvent = { ...base, type: 'progress', frame: 50, fps: 1, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] };

test('a pending crossing kept for the exports gets its later estimate', () => {
  const r = new TaskResults(new Tally(['line'], rules));
  const events: WorkerEvent[] = [
    crossing(1, 'line', { ...none, reason: 'pending' }),
    crossing(2, 'line', { ...none, reason: 'no_face' }),
    { ...base, type: 'demographics', seq: 1, line: 'line', track: 1, frame: 10, ...male24 },
  ];
  for (const e of events) r.apply(e);
  const [first, second] = r.crossings.toArray();
  assert.deepEqual([first.gender, first.age_band, first.face_px, 'reason' in first], ['male', '20-29', 60, false]);
  assert.equal(second.reason, 'no_face');
});

test('the parent splits each line by gender and age band from the crossings, pending ones moving when settled', () => {
  const recorder = new Recorder(null, () => 1, () => undefined);
  const count = recorder.prepare(spec(true));
  const shown = (ev: WorkerEvent) => recorder.receive(null, count, ev);
  shown(crossing(1, 'a', male24));
  shown(crossing(2, 'a', { ...none, reason: 'pending' }));
  shown(crossing(3, 'b', { ...none, reason: 'no_face' }));
  let [p] = shown(progress);
  assert.equal(p.type, 'progress');
  const lines = () => (p as Extract<WorkerEvent, { type: 'progress' }>).lines;
  assert.deepEqual(lines()[0].gender, { male: 1, female: 0, unknown: 1 });
  assert.deepEqual(lines()[1].gender, { male: 0, female: 0, unknown: 1 });
  shown({ ...base, type: 'demographics', seq: 2, line: 'a', track: 2, frame: 20, ...male24, gender: 'female', age_band: '30-39', age: 33 });
  [p] = shown(progress);
  assert.deepEqual(lines()[0].gender, { male: 1, female: 1, unknown: 0 });
  assert.deepEqual([lines()[0].age_band?.['20-29'], lines()[0].age_band?.['30-39']], [1, 1]);
  const s = taskSplit(lines())!;
  assert.deepEqual(s.gender, { male: 1, female: 1, unknown: 1 });
  assert.match(formatSplit(s), /^who: M1 F1 \?1 \| 0-12:0 13-19:0 20-29:1 30-39:1 .* 70\+:0 \?:1$/);
  assert.ok(formatSplit(s).length <= 80, formatSplit(s));
});

test('without demographics the lines carry no split, and the dashboard shows none', () => {
  const recorder = new Recorder(null, () => 1, () => undefined);
  const count = recorder.prepare(spec(false));
  recorder.receive(null, count, crossing(1, 'a', {}));
  const [p] = recorder.receive(null, count, progress);
  assert.deepEqual((p as Extract<WorkerEvent, { type: 'progress' }>).lines, [
    { name: 'a', in: 1, out: 0 },
    { name: 'b', in: 0, out: 0 },
  ]);
  assert.equal(taskSplit([{ name: 'a', in: 1, out: 0 }]), null);
});

test('demographics settings: parallel_config, then the task, then --demographics, setting by setting, passed to the worker', () => {
  const clip = fileURLToPath(new URL('../../../test/fixtures/footage/vtest-480.avi', import.meta.url));
  const lines = [{ name: 'a', points: [0.5, 0, 0.5, 1] }];
  const config = {
    parallel_config: { result_output: tmpdir(), demographics: { min_face_px: 48, batch_timeout_ms: 100 } },
    videos: [
      { id: 'on', source: clip, lines, demographics: { batch_size: 4 } },
      { id: 'off', source: clip, lines, demographics: { enabled: false } },
    ],
  };
  const plain = resolveConfig(config, null, tmpdir());
  assert.ok(plain.ok);
  assert.ok(plain.config.tasks.every((t) => !workerArgs(t, { threads: 1, logLevel: 'info' }).includes('--demographics')), 'off unless enabled');
  const r = resolveConfig(config, null, tmpdir(), { task: { demographics: { enabled: true } } });
  assert.ok(r.ok);
  assert.deepEqual(r.config.tasks[0].options.demographics, { min_face_px: 48, batch_timeout_ms: 100, batch_size: 4, enabled: true });
  const args = workerArgs(r.config.tasks[0], { threads: 1, logLevel: 'info' });
  const at = args.indexOf('--demographics');
  assert.deepEqual(args.slice(at, at + 7), ['--demographics', '--min-face-px', '48', '--batch-size', '4', '--batch-timeout-ms', '100']);
  assert.equal(r.config.tasks[1].options.demographics?.enabled, true, 'the command line wins over the task');
});
