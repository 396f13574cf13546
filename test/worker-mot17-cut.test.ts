import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cutToPicture, matchCrossings, truthCrossings, type TimedCrossing } from '../src/metrics/crossings.js';
import { readMot17File } from '../src/metrics/gt.js';
import type { CrossingEvent, DoneEvent } from '../src/protocol/events.js';
import type { LineSpec } from '../src/vision/types.js';
import { repoRoot, runWorkerCli } from './worker-harness.js';

const footage = path.join(repoRoot, 'test/fixtures/footage');
const FRAME = { width: 1920, height: 1080 };
const FPS = 30;
const LINES: LineSpec[] = [0.3, 0.5, 0.7].map((x) => ({ name: `x${x * 100}`, points: [x, 0, x, 1] }));

/**
 * How far in time a found crossing may be from the annotated one: a detector's box bottom differs from the annotated
 * one by about a tenth of a body height, the counter's margin is 5 % of it, and people here walk about one body height
 * per second, so a right crossing is found within about 0.2 s; a person hidden while crossing is placed on the line
 * by interpolating between the sightings, which for the gaps in this cut (under a second) errs by less than 0.3 s.
 */
const TOLERANCE_SECONDS = 0.5;

/**
 * The real worker, default settings, on 140 frames of MOT17-09 (1080p, 30 fps): a dense street where people are
 * 250–1000 px tall and hide each other. The ground truth has 25 crossings of the three lines by the counting rule on
 * the annotated boxes cut to the picture (two people close to the camera walk with their feet below it: the annotation
 * puts their anchor outside the picture, the camera and the detector see them cross).
 */
test('real worker on the MOT17-09 cut: the crossings of the ground truth, and nothing the ground truth does not have', async () => {
  const rows = readMot17File(path.join(footage, 'mot17-09-141-280.gt.txt')).filter((r) => r.conf !== 0);
  const truth = truthCrossings(
    rows.map((r) => ({ ...r, box: cutToPicture(r.box, FRAME) })),
    LINES,
    FRAME,
    FPS,
  );
  assert.equal(truth.length, 25);

  const args = ['--source', path.join(footage, 'mot17-09-141-280.mp4'), ...LINES.flatMap((l) => ['--line', `${l.points.join(',')},${l.name}`])];
  const r = await runWorkerCli(args, 120_000);
  assert.equal(r.code, 0, r.stderr);
  const done = r.events.at(-1) as DoneEvent;
  assert.equal(done.frames, 140);
  const found: TimedCrossing[] = r.events
    .filter((e): e is CrossingEvent => e.type === 'crossing')
    .map((c) => ({ line: c.line, direction: c.direction, t: (c.frame - 1) / FPS, id: c.track }));
  const m = matchCrossings(truth, found, TOLERANCE_SECONDS);
  const show = (xs: TimedCrossing[]) => xs.map((x) => `${x.line}:${x.direction}@${Math.round(x.t * FPS + 1)}`).join(' ') || '-';

  // Precision: a double count, a track jumping between people across a line, or a crossing counted at the wrong time
  // shows here. Today there is none; one is allowed, as one more detector change can put a box on two people.
  assert.ok(m.extra.length <= 1, `crossings the ground truth does not have: ${show(m.extra)}`);
  // Recall: at the default 384-px input the built-in detector finds only about 35–50 % of people this size (issue 7)
  // and this cut is the densest part of the clip. Today 18 of 25 are found; four of the misses are crossings in the
  // first 40 frames, before a track has had time to see the person twice. 14 (0.56) leaves room for the detector
  // and fails when identities or counts break.
  assert.ok(m.matched.length >= 14, `found ${m.matched.length} of ${truth.length}; missed ${show(m.missed)}`);
});
