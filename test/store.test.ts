import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { StoreError } from '../src/store/errors.js';
import { StoreGate, TaskRunJournal } from '../src/store/journal.js';
import { migrate, SCHEMA_VERSION } from '../src/store/migrations.js';
import { describeResume, prepareCount, type TaskIdentity } from '../src/store/resume.js';
import { Store } from '../src/store/store.js';
import { Tally } from '../src/store/tally.js';
import { beginRun, crossing, taskRun, tempStore, UTC_RULES } from './store-helpers.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'pcount-store-'));

/** A store file at an older schema `version`, with one run and the task runs 1..`taskRuns` of task `t`. */
function olderStore(version: number, taskRuns: number): { file: string; db: Database.Database } {
  const file = path.join(tmp(), `v${version}.db`);
  const db = new Database(file);
  migrate(db, version);
  db.prepare(`INSERT INTO runs VALUES ('r1', 1, NULL, NULL, NULL, NULL, 'h', 1, 1)`).run();
  const add = db.prepare(`INSERT INTO task_runs (id, run_id, chain_id, task, kind, source, fingerprint, lines, started_at) VALUES (?, 'r1', 1, 't', 'video', 's', 'f', '[]', ?)`);
  for (let id = 1; id <= taskRuns; id++) add.run(id, id);
  return { file, db };
}

function journal(store: Store, over = {}, failures: StoreError[] = []) {
  const tally = new Tally(['a'], UTC_RULES);
  const gate = new StoreGate(store, (e) => failures.push(e));
  return { j: new TaskRunJournal(gate, store.startTaskRun(taskRun(over)), tally), tally, gate };
}

describe('store: schema and migrations', () => {
  it('creates every table in an empty file, in WAL mode, at the current version', () => {
    const store = tempStore();
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    assert.deepEqual(tables, ['checkpoints', 'coverage', 'crossings', 'fleet_ahead', 'fleet_runs', 'meta', 'runs', 'task_runs']);
    store.close();
  });

  it('migrates a store of version 1 with its data: crossings get the occupancy of their count', () => {
    const { file, db } = olderStore(1, 2);
    const add = db.prepare(`INSERT INTO crossings (task_run_id, task, seq, line, track, direction, frame, pts, ts, void) VALUES (?, 't', ?, 'a', 1, ?, 1, 0, ?, ?)`);
    add.run(1, 1, 'in', 10, 0);
    add.run(1, 2, 'in', 20, 0);
    add.run(1, 3, 'out', 30, 1); // voided by a resume: counted again by task run 2
    add.run(2, 1, 'out', 40, 0);
    add.run(2, 2, 'in', 50, 0);
    db.close();

    const store = Store.open(file);
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const rows = store.db.prepare(`SELECT seq, direction, void, occupancy FROM crossings ORDER BY ts`).all();
    assert.deepEqual(rows, [
      { seq: 1, direction: 'in', void: 0, occupancy: 1 },
      { seq: 2, direction: 'in', void: 0, occupancy: 2 },
      { seq: 3, direction: 'out', void: 1, occupancy: null },
      { seq: 1, direction: 'out', void: 0, occupancy: 1 },
      { seq: 2, direction: 'in', void: 0, occupancy: 2 },
    ]);
    assert.deepEqual(store.db.prepare(`SELECT occupancy_reset, occupancy_floor FROM task_runs WHERE id = 1`).get(), { occupancy_reset: null, occupancy_floor: null });
    store.close();
  });

  it('migrates a store of version 2 to fleet mode: its crossings kept, from no fleet run; one crossing per fleet run and seq', () => {
    const { file, db } = olderStore(2, 1);
    db.prepare(`INSERT INTO crossings (task_run_id, task, seq, line, track, direction, frame, pts, ts, void) VALUES (1, 't', 1, 'a', 1, 'in', 1, 0, 10, 0)`).run();
    db.close();

    const store = Store.open(file);
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(store.db.prepare(`SELECT seq, fleet_run, stored_at FROM crossings`).all(), [{ seq: 1, fleet_run: null, stored_at: null }]);
    store.db.prepare(`INSERT INTO task_runs (id, run_id, chain_id, task, kind, source, fingerprint, lines, started_at) VALUES (2, 'r1', 1, 't', 'video', 's', 'f', '[]', 2)`).run();
    const add = store.db.prepare(`INSERT INTO crossings (task_run_id, task, seq, line, track, direction, frame, pts, ts, fleet_run) VALUES (?, 't', 2, 'a', 1, 'in', 1, 0, 20, ?)`);
    add.run(1, 'a.run1');
    add.run(2, 'b.run1');
    // Another task run of the controller (a second controller, or a re-attach) cannot store the same crossing again.
    assert.throws(() => add.run(2, 'a.run1'), /UNIQUE constraint failed: crossings\.fleet_run, crossings\.seq/);
    store.close();
  });

  it('migrates a store of version 3: its checkpoints kept, without a counting state', () => {
    const { file, db } = olderStore(3, 1);
    db.prepare(`INSERT INTO checkpoints (task_run_id, frame, seq, fps, ts) VALUES (1, 170, 0, 25, 10)`).run();
    db.close();
    const store = Store.open(file);
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 170, seq: 0, fps: 25, state: null });
    store.close();
  });

  it('refuses a store of a newer version, another program\'s database and a file that is no database, touching none', () => {
    const dir = tmp();
    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => Store.open(newer), {
      name: 'StoreError',
      problem: 'newer',
      message: `store ${newer} was written by a newer pcount-tui (schema version ${SCHEMA_VERSION + 1}, this one knows up to ${SCHEMA_VERSION})`,
    });

    const foreign = path.join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec(`CREATE TABLE notes (x); INSERT INTO notes VALUES (1)`);
    other.close();
    const before = readFileSync(foreign);
    assert.throws(() => Store.open(foreign), (e: unknown) => e instanceof StoreError && e.problem === 'corrupt');
    assert.deepEqual(readFileSync(foreign), before);

    const garbage = path.join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a database, just text that is long enough to have a header'.repeat(20));
    const bytes = readFileSync(garbage);
    assert.throws(() => Store.open(garbage), (e: unknown) => e instanceof StoreError && e.problem === 'corrupt' && /not a pcount-tui store or is damaged/.test(e.message));
    assert.deepEqual(readFileSync(garbage), bytes);
  });
});

