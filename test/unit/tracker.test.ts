import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import { Tracker } from '../../src/vision/tracker.js';
import { DEFAULT_TRACKER_CONFIG } from '../../src/vision/tracker-config.js';
import type { TrackSnapshot } from '../../src/vision/track.js';
import type { LineSpec } from '../../src/vision/types.js';
import { detect, rng, walkerBox, type Walker } from '../synthetic-walk.js';

const MID: LineSpec = { name: 'mid', points: [0.5, 0, 0.5, 1] };

interface Run {
  counts: { in: number; out: number };
  /** For each walker, the set of confirmed track ids that covered it (nearest confirmed track centre per frame). */
  idsPerWalker: Set<number>[];
  frames: TrackSnapshot[][];
  crossingFrames: number[];
}

/** Runs walkers through detector-like jitter, the tracker and the counter; the detector runs every `skip` frames. */
function run(
  walkers: Walker[],
  opts: { fps: number; seconds: number; width: number; height: number; skip?: number; seed?: number },
): Run {
  const pc = new PeopleCounter([MID], { width: opts.width, height: opts.height });
  const random = rng(opts.seed ?? 1);
  const idsPerWalker = walkers.map(() => new Set<number>());
  const frames: TrackSnapshot[][] = [];
  const crossingFrames: number[] = [];
  const skip = opts.skip ?? 1;
  for (let f = 0; f < Math.round(opts.seconds * opts.fps); f++) {
    const t = f / opts.fps;
    const step = f % skip === 0 ? pc.detections(detect(walkers, t, random), f, t) : pc.predict(t);
    crossingFrames.push(...step.crossings.map((c) => c.frame));
    frames.push(step.tracks);
    walkers.forEach((w, i) => {
      if (!(w.visible?.(t) ?? true)) return;
      const [x, y, bw, bh] = walkerBox(w, t);
      let best: TrackSnapshot | undefined;
      let bestD = 0.5 * bh;
      for (const tr of step.tracks) {
        if (tr.state !== 'confirmed') continue;
        const d = Math.hypot(tr.box[0] + tr.box[2] / 2 - x - bw / 2, tr.box[1] + tr.box[3] / 2 - y - bh / 2);
        if (d < bestD) {
          bestD = d;
          best = tr;
        }
      }
      if (best) idsPerWalker[i].add(best.id);
    });
  }
  const s = pc.summary();
  return { counts: { in: s.in, out: s.out }, idsPerWalker, frames, crossingFrames };
}

/** A 768x576 scene at 7 fps with people 80 px tall, like PETS09 vtest.avi, walking at one body height per second. */
const SMALL = { fps: 7, width: 768, height: 576, h: 80 };
/** A 1920x1080 scene at 25 fps with people 300 px tall. */
const BIG = { fps: 25, width: 1920, height: 1080, h: 300 };

/** Walker crossing x = W/2 at time `at`, going left (in) or right (out), feet at height fraction `yf`. */
function crosser(scene: typeof SMALL, dir: 'in' | 'out', at: number, yf: number, visible?: (t: number) => boolean): Walker {
  const v = (dir === 'in' ? -1 : 1) * scene.h;
  return { start: [scene.width / 2 - v * at, scene.height * yf], velocity: [v, 0], height: scene.h, visible };
}

