import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, type CrossingRecord } from '../../src/vision/line-counter.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { Box, Detection, LineSpec } from '../../src/vision/types.js';

const FRAME = { width: 200, height: 200 };
// A = (100, 0), B = (100, 200): d = (0, 200), side = −200·(x − 100): left of the line is +, right is −.
const MID: LineSpec = { name: 'mid', points: [0.5, 0, 0.5, 1] };

/** Box of height h whose bottom centre (feet) is at (x, y). */
function feet(x: number, y: number, h = 40): Box {
  return [x - 0.2 * h, y - h, 0.4 * h, h];
}

/** Feeds one confirmed track along feet positions, one frame each; returns all crossings. */
function walk(counter: LineCounter, id: number, points: [number, number][], firstFrame = 0): CrossingRecord[] {
  return points.flatMap(([x, y], i) =>
    counter.update([{ id, box: feet(x, y), confirmed: true }], firstFrame + i, (firstFrame + i) / 10),
  );
}

test('a clean crossing from right to left is one "in", with its frame and pts', () => {
  const c = new LineCounter([MID], FRAME);
  const got = walk(c, 1, [
    [140, 100],
    [120, 100],
    [104, 100],
    [90, 100],
    [70, 100],
  ]);
  // The feet cross x = 100 between frames 2 (x = 104) and 3 (x = 90), 4/14 of the way: reported there.
  assert.equal(got.length, 1);
  assert.deepEqual({ ...got[0], pts: undefined }, { line: 'mid', track: 1, direction: 'in', frame: 2, pts: undefined });
  assert.ok(Math.abs(got[0].pts - (0.2 + (0.1 * 4) / 14)) < 1e-9, `pts ${got[0].pts}`);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
  assert.deepEqual(c.summary(), { in: 1, out: 0, occupancy: 1 });
});

test('both directions: left to right is "out", and back and forth counts every time', () => {
  const c = new LineCounter([MID], FRAME);
  walk(c, 1, [
    [60, 100],
    [140, 100],
    [60, 100],
    [140, 100],
  ]);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 2 }]);
  assert.deepEqual(c.summary(), { in: 1, out: 2, occupancy: -1 });
});

test('jitter on the line counts once, not at every wobble', () => {
  const c = new LineCounter([MID], FRAME);
  // Feet sway within ±1.5 px of the line (margin: max(3 px, 5% of 40 px) = 3 px) before going on.
  const sway: [number, number][] = [99, 101.5, 98.5, 101, 99, 100.5, 98.6].map((x) => [x, 100]);
  const got = walk(c, 1, [[130, 100], [110, 100], ...sway, [90, 100], [70, 100]]);
  assert.equal(got.length, 1);
  assert.equal(got[0].direction, 'in');
  // Without hysteresis the same path would count every raw sign change.
  const raw = new LineCounter([MID], FRAME, { marginMinPx: 0, marginRelative: 0, confirmStep: 0 });
  const rawGot = walk(raw, 1, [[130, 100], [110, 100], ...sway, [90, 100], [70, 100]]);
  assert.ok(rawGot.length > 1, `no hysteresis: ${rawGot.length} crossings`);
});

test('swaying across the line and returning to the start side counts nothing', () => {
  const c = new LineCounter([MID], FRAME);
  const got = walk(c, 1, [
    [120, 100],
    [102, 100],
    [99, 100],
    [101.5, 100],
    [115, 100],
  ]);
  assert.deepEqual(got, []);
});

test('a crossing beyond the end of the segment is not counted, one inside it is', () => {
  const short: LineSpec = { name: 'short', points: [0.5, 0, 0.5, 0.5] }; // from y = 0 to y = 100
  const c = new LineCounter([short], FRAME);
  assert.deepEqual(
    walk(c, 1, [
      [140, 150],
      [60, 150],
    ]),
    [],
  );
  // The side still changed: walking back across the segment itself is an "out".
  const back = walk(
    c,
    1,
    [
      [60, 80],
      [140, 80],
    ],
    2,
  );
  assert.deepEqual(
    back.map((r) => r.direction),
    ['out'],
  );
  // A diagonal path whose crossing point (y = 110) is past the end, though both ends are beside the segment.
  const c2 = new LineCounter([short], FRAME);
  assert.deepEqual(
    walk(c2, 2, [
      [140, 70],
      [60, 150],
    ]),
    [],
  );
});

