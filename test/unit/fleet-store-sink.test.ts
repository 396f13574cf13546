import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FleetEntry } from '../../src/fleet/entries.js';
import { SinkFailure, StoreSink, type EntryRoute } from '../../src/fleet/store-sink.js';
import type { StoreError } from '../../src/store/errors.js';
import { StoreGate } from '../../src/store/journal.js';
import { Store } from '../../src/store/store.js';

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
