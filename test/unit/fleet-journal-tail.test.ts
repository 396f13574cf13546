import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { entryFields, parseEntry, type OutEntry, type ProgressEntry, type RunEntry, type StateEntry } from '../../src/fleet/entries.js';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { Journal } from '../../src/fleet/journal.js';
import { StoreSink, type EntryRoute } from '../../src/fleet/store-sink.js';
import { Store } from '../../src/store/store.js';

/** A run's tail (counting states, and progress while no controller follows) outside its sequence: only the newest of each slot costs the journal, and a resend is placed right. */

const dirOf = (t: { after(fn: () => void): void }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-jstates-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const ev = (n: number): Extract<RunEntry, { k: 'ev' }> => ({
  k: 'ev',
  task: 't',
  run: 'r1',
  n,
  agent: 'a',
  event: { v: 1, type: 'progress', task: 't', ts: n, frame: n * 10, fps: 10, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] },
});

const st = (after: number, bytes = 100): StateEntry => ({
  k: 'st',
  task: 't',
  run: 'r1',
  agent: 'a',
  after,
  event: { v: 1, type: 'state', task: 't', ts: after, frame: after * 10, seq: after, state: { version: 3, pad: 'x'.repeat(bytes) } as { version: number } },
});

/** An entry as a short label: its n, or `s<after>` for a state, `q<after>` for its pair, `p<after>` for a progress. */
const labels = (entries: OutEntry[]) => entries.map((e) => (e.k === 'st' ? `s${e.after}` : e.k === 'pg' ? `${e.pair ? 'q' : 'p'}${e.after}` : String(e.n)));

test('a state entry goes over the stream and back; one that is not a state is refused; an older agent\'s `ev` state still reads as one', () => {
  const s = st(7);
  assert.deepEqual(parseEntry(entryFields(s)), s);
  assert.equal(parseEntry(['k', 'st', 't', 't', 'r', 'r1', 'a', 'a', 'p', 'x', 'e', JSON.stringify(s.event)]), null);
  assert.equal(parseEntry(['k', 'st', 't', 't', 'r', 'r1', 'a', 'a', 'p', '3', 'e', JSON.stringify(ev(1).event)]), null);
  const old: RunEntry = { k: 'ev', task: 't', run: 'r1', n: 4, agent: 'a', event: s.event };
  assert.deepEqual(parseEntry(entryFields(old)), old);
});

test('journal: a newer state replaces the run\'s older one on disk; unsent places it after the entry it follows', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  for (let n = 1; n <= 3; n++) j.append(ev(n));
  j.putTail(st(3, 60_000));
  const withOne = j.bytes;
  j.append(ev(4));
  j.append(ev(5));
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', '3', 's3', '4', '5']);
  j.putTail(st(5, 60_000));
  assert.ok(j.bytes - withOne < 1000, 'the older state no longer counts');
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', '3', '4', '5', 's5']);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.state.json')), ['r1.state.json']);
  // Cut by the batch size, the state comes first in the next batch once the entry before it went out.
  assert.deepEqual(labels(j.unsent(5)), ['1', '2', '3', '4', '5']);
  j.markSent('r1', 5);
  assert.deepEqual(labels(j.unsent(100)), ['s5']);
  assert.equal(j.hasUnsent(), true);
  // Replaced while it was being sent: the newer one is still to go.
  const sending = j.unsent(100)[0] as StateEntry;
  j.append(ev(6));
  j.putTail(st(6));
  j.tailSent(sending, '1-0');
  assert.deepEqual(labels(j.unsent(100)), ['6', 's6']);
  j.markSent('r1', 6);
  j.tailSent(j.unsent(100)[0] as StateEntry, '2-0');
  assert.equal(j.hasUnsent(), false);
  // Redis restarted: from the acknowledged mark, with the newest state in its place.
  j.ack('r1', 2, false);
  j.resendUnacked();
  assert.deepEqual(labels(j.unsent(100)), ['3', '4', '5', '6', 's6']);
  j.close();
});

