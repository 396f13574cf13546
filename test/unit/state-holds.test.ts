import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateHolds, type Counting } from '../../src/worker/counting.js';

test('no counting state holds after a frame whose count changed the crop plan; the frames around it hold', () => {
  // Counting frame 242 changed the plan after frame 243 had gone to the detector with the old one: a run resumed at 243
  // would detect it with the new one (the uninterrupted run numbered a track differently: fleet-resume-state).
  const c = { planChangedAt: 242 } as Counting;
  assert.equal(stateHolds(c, 242), false);
  assert.equal(stateHolds(c, 241), true);
  assert.equal(stateHolds(c, 243), true, 'the next frame went with the plan then in force');
  assert.equal(stateHolds({ planChangedAt: null } as Counting, 242), true, 'a plan that never changed');
});
