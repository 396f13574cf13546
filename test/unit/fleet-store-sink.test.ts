import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RunForwarder } from '../../src/fleet/agent-forward.js';
import { AgentRun } from '../../src/fleet/agent-run.js';
import { claimNotice, entryFields, parseEntry, type FleetEntry } from '../../src/fleet/entries.js';
import { SinkFailure, StoreSink, type EntryRoute } from '../../src/fleet/store-sink.js';
import type { StoreError } from '../../src/store/errors.js';
import { StoreGate } from '../../src/store/journal.js';
import { FleetMarks } from '../../src/store/fleet-marks.js';
import { Store } from '../../src/store/store.js';
import { beginRun, taskRun, tempStore } from '../store-helpers.js';

const progress = (n: number): FleetEntry => ({
  k: 'ev',
  task: 'cam',
  run: 'a.x.1',
  n,
  agent: 'a',
  event: { v: 1, type: 'progress', task: 'cam', ts: n, frame: n, fps: 10, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] },
});

test('a fleet batch the store cannot take is the store failure of the run (reported once), and nothing of it counts as stored', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'pcount.db');
  const store = Store.open(file, { busyTimeoutMs: 50 });
  t.after(() => store.db.close());
  const failures: StoreError[] = [];
  const gate = new StoreGate(store, (err) => failures.push(err));
  const shown: number[] = [];
  const taken: number[] = [];
  const route: EntryRoute = {
    entry: (e) => {
      taken.push('n' in e ? e.n : -1);
      return () => shown.push('n' in e ? e.n : -1);
    },
    notice: () => () => {},
    storeFailure: () => gate.failure?.message ?? null,
    storeFailed: (err) => gate.fail(err).message,
  };
  const sink = new StoreSink(store, route);
  assert.deepEqual(sink.storeBatch([progress(1), progress(2)]), [true, true]);
  assert.deepEqual(shown, [1, 2]);

  // Another writer holds the database: the batch's own writes fail (SQLITE_BUSY), outside any recorder write.
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  assert.throws(() => sink.storeBatch([progress(3)]), (err: Error) => err instanceof SinkFailure && err.message.startsWith(`cannot store fleet events: store ${file}`));
  assert.equal(failures.length, 1, 'reported through the store-failure path');
  assert.match(failures[0].detail, /SQLITE_BUSY/);
  assert.deepEqual(shown, [1, 2], 'nothing of the failed batch is shown');
  other.exec('ROLLBACK');
  other.close();

  // From now on the store is failed for the run: every batch is refused (and so stays in the agents' journals),
  // without a second report, and before the route takes any of it: it counts a crossing in memory as it stores it, and
  // the reader offers the same batch again every second (once counted per offer, the totals shown grew each second).
  const before = taken.length;
  assert.throws(() => sink.storeBatch([progress(3)]), SinkFailure);
  assert.throws(() => sink.storeBatch([progress(3)]), SinkFailure);
  assert.equal(taken.length, before, 'the route took nothing of a refused batch');
  assert.equal(failures.length, 1);
  assert.equal(sink.storedThrough('a.x.1'), 2);
});

/**
 * A file's run b.1 goes on from a's counting state after frame 100 (a wrote crossing 2 before it, and counted crossing 3,
 * a change of side held at that state, dated frame 98, after it), and Redis loses b.1's claim with its last writes
 * before any controller read the notice: the task is queued again, run c.1 goes on from the same state. b.1's entries
 * come from its agent's journal, without their claim. b.1 and c.1 both count the held change of side again, dated 98,
 * before the frame they start from: it must count once, whether b.1's entries come before c.1's claim or after.
 */
test('a run whose claim Redis lost: its hello says where it counted from, and the run claimed after it voids all it counted, also a held change of side dated before that frame', (t) => {
  const wire = (e: FleetEntry) => parseEntry(entryFields(e))!;
  const hello = { v: 1, type: 'hello', task: 'f', ts: 0, fps: 10 } as unknown as Extract<FleetEntry, { k: 'ev' }>['event'];
  const crossing = (run: string, n: number, seq: number, frame: number): FleetEntry => ({
    k: 'ev', task: 'f', run, n, agent: run[0],
    event: { v: 1, type: 'crossing', task: 'f', ts: frame, seq, line: 'a', track: 7 * seq, direction: 'in', frame, pts: frame / 10 },
  });
  /** What the agent of `run`, claimed as `claim` says, sends first: the worker's hello, as its RunForwarder sends it. */
  const helloOf = (run: string, claim: string[]) => {
    const ar = new AgentRun('f', run, 'video', '0', 0, 5000);
    ar.claim = claimNotice('f', run, run[0], claim[0], claim[1]);
    const sent: FleetEntry[] = [];
    new RunForwarder({ push: (e: FleetEntry) => sent.push(e) } as never, {} as never, run[0]).event(ar, hello);
    return sent;
  };
  const a = [claimNotice('f', 'a.1', 'a', '', ''), ...helloOf('a.1', ['', '']), crossing('a.1', 2, 1, 50), crossing('a.1', 3, 2, 95), crossing('a.1', 4, 3, 98), crossing('a.1', 5, 4, 105)].map(wire);
  const b = [...helloOf('b.1', ['101', '101|2|a.1']), crossing('b.1', 2, 1, 98), crossing('b.1', 3, 2, 103)].map(wire);
  const c = [claimNotice('f', 'c.1', 'c', '101', '101|2|a.1'), ...helloOf('c.1', ['101', '101|2|a.1']), crossing('c.1', 2, 1, 98), crossing('c.1', 3, 2, 103)].map(wire);

  for (const order of [[...a, ...b, ...c], [...a, ...c, ...b]]) {
    const store = tempStore();
    t.after(() => store.close());
    beginRun(store);
    const marks = new FleetMarks(store);
    // The controller's part, as Recorder.claimRun and the event intake do it: each fleet run's events go to a task run
    // of its own, the count's first one begun with the first event; a claim before it (the first run of a new count)
    // voids nothing, one after voids what its run counts again.
    const taskRuns = new Map<string, number>();
    let chain: number | null = null;
    const taskRunOf = (run: string) => {
      if (!taskRuns.has(run)) {
        const row = store.startTaskRun(taskRun({ task: 'f', chainId: chain }));
        chain = row.chain_id;
        taskRuns.set(run, row.id);
      }
      return taskRuns.get(run)!;
    };
    const route: EntryRoute = {
      entry: (e) => {
        const taskRunId = taskRunOf(e.run);
        if (e.k === 'ev' && e.event.type === 'crossing') store.insertCrossing({ ...e.event, taskRunId, attributes: null, occupancy: 0, fleetRun: e.run, storedAt: 0 });
        return () => {};
      },
      notice: (e) => {
        if (e.k === 'claim') marks.claim(e.run, 'f', chain === null ? null : (e.startFrame ?? 1), chain, e.mark);
        return () => {};
      },
      storeFailure: () => null,
      storeFailed: (err) => String(err),
    };
    new StoreSink(store, route).storeBatch(order);
    const counted = store.db.prepare(`SELECT fleet_run || '#' || seq AS c FROM crossings WHERE void = 0 ORDER BY fleet_run, seq`).all() as { c: string }[];
    assert.deepEqual(counted.map((r) => r.c), ['a.1#1', 'a.1#2', 'c.1#1', 'c.1#2'], `b.1's entries ${order.indexOf(b[0]) < order.indexOf(c[0]) ? 'before' : 'after'} c.1's claim`);
  }
});