test('several named lines are counted separately', () => {
  const lines: LineSpec[] = [MID, { name: 'across', points: [0, 0.5, 1, 0.5] }];
  const c = new LineCounter(lines, FRAME);
  // d = (200, 0): side = 200·(y − 100): below (y > 100) is +. Walking up from y = 150 to 50 is + → −: "out".
  walk(c, 1, [
    [140, 150],
    [60, 150],
    [60, 50],
  ]);
  assert.deepEqual(c.counts(), [
    { name: 'mid', in: 1, out: 0 },
    { name: 'across', in: 0, out: 1 },
  ]);
  assert.throws(() => new LineCounter([MID, MID], FRAME), /line name "mid" is used twice/);
  assert.throws(() => new LineCounter([{ name: 'dot', points: [0.2, 0.2, 0.2, 0.2] }], FRAME), /"dot" has zero length/);
});

test('the centre anchor counts when the body centre crosses, not the feet', () => {
  const across: LineSpec = { name: 'across', points: [0, 0.5, 1, 0.5] };
  const bottom = new LineCounter([across], FRAME);
  const center = new LineCounter([across], FRAME, { anchor: 'center' });
  // Feet go from y = 90 to 115 (cross y = 100); the centre (20 px higher) goes from 70 to 95 (does not).
  for (const c of [bottom, center]) walk(c, 1, [[50, 90], [50, 115]]);
  assert.equal(bottom.summary().in, 1);
  assert.equal(center.summary().in, 0);
});

test('a crossing made while tentative is held, then counted once with its own frame when confirmed', () => {
  const c = new LineCounter([MID], FRAME);
  assert.deepEqual(c.update([{ id: 5, box: feet(130, 100), confirmed: false }], 10, 1.0), []);
  assert.deepEqual(c.update([{ id: 5, box: feet(80, 100), confirmed: false }], 11, 1.1), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 0, out: 0 }]);
  const released = c.update([{ id: 5, box: feet(70, 100), confirmed: true }], 12, 1.2);
  // Crossed between frames 10 (x = 130) and 11 (x = 80), 30/50 of the way.
  assert.equal(released.length, 1);
  assert.deepEqual({ ...released[0], pts: undefined }, { line: 'mid', track: 5, direction: 'in', frame: 11, pts: undefined });
  assert.ok(Math.abs(released[0].pts - 1.06) < 1e-9, `pts ${released[0].pts}`);
  assert.deepEqual(c.update([{ id: 5, box: feet(60, 100), confirmed: true }], 13, 1.3), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

test('a track that dies tentative never counts its held crossing', () => {
  const c = new LineCounter([MID], FRAME);
  c.update([{ id: 6, box: feet(130, 100), confirmed: false }], 0, 0);
  c.update([{ id: 6, box: feet(80, 100), confirmed: false }], 1, 0.1);
  c.forget([6]);
  // Same id seen again later (ids are never reused by the tracker, but the counter must not resurrect state).
  assert.deepEqual(c.update([{ id: 6, box: feet(70, 100), confirmed: true }], 2, 0.2), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 0, out: 0 }]);
});

test('a track missing for a while is counted when it reappears on the other side, where its path crossed', () => {
  const c = new LineCounter([MID], FRAME);
  walk(c, 1, [[150, 100], [130, 100]]);
  // Last seen at frame 1 (x = 130), again at frame 20 (x = 60): the path meets x = 100 at 3/7 of the way.
  const [x] = walk(c, 1, [[60, 110]], 20);
  assert.equal(x.frame, Math.round(1 + (19 * 3) / 7));
  assert.ok(Math.abs(x.pts - (0.1 + (1.9 * 3) / 7)) < 1e-9, `pts ${x.pts}`);
});

test('a bad frame size is refused', () => {
  assert.throws(() => new LineCounter([MID], { width: 0, height: 10 }), /frame size must be positive, got 0x10/);
});

/** One detection pass in which `box` (track 1) is the only track seen, or nobody (null); frame n at n × 0.4 s. */
function pass(counter: LineCounter, frame: number, box: Box | null): CrossingRecord[] {
  return counter.update(box ? [{ id: 1, box, confirmed: true }] : [], frame, frame * 0.4);
}