for (const scene of [SMALL, BIG]) {
  const tag = `${scene.fps} fps, ${scene.h} px people`;
  const opts = { fps: scene.fps, seconds: 5, width: scene.width, height: scene.height };

  test(`${tag}: a clean crossing keeps one id and counts one "in"`, () => {
    const r = run([crosser(scene, 'in', 2.5, 0.6)], opts);
    assert.deepEqual(r.counts, { in: 1, out: 0 });
    assert.equal(r.idsPerWalker[0].size, 1);
  });

  test(`${tag}: occluded for 1.2 s while crossing, it keeps its id and counts once`, () => {
    const hidden = (t: number) => t < 1.9 || t > 3.1;
    const r = run([crosser(scene, 'in', 2.5, 0.6, hidden)], opts);
    assert.deepEqual(r.counts, { in: 1, out: 0 });
    assert.equal(r.idsPerWalker[0].size, 1, `ids ${[...r.idsPerWalker[0]]}`);
  });

  test(`${tag}: two people crossing side by side are two ids and two counts`, () => {
    // Feet 0.6 body heights apart vertically: their boxes overlap by ~40%.
    const r = run([crosser(scene, 'in', 2.5, 0.5), crosser(scene, 'in', 2.5, 0.5 + (0.6 * scene.h) / scene.height)], opts);
    assert.deepEqual(r.counts, { in: 2, out: 0 });
    assert.equal(r.idsPerWalker[0].size, 1);
    assert.equal(r.idsPerWalker[1].size, 1);
    assert.notDeepEqual([...r.idsPerWalker[0]], [...r.idsPerWalker[1]]);
  });

  test(`${tag}: two people passing each other in opposite directions keep their ids`, () => {
    const yf = 0.6;
    const r = run([crosser(scene, 'in', 2.5, yf), crosser(scene, 'out', 2.5, yf + (0.3 * scene.h) / scene.height)], opts);
    assert.deepEqual(r.counts, { in: 1, out: 1 });
    assert.equal(r.idsPerWalker[0].size, 1, `walker 0 ids ${[...r.idsPerWalker[0]]}`);
    assert.equal(r.idsPerWalker[1].size, 1, `walker 1 ids ${[...r.idsPerWalker[1]]}`);
  });

  test(`${tag}: a lost track is removed after maxLostSeconds of time, not of frames`, () => {
    const leaves = (t: number) => t < 1;
    const r = run([crosser(scene, 'in', 4, 0.6, leaves)], { ...opts, seconds: 4.5 });
    const lastAlive = r.frames.findLastIndex((tracks) => tracks.length > 0);
    const gone = (lastAlive + 1) / scene.fps;
    // Last match at just under 1 s.
    const end = 1 + DEFAULT_TRACKER_CONFIG.maxLostSeconds;
    assert.ok(gone > end - 0.1 && gone < end + 0.1 + 1 / scene.fps, `removed at ${gone} s`);
    assert.equal(r.frames[lastAlive][0].state, 'lost');
  });
}

test('the same walk at 7 fps with small people and at 25 fps with big people gives the same result', () => {
  const summarise = (scene: typeof SMALL) => {
    const hidden = (t: number) => t < 1.5 || t > 2.3;
    const r = run(
      [crosser(scene, 'in', 2, 0.5, hidden), crosser(scene, 'out', 2.6, 0.5 + (0.4 * scene.h) / scene.height)],
      { fps: scene.fps, seconds: 5, width: scene.width, height: scene.height },
    );
    return { counts: r.counts, ids: r.idsPerWalker.map((s) => s.size) };
  };
  assert.deepEqual(summarise(SMALL), { counts: { in: 1, out: 1 }, ids: [1, 1] });
  assert.deepEqual(summarise(BIG), summarise(SMALL));
});

test('skip-frames: predicted positions between detections follow the walker, and counting is unchanged', () => {
  for (const skip of [2, 5, 10]) {
    const walker = crosser(SMALL, 'out', 2.5, 0.6);
    const r = run([walker], { fps: 7, seconds: 5, width: 768, height: 576, skip });
    assert.deepEqual(r.counts, { in: 0, out: 1 }, `skip ${skip}`);
    assert.equal(r.idsPerWalker[0].size, 1, `skip ${skip}`);
    // After the velocity has settled, predicted boxes on non-detection frames stay within 0.15 body heights.
    for (let f = 21; f < r.frames.length; f++) {
      if (f % skip === 0) continue;
      const [tr] = r.frames[f];
      const [x] = walkerBox(walker, f / 7);
      assert.ok(Math.abs(tr.box[0] - x) < 0.15 * SMALL.h, `skip ${skip} frame ${f}: x ${tr.box[0]} vs ${x}`);
      assert.equal(tr.matched, false);
    }
  }
});

