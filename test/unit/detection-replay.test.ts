import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRecording, replaySteps } from '../../src/worker/detection-record.js';
import type { PeopleCounterOptions } from '../../src/vision/people-counter.js';

/**
 * A detection recording (worker --record-detections) played back: its last line says the worker's counting ended,
 * and the replay ends its counter there as the worker did (PeopleCounter.finish), so held crossings count alike.
 */
const HEADER = { recording: 1, source: { width: 200, height: 200, fps: 10 }, lines: [{ name: 'mid', points: [0.5, 0, 0.5, 1] }], anchor: 'bottom' };

/** One person 100 px tall, one detection a frame, feet at these x (the line is x = 100), then the end if asked. */
function recording(feetX: number[], end: boolean): string {
  const rows = [HEADER, ...feetX.map((x, i) => ({ f: i + 1, t: i / 10, d: [[x - 20, 50, 40, 100, 0.9]] })), ...(end ? [{ end: true }] : [])];
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

/** Per step: its frame, how many tracks it has, and its crossings as [direction, frame]. */
type Seen = { frame: number; tracks: number; crossings: [string, number][] };
const crossingsOf = (text: string, options: PeopleCounterOptions = {}): Seen[] =>
  [...replaySteps(readRecording(text, 'test'), options)].map((s) => ({
    frame: s.frame,
    tracks: s.step.tracks.length,
    crossings: s.step.crossings.map((c): [string, number] => [c.direction, c.frame]),
  }));

// The filtered feet reach 94.6: 5.4 px past the line, beyond the 5 px margin and within 8 px (confirmStep 0.08).
const WALK = [130, 125, 120, 115, 110, 105, 100, 94];

test('a recording that ends with the feet just past a line counts that crossing at its end, dated where the path crossed', () => {
  const steps = crossingsOf(recording(WALK, true), { counter: { confirmStep: 0.08 } });
  assert.equal(steps.length, WALK.length + 1);
  assert.deepEqual(steps.slice(0, -1).flatMap((s) => s.crossings), []);
  // The end: a step on the last frame, without tracks, with the held crossing.
  assert.deepEqual(steps.at(-1), { frame: 8, tracks: 0, crossings: [['in', 7]] });
});

test('a recording without its end (a run that failed) leaves the crossing held; counted at once without holding', () => {
  assert.deepEqual(crossingsOf(recording(WALK, false), { counter: { confirmStep: 0.08 } }).flatMap((s) => s.crossings), []);
  const documented = crossingsOf(recording(WALK, true), { counter: { confirmStep: 0 } });
  assert.deepEqual(documented.at(-2), { frame: 8, tracks: 1, crossings: [['in', 7]] });
  assert.deepEqual(documented.at(-1), { frame: 8, tracks: 0, crossings: [] });
});