test('a track first seen just past a line, walking away from it, crossed it since the pass before', () => {
  const c = new LineCounter([MID], FRAME);
  pass(c, 0, null);
  // Seen first 5 px left of the line (beyond the 3 px margin), then 15 px farther left: one pass earlier, walking
  // the same way, the person was at x = 110, right of the line.
  assert.deepEqual(pass(c, 1, feet(95, 100)), []);
  const got = pass(c, 2, feet(80, 100));
  assert.equal(got.length, 1);
  assert.deepEqual({ line: got[0].line, direction: got[0].direction, frame: got[0].frame }, { line: 'mid', direction: 'in', frame: 1 });
  assert.ok(got[0].pts > 0 && got[0].pts < 0.4, `pts ${got[0].pts}`);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

test('a track first seen on a line, with a missed pass, takes its side from its first step', () => {
  const c = new LineCounter([MID], FRAME);
  pass(c, 0, null);
  assert.deepEqual(pass(c, 1, feet(101, 100)), []); // within the margin: no side
  pass(c, 2, null);
  assert.deepEqual(pass(c, 3, feet(60, 100)).map((x) => x.direction), ['in']);
});

test('after a pause in the footage, a new track is walked back no more than 4 of its first steps', () => {
  const c = new LineCounter([MID], FRAME);
  const at = (frame: number, pts: number, box: Box | null) => c.update(box ? [{ id: 1, box, confirmed: true }] : [], frame, pts);
  at(0, 0, null);
  // The recording paused for 9.6 s after the pass at frame 0: first seen 20 px left of the line, walking left 5 px a
  // pass. 25 steps back would put the person far right of the line (a crossing nobody made); 4 steps, on the line.
  assert.deepEqual(at(1, 10, feet(80, 100)), []);
  assert.deepEqual(at(2, 10.4, feet(75, 100)), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 0, out: 0 }]);
});

test('first steps that say nothing of where a track came from credit no crossing', () => {
  const cases: { name: string; steps: (Box | null)[] }[] = [
    // Box jitter (2 px of a 40 px person) of someone first seen on the line, who then walks off it.
    { name: 'jitter', steps: [feet(101.5, 100), feet(99.5, 100), feet(60, 100)] },
    // The box grew by a quarter: its feet moved with its size.
    { name: 'grown box', steps: [feet(95, 100), feet(80, 100, 50)] },
    // After a missed pass the second box may be someone else: no crossing from a line the track was born clear of.
    { name: 'missed pass', steps: [feet(95, 100), null, feet(65, 100)] },
  ];
  const got = cases.map(({ name, steps }) => {
    const c = new LineCounter([MID], FRAME);
    pass(c, 0, null);
    return [name, steps.flatMap((box, i) => pass(c, i + 1, box)).length];
  });
  assert.deepEqual(got, cases.map(({ name }) => [name, 0]));
  // Nor at the first pass of a source, where nobody could have been seen before.
  const first = new LineCounter([MID], FRAME);
  assert.deepEqual([...pass(first, 0, feet(95, 100)), ...pass(first, 1, feet(80, 100))], []);
});

/** Feet of a 100 px tall person: margin 5 px, and a change of side counts 8 px past the line with `confirmStep` 0.08. */
const tall = (x: number): Box => feet(x, 150, 100);
const HELD = { confirmStep: 0.08 };