test('journal: a restarted agent resends the newest state after its entry; a done run leaves nothing; a torn state file is dropped', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  for (let n = 1; n <= 4; n++) j.append(ev(n));
  j.putTail(st(2));
  j.close();
  writeFileSync(path.join(dir, 'r9.state.json'), '{"k":"st","torn');
  writeFileSync(path.join(dir, '.r1.state.json.123.abcd.tmp'), 'half');
  const again = new Journal(dir, 64 * 1024 * 1024, false);
  assert.deepEqual(labels(again.unsent(100)), ['1', '2', 's2', '3', '4']);
  assert.deepEqual(readdirSync(dir).sort(), ['r1.state.json', 'r1@1.ndjson']);
  assert.equal(again.ack('r1', 4, true), true);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(again.bytes, 0);
});

test('journal: an hour of states without a controller costs one state, not 360', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  let n = 0;
  for (let i = 0; i < 360; i++) {
    for (let k = 0; k < 10; k++) j.append(ev(++n));
    j.putTail(st(n, 70_000));
  }
  const entries = Buffer.byteLength(`${JSON.stringify(ev(n))}\n`) * n;
  assert.ok(j.bytes < entries + 75_000, `${j.bytes} bytes`);
  assert.equal(labels(j.unsent(100_000)).filter((l) => l.startsWith('s')).length, 1);
  j.close();
});

test('store sink: a state following what is stored of its run is taken; one older than it (a resend) is not', (t) => {
  const dir = dirOf(t);
  const store = Store.open(path.join(dir, 'pcount.db'));
  t.after(() => store.db.close());
  const routed: string[] = [];
  const route: EntryRoute = {
    entry: (e) => (routed.push('n' in e ? String(e.n) : `s${e.after}`), () => {}),
    notice: () => () => {},
    storeFailure: () => null,
    storeFailed: (err) => String(err),
  };
  const sink = new StoreSink(store, route);
  assert.deepEqual(sink.storeBatch([ev(1), ev(2), st(2), ev(3)]), [true, true, true, true]);
  // Its n is not one of the run's: nothing waits for it.
  assert.equal(sink.storedThrough('r1'), 3);
  assert.deepEqual(sink.storeBatch([ev(1), ev(2), st(2), ev(3), st(3), ev(4)]), [false, false, false, false, true, true]);
  assert.deepEqual(routed, ['1', '2', 's2', '3', 's3', '4']);
});

const pg = (after: number, frame: number, pair = false): ProgressEntry => ({
  k: 'pg',
  task: 't',
  run: 'r1',
  agent: 'a',
  after,
  since: 1,
  pair,
  event: { ...(ev(1).event as ProgressEvent), ts: frame, frame },
});

test('a progress entry goes over the stream and back, without the agent\'s pair flag; one that is not a progress is refused', () => {
  const p = pg(7, 71, true);
  const { pair: _pair, ...wire } = p;
  assert.deepEqual(parseEntry(entryFields(p)), wire);
  assert.equal(parseEntry(['k', 'pg', 't', 't', 'r', 'r1', 'a', 'a', 'p', '3', 'e', JSON.stringify(st(3).event)]), null);
  assert.equal((parseEntry(entryFields({ ...p, since: null })) as ProgressEntry).since, null);
});

test('journal: a progress replaces the run\'s older one; the one of the newest state\'s frame stays with it until a newer state', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  j.append(ev(1));
  j.putTail(pg(1, 11));
  j.append(ev(2));
  j.putTail(pg(2, 21));
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', 'p2']);
  j.putTail(st(2));
  j.putTail(pg(2, 20, true));
  // The pair is the newest progress: the older one goes.
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', 's2', 'q2']);
  j.append(ev(3));
  j.putTail(pg(3, 30));
  j.putTail(pg(3, 31));
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', 's2', 'q2', '3', 'p3']);
  // A newer state: the older state's pair goes with it; the progress before the new state stays until the new pair.
  j.append(ev(4));
  j.putTail(st(4));
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', '3', 'p3', '4', 's4']);
  j.putTail(pg(4, 40, true));
  assert.deepEqual(labels(j.unsent(100)), ['1', '2', '3', '4', 's4', 'q4']);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.ndjson')).sort(), ['r1.pair.json', 'r1.state.json']);
  j.close();
  // A restarted agent reads them back in their places; a done run leaves nothing.
  const again = new Journal(dir, 64 * 1024 * 1024, false);
  assert.deepEqual(labels(again.unsent(100)), ['1', '2', '3', '4', 's4', 'q4']);
  assert.equal(again.ack('r1', 4, true), true);
  assert.deepEqual(readdirSync(dir), []);
});