describe('store: crossings', () => {
  it('round-trips a crossing with its attributes, and stores each seq of a task run once', () => {
    const store = tempStore();
    beginRun(store);
    const { j, tally } = journal(store);
    const c = { ...crossing(1, 'in', 2000), attributes: { gender: 'f', age: 31 } };
    assert.deepEqual(j.crossing(c), { kind: 'counted', stored: true, occupancy: 1, gap: 0 });
    assert.deepEqual(j.crossing(c), { kind: 'duplicate' });
    assert.deepEqual(j.crossing(crossing(3, 'out', 2100)), { kind: 'counted', stored: true, occupancy: 0, gap: 1 });
    const rows = store.db.prepare(`SELECT task_run_id, task, seq, line, track, direction, frame, pts, ts, void, occupancy, attributes FROM crossings ORDER BY seq`).all();
    assert.deepEqual(rows, [
      { task_run_id: 1, task: 'door', seq: 1, line: 'a', track: 1, direction: 'in', frame: 10, pts: 1, ts: 2000, void: 0, occupancy: 1, attributes: '{"gender":"f","age":31}' },
      { task_run_id: 1, task: 'door', seq: 3, line: 'a', track: 3, direction: 'out', frame: 30, pts: 3, ts: 2100, void: 0, occupancy: 0, attributes: null },
    ]);
    assert.deepEqual([tally.in, tally.out], [1, 1]);
    // A second reader of the same task run (a restarted controller) that starts from the stored seq sees a repeat.
    const again = new TaskRunJournal(new StoreGate(store, () => {}), store.latestTaskRun('door')!, new Tally(['a'], UTC_RULES));
    assert.deepEqual(again.crossing(crossing(3, 'out', 2100)), { kind: 'duplicate' });
    store.close();
  });

  it('a fleet run\'s crossing that arrives after a later one of its run is counted, not taken for a repeat', () => {
    // The controller stores each (run, n) once, not necessarily in order (an agent's XADD that failed mid-pipeline is
    // resent from its journal after the entries behind it arrived): only the store's (fleet run, seq) says a repeat.
    const store = tempStore();
    beginRun(store);
    const tally = new Tally(['a'], UTC_RULES);
    const j = new TaskRunJournal(new StoreGate(store, () => {}), store.startTaskRun(taskRun()), tally, { run: 'a.x.1', lastSeq: 0, fps: null });
    assert.deepEqual(j.crossing(crossing(1, 'in', 2000)), { kind: 'counted', stored: true, occupancy: 1, gap: 0 });
    assert.equal(j.crossing(crossing(3, 'in', 2200)).kind, 'counted');
    assert.deepEqual(j.crossing(crossing(2, 'out', 2100)), { kind: 'counted', stored: true, occupancy: 1, gap: 0 });
    assert.deepEqual(j.crossing(crossing(2, 'out', 2100)), { kind: 'duplicate' });
    assert.deepEqual([tally.in, tally.out], [2, 1]);
    assert.deepEqual(store.db.prepare(`SELECT seq FROM crossings ORDER BY seq`).pluck().all(), [1, 2, 3]);
    store.close();
  });

  it('a fleet run\'s checkpoint keeps its state\'s place in the counting order, whatever order its crossings arrived in', () => {
    // The checkpoint's seq is the mark a returning controller resumes with: the run that goes on from the state counts
    // again exactly the crossings after it. Stored in arrival order, the highest seq can be one written after the state
    // (counted twice if taken as the mark) or miss one written before it (voided when it arrives, so lost).
    const store = tempStore();
    beginRun(store);
    const j = new TaskRunJournal(new StoreGate(store, () => {}), store.startTaskRun(taskRun()), new Tally(['a'], UTC_RULES), { run: 'a.x.1', lastSeq: 0, fps: 10 });
    j.crossing(crossing(1, 'in', 2000));
    j.crossing(crossing(2, 'in', 2100));
    j.countingState(100, '{"version":1}', 2);
    j.crossing(crossing(3, 'in', 2300)); // written after the state, arrived before the progress of its frame
    j.progress(100, 2200);
    assert.equal(store.lastCheckpoint(1)?.seq, 2, 'a crossing after the state is not in it');
    j.countingState(200, '{"version":1}', 5); // crossings 4 and 5 were written before it, and arrive after its progress
    j.progress(200, 3200);
    assert.equal(store.lastCheckpoint(1)?.seq, 5, 'crossings before the state are in it, arrived or not');
    store.close();
  });

  it('after a failed write stores nothing more, reports once, and keeps counting in memory', () => {
    const store = tempStore();
    beginRun(store);
    const failures: StoreError[] = [];
    const { j, tally } = journal(store, {}, failures);
    j.crossing(crossing(1, 'in', 2000));
    store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON crossings BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    assert.equal((j.crossing(crossing(2, 'in', 2100)) as { stored: boolean }).stored, false);
    store.db.exec(`DROP TRIGGER refuse`);
    assert.equal((j.crossing(crossing(3, 'in', 2200)) as { stored: boolean }).stored, false, 'no write after the first failure');
    assert.equal(failures.length, 1);
    assert.match(failures[0].message, new RegExp(`store ${store.file}`));
    assert.equal(tally.in, 3);
    assert.equal(store.db.prepare(`SELECT count(*) FROM crossings`).pluck().get(), 1);
    store.close();
  });

  it('keeps checkpoints of a file and coverage intervals that merge while frames keep coming', () => {
    const store = tempStore();
    beginRun(store);
    const { j } = journal(store, { startFrame: 100 });
    j.hello(25, 1000);
    j.progress(60, 2000); // warm-up before the start frame: covered, but no checkpoint
    assert.equal(store.lastCheckpoint(1), null);
    j.crossing(crossing(1, 'in', 2500));
    j.progress(120, 3000);
    j.progress(120, 4000); // no frame for a second: a gap
    j.progress(150, 5000);
    j.progress(170, 6000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 170, seq: 1, fps: 25, state: null });
    assert.deepEqual(store.db.prepare(`SELECT start, end FROM coverage ORDER BY start`).all(), [
      { start: 1000, end: 3000 },
      { start: 4000, end: 6000 },
    ]);
    // The worker's counting state goes with the checkpoint of its own frame only; once the worker has sent one, the
    // checkpoint moves only with a state (a fleet's agent sends one every 10 s, with a progress report every second).
    j.countingState(180, '{"version":1,"frame":180}');
    j.progress(190, 7000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 170, seq: 1, fps: 25, state: null }, 'a state of another frame is not the checkpoint\'s');
    j.countingState(200, '{"version":1,"frame":200}');
    j.progress(200, 8000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 200, seq: 1, fps: 25, state: '{"version":1,"frame":200}' });
    j.crossing(crossing(2, 'out', 8500));
    j.progress(210, 9000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 200, seq: 1, fps: 25, state: '{"version":1,"frame":200}' }, 'a report without its state');
    assert.deepEqual(store.db.prepare(`SELECT start, end FROM coverage ORDER BY start`).all(), [
      { start: 1000, end: 3000 },
      { start: 4000, end: 9000 },
    ], 'coverage goes on');
    store.close();
  });
});

