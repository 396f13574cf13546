import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { packState, readResumeState, unpackState, type ResumeState } from '../../src/worker/resume-state.js';
import type { HeightObservation } from '../../src/vision/person-heights.js';

/** The planner's heights written as references into the counter's: the same state back, a fifth smaller; version 1 still read. */

const sample = (i: number): HeightObservation => ({ y: 100 + i * 0.731, height: 60 + ((i * 7.3) % 50) });

/** A state with plain data: the counter's 400 samples, the planner's the same people but 9, in another ring order. */
function state(): ResumeState {
  const counter = Array.from({ length: 400 }, (_, i) => sample(i));
  const crops = [...counter.slice(150), ...counter.slice(0, 141), ...Array.from({ length: 9 }, (_, i) => sample(1000 + i))];
  return {
    version: 1,
    frame: 480,
    skipFrames: 1,
    source: { width: 768, height: 576 },
    counter: { tracker: { tracks: [] }, counter: { sides: {} }, heights: { seen: counter, next: 39 }, trails: [] } as unknown as ResumeState['counter'],
    crops: { options: '{}', model: { seen: crops, next: 384 }, plan: null, learned: true, proposal: null, passesSinceChange: 2 } as unknown as ResumeState['crops'],
  };
}

test('a state written with the planner\'s heights as references reads back the same, and is smaller', () => {
  const full = state();
  const written = JSON.parse(JSON.stringify(packState(full))) as ReturnType<typeof packState>;
  assert.equal(written.version, 2);
  assert.equal(written.crops.model.seen.filter((s) => typeof s === 'number').length, 391);
  assert.deepEqual(unpackState(written), { ...full, version: 2 });
  const saved = JSON.stringify(full).length - JSON.stringify(written).length;
  assert.ok(saved > JSON.stringify(full.crops.model).length * 0.8, `${saved} bytes saved`);
});

test('readResumeState takes a version 1 state (each model in full) and a version 2 one alike; a reference to nothing is refused', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-state-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const full = state();
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(data));
    return file;
  };
  const v1 = readResumeState(write('v1.json', full), 481, 1);
  const v2 = readResumeState(write('v2.json', packState(full)), 481, 1);
  assert.ok('state' in v1 && 'state' in v2);
  assert.deepEqual(v2.state.crops, v1.state.crops);
  assert.deepEqual(v2.state.counter, v1.state.counter);
  const broken = packState(full);
  broken.crops.model.seen[0] = 400;
  assert.deepEqual(readResumeState(write('bad.json', broken), 481, 1), { unusable: 'its crop planner\'s heights refer to samples it does not hold' });
  assert.match(String((readResumeState(write('v3.json', { ...full, version: 3 }), 481, 1) as { unusable: string }).unusable), /version 3; this worker reads versions 1 and 2/);
});

test('a --start-state that is a device is not used, said why, instead of read until the worker aborts (was: /dev/zero, std::bad_alloc)', () => {
  assert.deepEqual(readResumeState('/dev/zero', 5, 1), { unusable: 'it cannot be read (is a device, not a file)' });
});