test('feet jittering just past a line and back count nothing; farther past, the crossing counts from where it began', () => {
  const c = new LineCounter([MID], FRAME, HELD);
  const walkTall = (xs: number[], first: number) =>
    xs.flatMap((x, i) => c.update([{ id: 1, box: tall(x), confirmed: true }], first + i, (first + i) / 10));
  // Standing on the line: 6–7 px past it (beyond the margin, within the jitter of a box) and back, twice.
  assert.deepEqual(walkTall([120, 103, 94, 99, 107, 93, 106, 120], 0), []);
  // Under the documented rule (every change of side beyond the margin) the same feet cross four times.
  const documented = new LineCounter([MID], FRAME, { confirmStep: 0 });
  const all = [120, 103, 94, 99, 107, 93, 106, 120].flatMap((x, i) => documented.update([{ id: 1, box: tall(x), confirmed: true }], i, i / 10));
  assert.deepEqual(all.map((x) => x.direction), ['in', 'out', 'in', 'out']);
  // Then walking on: 6 px past at frame 11 (held), 20 px past at frame 12, dated where the path first crossed.
  const got = walkTall([110, 104, 94, 80], 9);
  assert.equal(got.length, 1);
  assert.deepEqual({ direction: got[0].direction, frame: got[0].frame }, { direction: 'in', frame: 10 });
  assert.ok(Math.abs(got[0].pts - (1.0 + (0.1 * 4) / 10)) < 1e-9, `pts ${got[0].pts}`);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

test('a track that ends just past a line counts that crossing then, not when it first goes unseen', () => {
  const c = new LineCounter([MID], FRAME, HELD);
  c.update([{ id: 1, box: tall(120), confirmed: true }, { id: 2, box: tall(130), confirmed: false }], 0, 0);
  // Both 6 px past the line: held.
  assert.deepEqual(c.update([{ id: 1, box: tall(94), confirmed: true }, { id: 2, box: tall(94), confirmed: false }], 1, 0.1), []);
  // Neither seen on the next passes (hidden): nothing yet, the tracker may still find them.
  assert.deepEqual([...c.update([], 2, 0.2), ...c.update([], 3, 0.3)], []);
  // Track 1 ends (gone, or given up): it counts, dated at frame 0–1.
  assert.deepEqual(c.forget([1]).map((x) => [x.track, x.direction, x.frame]), [[1, 'in', 1]]);
  // The tentative one's crossing waits for its confirmation, as any crossing of a tentative track.
  assert.deepEqual(c.update([{ id: 2, box: tall(60), confirmed: true }], 4, 0.4).map((x) => [x.track, x.direction]), [[2, 'in']]);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 2, out: 0 }]);
  // Ended tentative tracks count nothing.
  c.update([{ id: 3, box: tall(130), confirmed: false }], 5, 0.5);
  c.update([{ id: 3, box: tall(94), confirmed: false }], 6, 0.6);
  assert.deepEqual(c.forget([3]), []);
});

