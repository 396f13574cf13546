import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventBody } from '../../src/worker/emitter.js';
import { ProgressReporter, type ProgressSource } from '../../src/worker/progress.js';

/** The states bench:resume-every resumes from: one after a frame on demand, and still one before each progress event. */
function reporter(holds: (frame: number) => boolean): { r: ProgressReporter; out: EventBody[] } {
  const out: EventBody[] = [];
  const src: ProgressSource = {
    frames: () => 3,
    dropped: () => 0,
    detections: () => 0,
    counts: () => ({ lines: [], in: 0, out: 0, occupancy: 0 }),
    crossings: () => 2,
    state: (frame) => (holds(frame) ? { version: 2, frame } : null),
  };
  return { r: new ProgressReporter(src, (body) => out.push(body), { duration: null }, 60_000), out };
}

test('progress reporter: writeState writes the state after the frame just processed, with the crossings before it', () => {
  const { r, out } = reporter((frame) => frame !== 5);
  r.writeState();
  assert.equal(out.length, 0, 'none before a frame was processed');
  r.frameDone(4, 0.4, 1);
  r.writeState();
  assert.deepEqual(out, [{ type: 'state', frame: 4, seq: 2, state: { version: 2, frame: 4 } }]);
  r.frameDone(5, 0.5, 1);
  r.writeState();
  assert.equal(out.length, 1, 'none where the source has none (a frame that changed the crop plan)');
  r.report();
  assert.deepEqual(out.map((e) => e.type), ['state', 'progress'], 'a progress event without a state there');
  r.frameDone(6, 0.6, 1);
  r.report();
  assert.deepEqual(out.slice(2).map((e) => [e.type, (e as { frame?: number }).frame]), [['state', 6], ['progress', 6]]);
});