test('a crossing made while tentative is counted once the track is confirmed, at the frame it happened', () => {
  // At 7 fps a person appearing a quarter body height from the line crosses it before five matches confirm it.
  const pc = new PeopleCounter([MID], { width: 768, height: 576 }, { tracker: { confirmHits: 5 } });
  const walker = crosser(SMALL, 'in', 0.25, 0.6);
  const random = rng(3);
  const crossings: { frame: number; reportedAt: number }[] = [];
  let confirmedAt = -1;
  for (let f = 0; f < 10; f++) {
    const step = pc.detections(detect([walker], f / 7, random), f, f / 7);
    if (confirmedAt < 0 && step.tracks[0].confirmed) confirmedAt = f;
    crossings.push(...step.crossings.map((c) => ({ frame: c.frame, reportedAt: f })));
  }
  assert.equal(confirmedAt, 4);
  assert.equal(crossings.length, 1);
  assert.equal(crossings[0].reportedAt, confirmedAt);
  assert.ok(crossings[0].frame < confirmedAt, `crossed at frame ${crossings[0].frame}`);
  assert.deepEqual(pc.summary(), { in: 1, out: 0, occupancy: 1 });
});

test('states: tentative, then confirmed after confirmHits matches, then lost', () => {
  const tracker = new Tracker();
  const box: [number, number, number, number] = [100, 100, 30, 80];
  const det = (x: number) => [{ box: [x, 100, 30, 80] as typeof box, score: 0.9, label: 'person' as const }];
  assert.equal(tracker.update(det(100), 0).tracks[0].state, 'tentative');
  const second = tracker.update(det(102), 0.1).tracks[0];
  assert.equal(second.state, 'confirmed');
  assert.equal(second.hits, 2);
  const lost = tracker.update([], 0.2).tracks[0];
  assert.equal(lost.state, 'lost');
  assert.equal(lost.confirmed, true);
  assert.equal(tracker.update(det(106), 0.3).tracks[0].state, 'confirmed');
});

test('ByteTrack second pass: low-score detections keep a track, but never start one', () => {
  const tracker = new Tracker();
  const at = (x: number, score: number) => [{ box: [x, 100, 30, 80] as [number, number, number, number], score, label: 'person' as const }];
  tracker.update(at(100, 0.9), 0);
  tracker.update(at(103, 0.9), 0.1);
  const kept = tracker.update(at(106, 0.3), 0.2).tracks;
  assert.equal(kept.length, 1);
  assert.equal(kept[0].state, 'confirmed');
  assert.equal(kept[0].matched, true);
  const fresh = new Tracker();
  assert.equal(fresh.update(at(100, 0.3), 0).tracks.length, 0);
  // A detection far from every track is not taken by the low-score pass either.
  const far = tracker.update(at(400, 0.3), 0.3).tracks;
  assert.equal(far.length, 1);
  assert.equal(far[0].state, 'lost');
});

test('a person walking out of the picture is not handed over to the next one walking in there', () => {
  const frame = { width: 768, height: 576 };
  // Walks right at 80 px/s and leaves at x = 768 around t = 3 s; someone else enters there at t = 4 s, walking left.
  const leaving: Walker = { start: [528, 400], velocity: [80, 0], height: 80, visible: (t) => t < 2.9 };
  const entering: Walker = { start: [768 + 320, 400], velocity: [-80, 0], height: 80, visible: (t) => t >= 4 };
  const tracker = new Tracker({}, frame);
  const random = rng(5);
  const ids = new Map<Walker, Set<number>>([
    [leaving, new Set()],
    [entering, new Set()],
  ]);
  let removedAt = -1;
  for (let f = 0; f < 60; f++) {
    const t = f / 10;
    const out = tracker.update(detect([leaving, entering], t, random), t);
    if (removedAt < 0 && out.removed.length > 0) removedAt = t;
    for (const w of [leaving, entering]) {
      if (!w.visible?.(t)) continue;
      const [x] = walkerBox(w, t);
      for (const tr of out.tracks) if (tr.confirmed && Math.abs(tr.box[0] - x) < 20) ids.get(w)?.add(tr.id);
    }
  }
  // Removed within half a second of its predicted centre leaving the frame, long before maxLostSeconds (2.5 s).
  assert.ok(removedAt > 2.9 && removedAt < 3.5, `removed at ${removedAt} s`);
  const [a] = [...(ids.get(leaving) ?? [])];
  assert.equal(ids.get(leaving)?.size, 1);
  assert.ok(!ids.get(entering)?.has(a), 'the newcomer must not inherit the id');
  // Without the frame size the tracker cannot know, and the lost track takes the newcomer.
  const blind = new Tracker();
  const random2 = rng(5);
  const handedOver = new Set<number>();
  for (let f = 0; f < 60; f++) {
    const t = f / 10;
    const out = blind.update(detect([leaving, entering], t, random2), t);
    if (t >= 4.5) for (const tr of out.tracks) if (tr.confirmed) handedOver.add(tr.id);
  }
  assert.ok(handedOver.has(1), `ids on the newcomer without frame size: ${[...handedOver]}`);
});

