import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunForwarder } from '../../src/fleet/agent-forward.js';
import { AgentRun } from '../../src/fleet/agent-run.js';
import type { OutEntry } from '../../src/fleet/entries.js';
import type { Journal } from '../../src/fleet/journal.js';
import type { Outbox } from '../../src/fleet/outbox.js';
import type { ProgressEvent, WorkerEvent } from '../../src/protocol/events.js';

/** What an agent sends of its runs' progress while no controller follows the fleet, and while one does. */

const progress = (frame: number, ts: number): ProgressEvent => ({
  v: 1, type: 'progress', task: 'cam', ts, frame, fps: 10, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [],
});

function forwarder() {
  const time = { now: 0 };
  const clock = () => time.now;
  const sent: OutEntry[] = [];
  const outbox = { push: (e: OutEntry) => sent.push(e), pushTail: (e: OutEntry) => sent.push(e) } as unknown as Outbox;
  const journal = { endRun: () => {} } as unknown as Journal;
  const run = new AgentRun('cam', 'a.r.1', 'camera', '0', 0, 5000, clock);
  const label = () => sent.map((e) => (e.k === 'pg' ? `pg ${e.event.frame} since ${e.since} after ${e.after}` : e.k === 'ev' ? `${e.n} ${e.event.type}` : e.k));
  return { f: new RunForwarder(outbox, journal, 'a', clock), run, label, time };
}

test('no controller: a progress every 10 s goes outside the sequence, saying since when frames kept coming; the last one goes before done', () => {
  const { f, run, label, time } = forwarder();
  f.event(run, { v: 1, type: 'hello', task: 'cam', ts: 100 } as WorkerEvent);
  for (let s = 1; s <= 25; s++) {
    time.now += 1000;
    // Frames stop coming at 12 s and come again at 14 s.
    f.event(run, progress(s === 13 || s === 14 ? 120 : s * 10, s * 1000));
  }
  f.event(run, { v: 1, type: 'done', task: 'cam', ts: 25_500, reason: 'end', frames: 250, wall_seconds: 25, avg_fps: 10, dropped: 0, lines: [], in: 0, out: 0 });
  assert.deepEqual(label(), ['1 hello', 'pg 10 since 100 after 1', 'pg 110 since 100 after 1', 'pg 210 since 14000 after 1', 'pg 250 since 14000 after 1', '2 done']);
});

test('a controller follows: every progress is in the sequence', () => {
  const { f, run, label, time } = forwarder();
  f.followed = true;
  for (let s = 1; s <= 3; s++) {
    time.now += 1000;
    f.event(run, progress(s * 10, s * 1000));
  }
  assert.deepEqual(label(), ['1 progress', '2 progress', '3 progress']);
});
