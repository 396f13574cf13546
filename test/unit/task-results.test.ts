import assert from 'node:assert/strict';
import test from 'node:test';
import type { DoneEvent, HelloEvent, ProgressEvent } from '../../src/protocol/events.js';
import { TaskResults } from '../../src/orchestrator/results.js';
import { Tally } from '../../src/store/tally.js';

/** The count's tally after one crossing on the door (the counts a TaskResults shows are its tally's). */
function oneIn(): Tally {
  const t = new Tally(['door'], { reset: null, floor: null, zone: 'UTC' });
  t.add('door', 'in', 0);
  return t;
}

const base = { v: 1 as const, task: 'lobby', ts: 0 };
const lines = [{ name: 'door', in: 1, out: 0 }];
const hello = { ...base, type: 'hello', duration: 10, fps: 10 } as HelloEvent;
const progress: ProgressEvent = {
  ...base, type: 'progress', frame: 20, fps: 30, in: 1, out: 0, occupancy: 1, tracks: 1, dropped: 0, position: 2, duration: 10, lines,
};
const done = (reason: DoneEvent['reason']): DoneEvent => ({
  ...base, type: 'done', reason, frames: 20, wall_seconds: 1, avg_fps: 20, dropped: 0, lines, in: 1, out: 0,
});

for (const reason of ['stopped', 'error'] as const) {
  test(`a file whose worker ends ${reason} keeps its progress where it stopped`, () => {
    const r = new TaskResults(oneIn());
    for (const ev of [hello, progress, done(reason)]) r.apply(ev);
    assert.equal(r.progress(), 0.2);
    assert.equal(r.in, 1);
  });
}

test('a file read to its end is at 100 %', () => {
  const r = new TaskResults(oneIn());
  for (const ev of [hello, progress, done('end')]) r.apply(ev);
  assert.equal(r.progress(), 1);
});
