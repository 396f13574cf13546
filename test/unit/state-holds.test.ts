import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateHolds, type Counting } from '../../src/worker/counting.js';
import type { Tile } from '../../src/vision/crop-plan.js';

const tile = (x: number): Tile => ({ x, y: 0, w: 384, h: 384, inputWidth: 384, inputHeight: 384, scaledWidth: 384, scaledHeight: 384 });

/** The part of a task's counting stateHolds reads: the plan in force and the frame sent ahead of its turn. */
function counting(planTiles: Tile[], sentAhead: Counting['sentAhead']): Counting {
  return { crops: { plan: { regions: [], tiles: planTiles } }, sentAhead } as unknown as Counting;
}

test('a state holds unless a frame after it went to the detector with tiles the plan has since dropped', () => {
  const before = [tile(0)];
  const after = [tile(100)];
  // Counting frame 242 changed the plan after frame 243 went with the old tiles: a run resumed at 243 would detect it
  // with the new ones (the uninterrupted run numbered a track differently: fleet-resume-state).
  assert.equal(stateHolds(counting(after, { frame: 243, tiles: before }), 242), false);
  assert.equal(stateHolds(counting(before, { frame: 243, tiles: before }), 242), true, 'the plan as the frame went');
  assert.equal(stateHolds(counting(after, { frame: 242, tiles: before }), 242), true, 'nothing after the state went ahead');
  assert.equal(stateHolds(counting(after, null), 242), true, 'nothing went ahead (a file read to its end, a warm start)');
});