test('a tentative track that misses a detection pass for long enough is dropped', () => {
  const tracker = new Tracker();
  tracker.update([{ box: [100, 100, 30, 80], score: 0.9, label: 'person' }], 0);
  // Missed passes within tentativeMaxLostSeconds (1 s) are tolerated...
  assert.equal(tracker.update([], 0.5).tracks.length, 1);
  assert.equal(tracker.update([], 0.9).tracks.length, 1);
  // ...but not a longer gap; the tracker reports it as removed and unconfirmed.
  const out = tracker.update([], 1.1);
  assert.equal(out.tracks.length, 0);
  assert.deepEqual(out.removed, [{ id: 1, confirmed: false }]);
});

test('a tentative track past its lifetime takes no detection on the pass it ends: a newcomer starts its own track', () => {
  // Detections every 0.7 s (7 fps with --skip-frames 5): a tentative track lives 1.5 passes, 1.05 s.
  const person = (x: number) => [{ box: [x - 15, 200, 30, 80] as [number, number, number, number], score: 0.9, label: 'person' as const }];
  const tracker = new Tracker();
  tracker.update(person(350), 0);
  assert.equal(tracker.update([], 0.7).tracks.length, 1);
  // 1.4 s after its one sighting, someone within a walk of it: not the stale track's second match.
  const out = tracker.update(person(400), 1.4);
  assert.deepEqual(out.removed, [{ id: 1, confirmed: false }]);
  assert.deepEqual(out.tracks.map((t) => [t.id, t.state]), [[2, 'tentative']]);
  // So no crossing of a line between the two sightings is counted for them.
  const pc = new PeopleCounter([MID], { width: 768, height: 576 });
  pc.detections(person(350), 0, 0);
  pc.detections([], 5, 0.7);
  const crossings = [...pc.detections(person(400), 10, 1.4).crossings, ...pc.detections(person(402), 15, 2.1).crossings];
  assert.deepEqual(crossings, []);
  assert.deepEqual(pc.summary(), { in: 0, out: 0, occupancy: 0 });
});

test('empty and non-finite boxes are ignored instead of corrupting tracks', () => {
  const tracker = new Tracker();
  const out = tracker.update(
    [
      { box: [10, 10, 0, 80], score: 0.9, label: 'person' },
      { box: [10, 10, 30, NaN], score: 0.9, label: 'person' },
      { box: [100, 100, 30, 80], score: 0.9, label: 'person' },
    ],
    0,
  );
  assert.equal(out.tracks.length, 1);
  assert.ok(out.tracks[0].box.every(Number.isFinite));
});

test('bad time and bad settings are refused with the value in the message', () => {
  const tracker = new Tracker();
  tracker.update([], 1);
  assert.throws(() => tracker.update([], 0.5), /time went backwards: 0.5 s after 1 s/);
  assert.throws(() => tracker.predict(NaN), /finite number of seconds, got NaN/);
  assert.throws(() => new Tracker({ maxLostSeconds: -1 }), /maxLostSeconds must be ≥ 0, got -1/);
  assert.throws(() => new Tracker({ lowScore: 0.7, highScore: 0.5 }), /lowScore \(0.7\) must not exceed highScore/);
  assert.throws(() => new Tracker({ heading: { weight: -1, span: 0.8, minStep: 0.1, shrink: 0.2 } }), /heading.weight must be ≥ 0, got -1/);
});

