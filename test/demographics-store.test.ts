import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskSpec } from '../src/config/types.js';
import { Recorder } from '../src/orchestrator/recorder.js';
import type { DemographicFields, WorkerEvent } from '../src/protocol/events.js';
import { Tally } from '../src/store/tally.js';
import { tempStore, UTC_RULES } from './store-helpers.js';

const base = { v: 1 as const, task: 'door', ts: 5000 };
const none = { gender: null, gender_score: null, age: null, age_band: null, face_px: null };
const female41: DemographicFields = { gender: 'female', gender_score: 0.97, age: 41, age_band: '40-49', face_px: 72 };

const spec: TaskSpec = {
  id: 'door',
  kind: 'video',
  source: '/videos/door.mp4',
  lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }],
  options: { skip_frames: 1, confidence: 0.3, demographics: { enabled: true } },
};

const crossing = (seq: number, who: Partial<DemographicFields>): WorkerEvent => ({
  ...base,
  type: 'crossing',
  seq,
  line: 'a',
  track: seq,
  direction: 'in',
  frame: seq * 10,
  pts: seq,
  ...who,
});

test('the store keeps the demographic fields of crossings, a late estimate included, and a continued count its split', () => {
  const store = tempStore();
  const recorder = new Recorder(store, () => 5000, (err) => assert.fail(err.message));
  const run = { id: 'r1', startedAt: 5000, folder: '/out/runs/r1' };
  recorder.beginRun(run, null);
  const count = recorder.prepare(spec);
  const journal = recorder.beginTaskRun(spec, count, run);
  assert.ok(journal);
  recorder.receive(journal, count, crossing(1, { ...none, reason: 'pending' }));
  recorder.receive(journal, count, crossing(2, { ...none, reason: 'no_face' }));
  recorder.receive(journal, count, { ...base, type: 'demographics', seq: 1, line: 'a', track: 1, frame: 10, ...female41 });
  const rows = store.db.prepare(`SELECT seq, attributes FROM crossings ORDER BY seq`).all() as { seq: number; attributes: string }[];
  assert.deepEqual(JSON.parse(rows[0].attributes), female41, 'the estimate replaced pending');
  assert.deepEqual(JSON.parse(rows[1].attributes), { ...none, reason: 'no_face' });
  // A repeated estimate changes nothing.
  recorder.receive(journal, count, { ...base, type: 'demographics', seq: 1, line: 'a', track: 1, frame: 10, ...none, reason: 'no_face' });
  assert.deepEqual(JSON.parse((store.db.prepare(`SELECT attributes FROM crossings WHERE seq = 1`).pluck().get() as string)), female41);
  assert.deepEqual(count.tally.perLine()[0].gender, { male: 0, female: 1, unknown: 1 });

  // What a count continued from the store starts with.
  const again = new Tally(['a'], UTC_RULES, store.chainTally(journal.row.chain_id), true);
  assert.deepEqual(again.perLine(), count.tally.perLine());
  assert.equal(again.perLine()[0].age_band?.['40-49'], 1);
  store.close();
});