describe('store: coverage of a fleet run\'s kept progress', () => {
  it('a report that stands for the ones not kept covers from their start; one after a stop starts a new interval', () => {
    const store = tempStore();
    beginRun(store);
    const { j } = journal(store);
    // A controller that comes back: the newest report of the hours it was away, which stands for them all.
    j.coveredSince(1000);
    j.progress(500, 9000);
    j.coveredSince(5000); // the next one stands for reports since 5000: its coverage already goes on from there
    j.progress(600, 10_000);
    j.coveredSince(12_000); // frames had stopped between 10 000 and 12 000
    j.progress(700, 13_000);
    assert.deepEqual(store.db.prepare(`SELECT start, end FROM coverage ORDER BY start`).all(), [
      { start: 1000, end: 10_000 },
      { start: 12_000, end: 13_000 },
    ]);
    store.close();
  });
});

describe('store: resuming a count', () => {
  const video: TaskIdentity = { task: 'door', kind: 'video', fingerprint: 'fp1', file: { size: 1000, mtimeMs: 5000 } };

  function interruptedVideo(state: string | null = '{"version":1,"frame":50}') {
    const store = tempStore();
    beginRun(store);
    const { j } = journal(store);
    j.hello(10, 1000);
    for (let seq = 1; seq <= 3; seq++) j.crossing(crossing(seq, seq === 2 ? 'out' : 'in', 1000 + seq));
    if (state) j.countingState(50, state);
    j.progress(50, 2000); // checkpoint: frame 50, seq 3 (with the worker's counting state)
    j.crossing(crossing(4, 'in', 2100)); // after the checkpoint: counted again on resume
    return store;
  }

  it('resumes an interrupted file after its checkpoint, voiding what will be counted again', () => {
    const store = interruptedVideo();
    const p = prepareCount(store, video);
    assert.deepEqual(p.plan, { kind: 'continue', chainId: 1, startFrame: 51, checkpoint: { taskRunId: 1, frame: 50, seq: 3, fps: 10, state: '{"version":1,"frame":50}' } });
    assert.equal(p.voided, 1);
    assert.deepEqual(p.kept?.lines, [{ name: 'a', in: 2, out: 1 }]);
    assert.equal(describeResume(p, video), 'resumes at frame 51, keeping 2 in, 1 out counted before it; 1 crossing after it will be counted again');
    // A checkpoint without the counting state (an older store's) resumes too, and says what that means.
    const old = interruptedVideo(null);
    assert.equal(
      describeResume(prepareCount(old, video), video),
      'resumes at frame 51, keeping 2 in, 1 out counted before it; 1 crossing after it will be counted again; its checkpoint holds no counting state (an older pcount-tui stored it), so tracking warms up on the seconds before it and the count near it may differ slightly from an uninterrupted run',
    );
    old.close();
    // The resumed task run joins the count; a crash before its first checkpoint resumes from the same place again.
    store.startTaskRun(taskRun({ chainId: 1, startFrame: 51 }));
    store.db.prepare(`INSERT INTO crossings (task_run_id, task, seq, line, track, direction, frame, pts, ts) VALUES (2, 'door', 1, 'a', 9, 'in', 55, 5.5, 3000)`).run();
    const again = prepareCount(store, video);
    assert.equal(again.plan.kind === 'continue' && again.plan.startFrame, 51);
    assert.equal(again.voided, 1);
    assert.deepEqual(store.chainTally(1).lines, [{ name: 'a', in: 2, out: 1 }]);
    store.close();
  });

  it('a task run whose worker writes counting states moves the checkpoint only with one, also at its first report', () => {
    const store = interruptedVideo();
    const tally = new Tally(['a'], UTC_RULES);
    const j = new TaskRunJournal(new StoreGate(store, () => undefined), store.startTaskRun(taskRun({ chainId: 1, startFrame: 51 })), tally);
    j.hello(10, 3000, true);
    // The worker wrote no state after frame 60 (its count changed the crop plan): a crash now resumes from frame 50's.
    j.progress(60, 4000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 50, seq: 3, fps: 10, state: '{"version":1,"frame":50}' });
    j.countingState(70, '{"version":1,"frame":70}');
    j.progress(70, 5000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 2, frame: 70, seq: 0, fps: 10, state: '{"version":1,"frame":70}' });
    store.close();
    // A worker that writes none (an older pcount-tui's) moves it at every report.
    const old = interruptedVideo(null);
    const k = new TaskRunJournal(new StoreGate(old, () => undefined), old.startTaskRun(taskRun({ chainId: 1, startFrame: 51 })), tally);
    k.hello(10, 3000);
    k.progress(60, 4000);
    assert.equal(old.lastCheckpoint(1)?.frame, 60);
    old.close();
  });

  it('a fresh count whose first report has no counting state stores no checkpoint without one', () => {
    // No earlier state: the first report lands on a frame whose count changed the crop plan (the worker writes none).
    // A crash before the next report must start over from frame 1, not resume from a state-less checkpoint.
    const store = tempStore();
    beginRun(store);
    const { j } = journal(store);
    j.hello(10, 1000, true);
    j.crossing(crossing(1, 'in', 1500));
    j.progress(12, 2000);
    assert.equal(store.lastCheckpoint(1), null);
    assert.deepEqual(prepareCount(store, video, false).plan, { kind: 'continue', chainId: 1, startFrame: 1, checkpoint: null });
    j.countingState(22, '{"version":1,"frame":22}', 1);
    j.progress(22, 3000);
    assert.deepEqual(store.lastCheckpoint(1), { taskRunId: 1, frame: 22, seq: 1, fps: 10, state: '{"version":1,"frame":22}' });
    store.close();
  });

  it('starts over when the file changed, the lines changed, or the last run finished', () => {
    const store = interruptedVideo();
    assert.deepEqual(prepareCount(store, { ...video, file: { size: 1001, mtimeMs: 5000 } }).plan, {
      kind: 'fresh',
      note: 'starts over: the file changed (size or modification time) since the interrupted run',
    });
    assert.equal(prepareCount(store, { ...video, fingerprint: 'other' }).plan.kind, 'fresh');
    store.endTaskRun(1, 3000, 'end');
    assert.deepEqual(prepareCount(store, video).plan, { kind: 'fresh', note: null });
    store.close();
  });

  it('continues a camera\'s totals after a crash or a failure, not after the user stopped it', () => {
    const store = tempStore();
    beginRun(store);
    const { j } = journal(store, { kind: 'camera', file: null });
    j.crossing(crossing(1, 'in', 1001));
    j.crossing(crossing(2, 'in', 1002));
    const cam: TaskIdentity = { task: 'door', kind: 'camera', fingerprint: 'fp1', file: null };
    const p = prepareCount(store, cam);
    assert.deepEqual(p.plan, { kind: 'continue', chainId: 1, startFrame: null, checkpoint: null });
    assert.equal(describeResume(p, cam), 'continues its count from the store: 2 in, 0 out, occupancy 2');
    store.endTaskRun(1, 2000, 'failed');
    assert.equal(prepareCount(store, cam).plan.kind, 'continue');
    store.db.prepare(`UPDATE task_runs SET end_reason = 'stopped'`).run();
    assert.equal(prepareCount(store, cam).plan.kind, 'fresh');
    store.close();
  });
});