test('after a gap in the frames longer than maxLostSeconds no track jumps across it into a crossing', () => {
  // Frames stop at 1 s (a stalled camera) and come back at 4.5 s; by then someone stands where the walker would be,
  // beyond the line. Matching them (the gate has grown with 3.5 s of prediction) would count a crossing nobody saw.
  // Without the long-lost buffer: a person seen again after the stall where the walker would be is not ruled out by
  // it (tested with the synthetic crowds), but no track may match across the gap through the grown Kalman gate.
  const pc = new PeopleCounter([MID], { width: 768, height: 576 }, { tracker: { longLostSeconds: 0 } });
  const walker: Walker = { start: [500, 400], velocity: [-80, 0], height: 80 };
  const random = rng(9);
  for (let f = 0; f <= 7; f++) pc.detections(detect([walker], f / 7, random), f, f / 7);
  const ids = pc.detections(detect([walker], 1, random), 8, 1).tracks.map((t) => t.id);
  const after = pc.detections(detect([walker], 4.5, random), 9, 4.5);
  assert.deepEqual(after.crossings, []);
  assert.deepEqual(after.removed.map((r) => r.id), ids);
  assert.deepEqual(pc.summary(), { in: 0, out: 0, occupancy: 0 });
});

test('a new frame size ends the tracks of the old picture (ids go on) and keeps the counts', () => {
  const pc = new PeopleCounter([MID], { width: 768, height: 576 });
  const det = (x: number, w: number) => [{ box: [x, 100, w, 2 * w] as [number, number, number, number], score: 0.9, label: 'person' as const }];
  // Someone walking right to left across x = 384 (in) in the 768-wide picture.
  for (let f = 0; f < 10; f++) pc.detections(det(420 - 8 * f, 40), f, f / 10);
  assert.deepEqual(pc.summary(), { in: 1, out: 0, occupancy: 1 });
  const before = pc.detections(det(340, 40), 10, 1).tracks.map((t) => t.id);
  // The camera comes back at half the size: a box at x = 200 (right of the new middle, 192) is somebody new, not the
  // old track jumped there; walking left across x = 192 counts.
  pc.setLines([MID], { width: 384, height: 288 });
  assert.deepEqual(pc.size, { width: 384, height: 288 });
  const crossed: number[] = [];
  for (let f = 11; f < 20; f++) {
    const step = pc.detections(det(210 - 4 * (f - 11), 20), f, f / 10);
    assert.ok(step.tracks.every((t) => !before.includes(t.id)), `frame ${f}: tracks ${step.tracks.map((t) => t.id)} after ${before}`);
    crossed.push(...step.crossings.map((c) => c.track));
  }
  assert.equal(crossed.length, 1);
  assert.deepEqual(pc.summary(), { in: 2, out: 0, occupancy: 2 });
});

test('a change of side still held when the camera comes back at another size counts, as when its track ends', () => {
  const pc = new PeopleCounter([MID], { width: 768, height: 576 });
  const det = (x: number) => [{ box: [x, 100, 40, 80] as [number, number, number, number], score: 0.9, label: 'person' as const }];
  // Someone walks right to left and stops with their feet just past x = 384: past the margin, short of confirmStep.
  const xs = [...Array.from({ length: 20 }, (_, i) => 400 - 2 * i), ...Array<number>(12).fill(360)];
  const counted = xs.flatMap((x, f) => pc.detections(det(x), f, f / 10).crossings);
  assert.deepEqual(counted, [], 'held');
  pc.setLines([MID], { width: 384, height: 288 });
  const step = pc.detections([], xs.length, xs.length / 10);
  assert.deepEqual(step.crossings.map((c) => [c.line, c.direction]), [['mid', 'in']]);
  assert.deepEqual(pc.summary(), { in: 1, out: 0, occupancy: 1 });
});