test('a track unseen just past a line and found again back on its side counts nothing; found farther past, it counts', () => {
  // Someone who stopped on the line, hidden for a few passes behind a passer-by, then seen where they stood.
  const c = new LineCounter([MID], FRAME, HELD);
  const see = (id: number, x: number, frame: number) => c.update([{ id, box: tall(x), confirmed: true }], frame, frame / 10);
  see(1, 120, 0);
  assert.deepEqual(see(1, 94, 1), []);
  assert.deepEqual([...c.update([], 2, 0.2), ...c.update([], 3, 0.3)], []);
  assert.deepEqual(see(1, 108, 4), []);
  assert.deepEqual(c.forget([1]), []);
  // Someone hidden just past it who walks on: counted when seen again, dated where the path crossed.
  see(2, 120, 10);
  see(2, 94, 11);
  c.update([], 12, 1.2);
  assert.deepEqual(see(2, 70, 13).map((x) => [x.track, x.direction, x.frame]), [[2, 'in', 11]]);
  assert.deepEqual(c.forget([2]), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

test('a held change of side survives the counter written to data and read back', () => {
  const a = new LineCounter([MID], FRAME, HELD);
  a.update([{ id: 1, box: tall(120), confirmed: true }], 0, 0);
  a.update([{ id: 1, box: tall(94), confirmed: true }], 1, 0.1);
  const b = new LineCounter([MID], FRAME, HELD);
  b.loadData(JSON.parse(JSON.stringify(a.toData())));
  for (const c of [a, b]) assert.deepEqual(c.forget([1]).map((x) => [x.track, x.direction, x.frame]), [[1, 'in', 1]]);
});

test('the end of a file counts the change of side still held for a confirmed track, dated where it began', () => {
  const c = new LineCounter([MID], FRAME, HELD);
  c.update([{ id: 1, box: tall(120), confirmed: true }], 0, 0);
  // 6 px past the line on the file's last pass: held (it could still jitter back).
  assert.deepEqual(c.update([{ id: 1, box: tall(94), confirmed: true }], 1, 0.1), []);
  const got = c.finish();
  assert.deepEqual(got.map((x) => [x.track, x.line, x.direction, x.frame]), [[1, 'mid', 'in', 1]]);
  assert.ok(Math.abs(got[0].pts - (0.1 * 20) / 26) < 1e-9, `pts ${got[0].pts}`);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
  // Once: nothing is held any more.
  assert.deepEqual(c.finish(), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

test('the end of a file counts nothing for feet that came back, nor for tracks the tracker never confirmed', () => {
  const c = new LineCounter([MID], FRAME, HELD);
  // Track 1 stood on the line: 6 px past it and back beyond the margin.
  for (const [i, x] of [120, 94, 107].entries()) c.update([{ id: 1, box: tall(x), confirmed: true }], i, i / 10);
  // Track 2, tentative, made a held change of side on the last pass; track 3, tentative, crossed well past the line.
  c.update([{ id: 2, box: tall(130), confirmed: false }, { id: 3, box: tall(130), confirmed: false }], 3, 0.3);
  assert.deepEqual(c.update([{ id: 2, box: tall(94), confirmed: false }, { id: 3, box: tall(60), confirmed: false }], 4, 0.4), []);
  assert.deepEqual(c.finish(), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 0, out: 0 }]);
});

test('with no held change of side (confirmStep 0), the end of a file counts nothing more', () => {
  const c = new LineCounter([MID], FRAME, { confirmStep: 0 });
  const got = [120, 94].flatMap((x, i) => c.update([{ id: 1, box: tall(x), confirmed: true }], i, i / 10));
  assert.deepEqual(got.map((x) => [x.track, x.direction, x.frame]), [[1, 'in', 1]]);
  assert.deepEqual(c.finish(), []);
  assert.deepEqual(c.counts(), [{ name: 'mid', in: 1, out: 0 }]);
});

/**
 * Through the tracker: a person 100 px tall walks right to left up to a vertical line, stands 2 px short of it, then
 * 6 px past it (held: past the 5 px margin, short of the 8 px `confirmStep`) until t = 4 s, and is not detected again.
 */
function standJustPast(): { pc: PeopleCounter; frame: number } {
  const pc = new PeopleCounter([{ name: 'mid', points: [0.5, 0, 0.5, 1] }], { width: 1000, height: 1000 });
  const xs = [600, 590, 580, 570, 560, 550, 540, 530, 520, 510, ...Array<number>(15).fill(502), ...Array<number>(15).fill(494)];
  xs.forEach((x, i) => {
    const got = pc.detections([{ box: [x - 20, 400, 40, 100], score: 0.8, label: 'person' }], i + 1, (i + 1) / 10);
    assert.deepEqual(got.crossings, [], `frame ${i + 1}`);
  });
  return { pc, frame: xs.length };
}

test('a person hidden just past a line counts once the tracker gives them up, on a detection pass or a predicted frame', () => {
  const { pc, frame: last } = standJustPast();
  const emitted: [number, string][] = [];
  // Detections on every other frame, predicted frames in between (as with --skip-frames 2).
  for (let f = last + 1; f <= last + 120; f++) {
    const step = f % 2 === 0 ? pc.detections([], f, f / 10) : pc.predict(f / 10);
    for (const c of step.crossings) emitted.push([f / 10, c.direction]);
  }
  // Lost for 2 s, then waiting 6 s since the last sighting (4 s) to be re-linked: not at the first pass without them.
  assert.equal(emitted.length, 1);
  assert.equal(emitted[0][1], 'in');
  assert.ok(emitted[0][0] > 10 && emitted[0][0] <= 10.2, `counted at ${emitted[0][0]} s`);
  assert.deepEqual(pc.finish(), []);
  assert.deepEqual(pc.summary(), { in: 1, out: 0, occupancy: 1 });
});

test('a person hidden just past a line and found again back on their side counts nothing', () => {
  const { pc, frame: last } = standJustPast();
  let n = 0;
  for (let f = last + 1; f <= last + 30; f++) {
    // Unseen for a second, then 6 px back on the side they came from.
    const dets: Detection[] = f > last + 10 ? [{ box: [486, 400, 40, 100], score: 0.8, label: 'person' }] : [];
    n += pc.detections(dets, f, f / 10).crossings.length;
  }
  n += pc.finish().length;
  assert.equal(n, 0);
  assert.deepEqual(pc.summary(), { in: 0, out: 0, occupancy: 0 });
});
