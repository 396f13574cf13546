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
test('real worker on the MOT17-09 cut: the crossings of the ground truth, and at most three it does not have', async () => {
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

  // With crops at the people's scale (issue 7 items 1, 2) the detector finds most people of this cut: 22 of the 25
  // crossings were found, at the price of three extra ones from the tracker in the crowd. Since the counter places the
  // feet of people cut by the bottom edge below it as the annotation does (cut-feet.ts, walked-out.ts), the person who
  // walks out through the edge crossing x50 at frame 20 is no longer counted: this test's truth, on boxes cut to the
  // picture, counts them. Found 20 of 25 with one extra (a track split at x30, frame 41; replay of the worker's
  // recording). Main's 384-px input found 18 with none extra (F1 0.84). Held here: no worse than that overall, at
  // most three extra, and recall that needs the crops.
  const f1 = (2 * m.matched.length) / (truth.length + found.length);
  assert.ok(m.extra.length <= 3, `crossings the ground truth does not have: ${show(m.extra)}`);
  assert.ok(m.matched.length >= 20, `found ${m.matched.length} of ${truth.length}; missed ${show(m.missed)}`);
  assert.ok(f1 >= 0.84, `crossing F1 ${f1.toFixed(3)}: missed ${show(m.missed)}; extra ${show(m.extra)}`);
});