test('journal: an hour of progress without a controller costs the newest report and the newest state\'s, not 3600', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  let n = 0;
  for (let s = 1; s <= 3600; s++) {
    if (s % 100 === 0) j.append(ev(++n)); // a crossing now and then
    if (s % 10 === 0) j.putTail(st(n));
    j.putTail(pg(n, s * 10, s % 10 === 0));
  }
  const entries = Buffer.byteLength(`${JSON.stringify(ev(n))}\n`) * n;
  assert.ok(j.bytes < entries + 3000, `${j.bytes} bytes for ${n} entries`);
  assert.deepEqual(labels(j.unsent(100_000)).filter((l) => !/^\d/.test(l)), [`s${n}`, `q${n}`]);
  j.close();
});

test('journal: the stream copy a tail entry replaces is named for deletion, also when an earlier agent process sent it', (t) => {
  const dir = dirOf(t);
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  j.append(ev(1));
  j.putTail(st(1));
  assert.deepEqual(j.tailSent(j.unsent(100)[1] as StateEntry, '5-0'), []);
  j.putTail(pg(1, 10, true));
  assert.deepEqual(j.tailSent(j.unsent(100)[1] as ProgressEntry, '6-0'), []);
  j.putTail(pg(1, 11));
  assert.deepEqual(j.tailSent(j.unsent(100)[1] as ProgressEntry, '7-0'), []);
  j.close();
  // Restarted: it resends its tail; each copy that goes in names the earlier process's of its slot (and those it replaces).
  const again = new Journal(dir, 64 * 1024 * 1024, false);
  const tail = again.unsent(100).filter((e): e is StateEntry | ProgressEntry => e.k === 'st' || e.k === 'pg');
  assert.deepEqual(labels(tail), ['s1', 'q1', 'p1']);
  assert.deepEqual(again.tailSent(tail[0], '8-0').sort(), ['5-0', '6-0'], 'a state replaces the older state and its pair');
  assert.deepEqual(again.tailSent(tail[1], '9-0'), ['7-0'], 'a pair replaces the progress before it');
  assert.deepEqual(again.tailSent(tail[2], '10-0'), []);
  again.putTail(pg(1, 12));
  assert.deepEqual(again.tailSent(again.unsent(100)[0] as ProgressEntry, '11-0'), ['10-0']);
  again.close();
});

test('store sink: a progress following what is stored of its run is taken; an older one (a resend) is not', (t) => {
  const dir = dirOf(t);
  const store = Store.open(path.join(dir, 'pcount.db'));
  t.after(() => store.db.close());
  const routed: string[] = [];
  const route: EntryRoute = {
    entry: (e) => (routed.push(labels([e])[0]), () => {}),
    notice: () => () => {},
    storeFailure: () => null,
    storeFailed: (err) => String(err),
  };
  const sink = new StoreSink(store, route);
  assert.deepEqual(sink.storeBatch([ev(1), st(1), pg(1, 10, true), ev(2), pg(2, 20)]), [true, true, true, true, true]);
  assert.equal(sink.storedThrough('r1'), 2, 'nothing waits for a progress outside the sequence');
  assert.deepEqual(sink.storeBatch([pg(1, 10, true), ev(3), pg(2, 20)]), [false, true, false]);
  assert.deepEqual(routed, ['1', 's1', 'q1', '2', 'p2', '3']);
});