test('a fleet run stores demographics like a local one; a crossing counted again by a later run leaves the split too', () => {
  const store = tempStore();
  const recorder = new Recorder(store, () => 5000, (err) => assert.fail(err.message), true);
  const run = { id: 'r1', startedAt: 5000, folder: '/out/runs/r1' };
  recorder.beginRun(run, null);
  const count = recorder.prepare(spec);
  recorder.claimRun(spec, count, 'agent-run-1', null, null);
  const journal = recorder.beginTaskRun(spec, count, run, { fleetRun: 'agent-run-1', startFrame: null });
  assert.ok(journal);
  const male30: DemographicFields = { gender: 'male', gender_score: 0.9, age: 33, age_band: '30-39', face_px: 60 };
  recorder.receive(journal, count, crossing(1, { ...none, reason: 'pending' }));
  recorder.receive(journal, count, crossing(2, male30));
  assert.deepEqual(recorder.receive(journal, count, crossing(2, male30)), [], 'a repeated delivery is dropped');
  recorder.receive(journal, count, { ...base, type: 'demographics', seq: 1, line: 'a', track: 1, frame: 10, ...female41 });
  const rows = store.db.prepare(`SELECT seq, fleet_run, attributes FROM crossings ORDER BY seq`).all() as { seq: number; fleet_run: string; attributes: string }[];
  assert.deepEqual(rows.map((r) => [r.seq, r.fleet_run]), [[1, 'agent-run-1'], [2, 'agent-run-1']]);
  assert.deepEqual(JSON.parse(rows[0].attributes), female41, 'the late estimate reached the stored crossing');
  assert.deepEqual(count.tally.perLine()[0].gender, { male: 1, female: 1, unknown: 0 });
  // A later run of the file claims it from frame 15: crossing 2 (frame 20) will be counted again, by that run.
  const voided = recorder.claimRun(spec, count, 'agent-run-2', 15, null);
  assert.deepEqual(voided.map((c) => c.seq), [2]);
  assert.equal(count.tally.in, 1);
  assert.deepEqual(count.tally.perLine()[0].gender, { male: 0, female: 1, unknown: 0 });
  assert.equal(count.tally.perLine()[0].age_band?.['30-39'], 0);
  store.close();
});

test('a late estimate of a fleet run reaches the crossing an earlier controller stored as pending', () => {
  const store = tempStore();
  const first = new Recorder(store, () => 5000, (err) => assert.fail(err.message), true);
  const run1 = { id: 'r1', startedAt: 5000, folder: '/out/runs/r1' };
  first.beginRun(run1, null);
  const count1 = first.prepare(spec);
  first.claimRun(spec, count1, 'agent-run-1', null, null);
  const journal1 = first.beginTaskRun(spec, count1, run1, { fleetRun: 'agent-run-1', startFrame: null });
  assert.ok(journal1);
  first.receive(journal1, count1, crossing(1, { ...none, reason: 'pending' }));

  // That controller goes away; the next one attaches to the run, which goes on counting on its agent.
  const second = new Recorder(store, () => 9000, (err) => assert.fail(err.message), true);
  const run2 = { id: 'r2', startedAt: 9000, folder: '/out/runs/r2' };
  second.beginRun(run2, null);
  const count2 = second.prepare(spec);
  const journal2 = second.beginTaskRun(spec, count2, run2, { fleetRun: 'agent-run-1', startFrame: null });
  assert.ok(journal2);
  assert.notEqual(journal2.row.id, journal1.row.id);
  second.receive(journal2, count2, { ...base, type: 'demographics', seq: 1, line: 'a', track: 1, frame: 10, ...female41 });
  assert.deepEqual(JSON.parse(store.db.prepare(`SELECT attributes FROM crossings WHERE seq = 1`).pluck().get() as string), female41);
  assert.deepEqual(count2.tally.perLine()[0].gender, { male: 0, female: 1, unknown: 0 });
  // Settled once: a second estimate for it (another controller's replay) changes nothing.
  second.receive(journal2, count2, { ...base, type: 'demographics', seq: 1, line: 'a', track: 1, frame: 10, ...none, reason: 'no_face' });
  assert.deepEqual(JSON.parse(store.db.prepare(`SELECT attributes FROM crossings WHERE seq = 1`).pluck().get() as string), female41);
  assert.deepEqual(count2.tally.perLine()[0].gender, { male: 0, female: 1, unknown: 0 });
  store.close();
});

