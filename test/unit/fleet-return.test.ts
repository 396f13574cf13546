import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTakeIn, takesIn, type ResumePlan } from '../../src/store/resume.js';

/** A controller's return: what it takes in of what the fleet did while no controller followed it. Pure parts. */

const goesOn: ResumePlan = { kind: 'continue', chainId: 4, startFrame: 227, checkpoint: { taskRunId: 9, frame: 226, seq: 5, fps: 7, state: null } };
const fresh: ResumePlan = { kind: 'fresh', note: null };

test('takesIn: a finished fleet run is taken in only by the file count it belongs to, and only when no other store took its rest', () => {
  // The store followed the run (holds n ≤ 40 of it), the fleet acknowledged as much: taken in.
  assert.equal(takesIn(goesOn, 'video', 40, 40), true);
  assert.equal(takesIn(goesOn, 'video', 0, 0), true, 'a run the store saw claimed, nothing of it stored yet');
  // Another store's controller acknowledged more than this store holds: its entries are gone from the stream.
  assert.equal(takesIn(goesOn, 'video', 55, 40), false);
  // A run this store never saw, a count that starts anew (the file was finished or its lines changed), a camera.
  assert.equal(takesIn(goesOn, 'video', 0, null), false);
  assert.equal(takesIn(fresh, 'video', 40, 40), false);
  assert.equal(takesIn({ kind: 'continue', chainId: 4, startFrame: null, checkpoint: null }, 'camera', 40, 40), false);
});

test('describeTakeIn says what happens to the file and what the store holds of it', () => {
  const prepared = { plan: goesOn, kept: { lines: [{ name: 'door', in: 4, out: 2 }], last: null }, voided: 0 };
  assert.equal(
    describeTakeIn(prepared, 'a.m1.x', 'a'),
    'finished on agent a while no controller followed it (run a.m1.x): taking in what it reported, not counting the file again (4 in, 2 out stored so far)',
  );
});
