import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FleetMarks, type ResumeMark } from '../../src/store/fleet-marks.js';
import { migrate } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { beginRun, taskRun, tempStore } from '../store-helpers.js';

/**
 * Which crossings of a file's earlier fleet runs a later run's claim voids: those it counts again. A crossing is dated
 * where the path met the line, which can come before the frame that counted it (a held change of side), so a run that
 * goes on from a counting state voids by counting order (the state's mark); a resume point without a mark (no state,
 * an older pcount-tui) by frame, as before.
 */

/** A store with one count (chain) of task `f`, and a function that stores crossings of a fleet run (each its own task run) into it. */
function fleetCount(store: Store) {
  beginRun(store);
  const row = store.startTaskRun(taskRun({ task: 'f' }));
  const taskRuns = new Map<string, number>();
  const taskRunOf = (run: string) => {
    if (!taskRuns.has(run)) taskRuns.set(run, taskRuns.size === 0 ? row.id : store.startTaskRun(taskRun({ task: 'f', chainId: row.chain_id })).id);
    return taskRuns.get(run)!;
  };
  const marks = new FleetMarks(store);
  const add = (run: string, seq: number, frame: number) =>
    store.insertCrossing({ taskRunId: taskRunOf(run), task: 'f', seq, line: 'a', track: seq, direction: 'in', frame, pts: frame / 10, ts: frame, attributes: null, occupancy: 0, fleetRun: run, storedAt: 0 });
  const claim = (run: string, from: number | null, mark: ResumeMark | null = null) =>
    (marks.claim(run, 'f', from, row.chain_id, mark) ?? []).map((c) => `${c.seq}@${c.frame}`);
  const counted = () =>
    (store.db.prepare(`SELECT fleet_run AS run, seq FROM crossings WHERE void = 0 ORDER BY fleet_run, seq`).all() as { run: string; seq: number }[]).map((r) => `${r.run}#${r.seq}`);
  return { add, claim, counted };
}

/**
 * Run r1 counts from frame 1; its worker writes a state after frame 100 once it had written crossing 2. Crossing 3 is
 * a change of side held at that state and counted after it (on a later pass, or released when the worker stopped),
 * dated frame 98; crossing 4 is dated 105.
 */
function firstRun(c: ReturnType<typeof fleetCount>) {
  assert.deepEqual(c.claim('r1', 1), []);
  assert.equal(c.add('r1', 1, 50), 'stored');
  assert.equal(c.add('r1', 2, 95), 'stored');
  assert.equal(c.add('r1', 3, 98), 'stored');
  assert.equal(c.add('r1', 4, 105), 'stored');
}

test('a run that goes on from a counting state voids the state\'s run\'s crossings counted after it, also those dated before its frame', () => {
  const c = fleetCount(tempStore());
  firstRun(c);
  assert.deepEqual(c.claim('r2', 101, { run: 'r1', seq: 2 }), ['3@98', '4@105']);
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2']);
  // Crossings of r1 that reach the store after the claim: by counting order too, whatever frame they are dated.
  assert.equal(c.add('r1', 5, 99), 'void');
  assert.equal(c.add('r2', 1, 98), 'stored', 'r2 counts the held change of side again, dated where it was');
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2', 'r2#1']);
});

test('a resume point without a mark (no state, or an older pcount-tui) voids by frame, as before', () => {
  const c = fleetCount(tempStore());
  firstRun(c);
  assert.deepEqual(c.claim('r2', 101, null), ['4@105']);
  assert.equal(c.add('r1', 5, 99), 'stored');
  assert.equal(c.add('r1', 6, 101), 'void');
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2', 'r1#3', 'r1#5']);
});

test('a run that went on from the same state and was lost before it sent another: the next one voids all it counted', () => {
  const c = fleetCount(tempStore());
  firstRun(c);
  c.claim('r2', 101, { run: 'r1', seq: 2 });
  // r2 counts the held change of side again (dated 98) and someone at 103, then its agent dies.
  c.add('r2', 1, 98);
  c.add('r2', 2, 103);
  assert.deepEqual(c.claim('r3', 101, { run: 'r1', seq: 2 }), ['1@98', '2@103']);
  assert.equal(c.add('r2', 3, 99), 'void', 'and what it sends later');
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2']);
  // r3 goes on, sends a state after frame 150 following its crossing 2; r4 goes on from it.
  c.add('r3', 1, 98);
  c.add('r3', 2, 103);
  c.add('r3', 3, 149);
  assert.deepEqual(c.claim('r4', 151, { run: 'r3', seq: 2 }), ['3@149']);
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2', 'r3#1', 'r3#2']);
});

test('a redelivered claim voids nothing more; a camera\'s claim voids nothing', () => {
  const c = fleetCount(tempStore());
  firstRun(c);
  assert.deepEqual(c.claim('r2', 101, { run: 'r1', seq: 2 }), ['3@98', '4@105']);
  assert.deepEqual(c.claim('r2', 101, { run: 'r1', seq: 0 }), []);
  assert.deepEqual(c.claim('cam', null, { run: 'r1', seq: 0 }), []);
  assert.deepEqual(c.counted(), ['r1#1', 'r1#2']);
});

test('a store of schema 4 (claims without marks) migrates, and its recorded claims still void what arrives by frame', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-marks-')), 'pcount.db');
  const old = new Database(file);
  migrate(old, 4);
  old.exec(`INSERT INTO fleet_runs (run, task, claim, start_frame) VALUES ('r1', 'f', 1, 1), ('r2', 'f', 2, 101)`);
  old.close();
  const store = Store.open(file);
  const c = fleetCount(store);
  assert.equal(c.add('r1', 3, 98), 'stored');
  assert.equal(c.add('r1', 4, 105), 'void');
  assert.deepEqual(store.db.prepare(`SELECT mark_run, mark_seq FROM fleet_runs WHERE run = 'r2'`).get(), { mark_run: null, mark_seq: null });
  store.close();
});