test('a crossing whose estimate never comes (its worker died, or the run was killed with it) is stored as interrupted, not pending forever', () => {
  const store = tempStore();
  const reasonOf = (seq: number, taskRun: number) =>
    (JSON.parse(store.db.prepare(`SELECT attributes FROM crossings WHERE seq = ? AND task_run_id = ?`).pluck().get(seq, taskRun) as string) as DemographicFields & { reason?: string }).reason;
  const recorder = new Recorder(store, () => 5000, (err) => assert.fail(err.message));
  const run = { id: 'r1', startedAt: 5000, folder: '/out/runs/r1' };
  recorder.beginRun(run, null);
  // The worker crashes under a live run: its task run ends with a crossing still waiting for its face views.
  const count = recorder.prepare(spec);
  const crashed = recorder.beginTaskRun(spec, count, run)!;
  recorder.receive(crashed, count, crossing(1, { ...none, reason: 'pending' }));
  recorder.receive(crashed, count, crossing(2, { ...none, reason: 'pending' }));
  recorder.receive(crashed, count, { ...base, type: 'demographics', seq: 2, line: 'a', track: 2, frame: 20, ...female41 });
  recorder.endTaskRun(crashed, 'failed');
  assert.equal(reasonOf(1, crashed.row.id), 'interrupted');
  assert.equal(reasonOf(2, crashed.row.id), undefined, 'a settled crossing keeps its estimate');
  // The restarted worker's crossing is pending when the whole run is killed (kill -9): nobody ends its task run.
  const restarted = recorder.beginTaskRun(spec, count, run)!;
  recorder.receive(restarted, count, crossing(1, { ...none, reason: 'pending' }));
  assert.equal(reasonOf(1, restarted.row.id), 'pending');
  const next = new Recorder(store, () => 9000, (err) => assert.fail(err.message));
  next.beginRun({ id: 'r2', startedAt: 9000, folder: '/out/runs/r2' }, null);
  next.prepare(spec);
  assert.equal(reasonOf(1, restarted.row.id), 'interrupted', 'the next run of the task says it');
  assert.equal(store.db.prepare(`SELECT COUNT(*) FROM crossings WHERE json_extract(attributes, '$.reason') = 'pending'`).pluck().get(), 0);
  store.close();
});

test('a returning fleet controller resumes a file from its store\'s checkpoint with the mark of its state: the earlier run\'s crossings written after it are void, also one dated before the resume frame', () => {
  const store = tempStore();
  const plain: TaskSpec = { ...spec, options: { skip_frames: 1, confidence: 0.3 } };
  const first = new Recorder(store, () => 5000, (err) => assert.fail(err.message), true);
  const run1 = { id: 'r1', startedAt: 5000, folder: '/out/runs/r1' };
  first.beginRun(run1, null);
  const count1 = first.prepare(plain);
  first.claimRun(plain, count1, 'agent-run-1', null, null);
  const journal = first.beginTaskRun(plain, count1, run1, { fleetRun: 'agent-run-1', startFrame: null });
  assert.ok(journal);
  journal.hello(10, 5000);
  first.receive(journal, count1, crossing(1, {}));
  journal.countingState(30, '{"version":2,"frame":30}');
  first.receive(journal, count1, { ...base, type: 'progress', frame: 30, fps: 10, in: 1, out: 0, occupancy: 1, tracks: 1, dropped: 0, position: 3, duration: 100, lines: [] });
  // Written after the state, dated before its frame (a held change of side): the run that goes on from the state counts it again.
  first.receive(journal, count1, { ...crossing(2, {}), frame: 25 } as WorkerEvent);
  journal.end('interrupted', 6000);

  const second = new Recorder(store, () => 9000, (err) => assert.fail(err.message), true);
  second.beginRun({ id: 'r2', startedAt: 9000, folder: '/out/runs/r2' }, null);
  const count2 = second.prepare(plain);
  assert.equal(count2.startFrame, 31);
  assert.equal(count2.startState, '{"version":2,"frame":30}');
  assert.deepEqual(count2.startMark, { run: 'agent-run-1', seq: 1 });
  const voided = second.claimRun(plain, count2, 'agent-run-2', count2.startFrame, count2.startMark ?? null);
  assert.deepEqual(voided.map((c) => c.seq), [2]);
  assert.equal(count2.tally.in, 1);
  store.close();
});
