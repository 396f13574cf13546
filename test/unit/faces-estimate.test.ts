import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchorCentres, decodeBlazeface } from '../../src/faces/blazeface.js';
import { fitAgeCurve, fitCalibration, fitLogistic, IDENTITY_CALIBRATION, mapAge } from '../../src/faces/calibration.js';
import { cropResize, mirrorImage } from '../../src/faces/crop.js';
import { ageBand, calibrate, combineViews, expectedAge, type FaceView } from '../../src/faces/estimate.js';
import { LineSplits } from '../../src/protocol/line-splits.js';
import { TrackEstimates } from '../../src/worker/demographics/track-estimates.js';
import { headRegion, ViewPlanner } from '../../src/worker/demographics/views.js';
import { framePixels } from '../../src/worker/demographics/pixels.js';
import { YuvResampler, yuv420Size, type YuvFrame } from '../../src/vision/resample.js';

const ageAt = (years: number): Float32Array => {
  const d = new Float32Array(100);
  d[years] = 1;
  return d;
};
const view = (male: number, years: number): FaceView => ({ male: [male, male], age: ageAt(years) });

describe('estimates', () => {
  test('age bands have the protocol boundaries', () => {
    assert.deepEqual([0, 12.9, 13, 19.99, 20, 39, 40, 69.9, 70, 99].map(ageBand), ['0-12', '0-12', '13-19', '13-19', '20-29', '30-39', '40-49', '60-69', '70+', '70+']);
  });

  test('expected age of a distribution, and views combined by mean logit and mean age', () => {
    const d = new Float32Array(100);
    d[20] = 0.5;
    d[40] = 0.5;
    assert.equal(expectedAge(d), 30);
    const raw = combineViews([view(0.9, 30), view(0.1, 50)]);
    assert.ok(Math.abs(raw.maleLogit) < 1e-9, 'opposite views cancel');
    assert.equal(raw.age, 40);
  });

  test('calibration: withheld near 0.5 and below minAge; gender_score is the probability of the gender given', () => {
    const cal = { gender: { scale: 1, bias: 0, ageBias: [] as [number, number][], withhold: 0.1, minAge: 13 }, age: { knots: [] as [number, number][] } };
    assert.deepEqual(calibrate({ maleLogit: Math.log(0.9 / 0.1), age: 30 }, cal), { gender: 'male', gender_score: 0.9, age: 30, age_band: '30-39' });
    assert.equal(calibrate({ maleLogit: Math.log(0.1 / 0.9), age: 30 }, cal).gender, 'female');
    assert.equal(calibrate({ maleLogit: Math.log(0.1 / 0.9), age: 30 }, cal).gender_score, 0.9);
    assert.equal(calibrate({ maleLogit: Math.log(0.55 / 0.45), age: 30 }, cal).gender, null, 'within the margin');
    assert.equal(calibrate({ maleLogit: Math.log(0.99 / 0.01), age: 8 }, cal).gender, null, 'a child');
  });

  test('the age curve is piecewise linear and extends past its ends', () => {
    const knots: [number, number][] = [[0, 2], [20, 22], [60, 70]];
    assert.equal(mapAge(10, knots), 12);
    assert.equal(mapAge(40, knots), 46);
    assert.equal(mapAge(80, knots), 94);
    assert.equal(mapAge(33, []), 33);
  });

  test('fitting recovers a known bias: ages read 10 years high, a gender threshold shifted', () => {
    const samples = Array.from({ length: 200 }, (_, i) => {
      const age = 5 + (i % 70);
      const male = i % 2 === 0;
      return { age, male, raw: { maleLogit: (male ? 1 : -1) * (1 + (i % 7)) + 1.5, age: age + 10 } };
    });
    const knots = fitAgeCurve(samples.map((s) => s.raw.age), samples.map((s) => s.age), [0, 30, 60, 90]);
    for (const s of samples.slice(0, 20)) assert.ok(Math.abs(mapAge(s.raw.age, knots) - s.age) < 0.5);
    const [, bias] = fitLogistic(samples.map((s) => [s.raw.maleLogit, 1]), samples.map((s) => s.male), [0, 0]);
    assert.ok(bias < 0, `the logit offset is taken back (bias ${bias})`);
    const cal = fitCalibration(samples);
    const right = samples.filter((s) => calibrate(s.raw, cal).gender === (s.male ? 'male' : 'female')).length;
    assert.ok(right >= 0.9 * samples.length, `${right} right`);
    assert.notDeepEqual(cal, IDENTITY_CALIBRATION);
  });

  test('the gender offset over age takes back a lean that only some ages have', () => {
    // Old faces read 2 logits too male, young ones are right: one common bias cannot fix both.
    const samples = Array.from({ length: 400 }, (_, i) => {
      const age = 20 + (i % 60);
      const male = i % 2 === 0;
      const lean = age >= 60 ? 2 : 0;
      return { age, male, raw: { maleLogit: (male ? 1 : -1) * (0.5 + (i % 5)) + lean, age } };
    });
    const fit = (biasKnots: number[]) => fitCalibration(samples, { ageKnots: [0, 50, 100], biasKnots, biasRidge: 1, maxWithheld: 0 });
    const right = (cal: ReturnType<typeof fit>) => samples.filter((s) => calibrate(s.raw, cal).gender === (s.male ? 'male' : 'female')).length;
    const cal = fit([20, 40, 60, 80]);
    const offset = (age: number) => cal.gender.ageBias.find(([x]) => x === age)![1];
    assert.ok(offset(80) - offset(40) < -1, `older faces are pulled back towards female: ${JSON.stringify(cal.gender.ageBias)}`);
    const common = right(fit([]));
    assert.ok(right(cal) >= common + 0.03 * samples.length, `${right(cal)} right with the age offset, ${common} with one bias`);
  });

  test('a stronger ridge pulls the age offsets of the gender together (fewer free parameters to follow noise)', () => {
    // No lean over age, one label in five wrong, at ages spread over the range: the offsets can only follow noise.
    const samples = Array.from({ length: 120 }, (_, i) => {
      const age = 5 + ((i * 37) % 70);
      const male = i % 2 === 0;
      const sign = (male ? 1 : -1) * (i % 5 === 0 ? -1 : 1);
      return { age, male, raw: { maleLogit: sign * (0.3 + ((i * 5) % 4)), age } };
    });
    const spread = (biasRidge: number) => {
      const offsets = fitCalibration(samples, { ageKnots: [0, 50, 100], biasKnots: [0, 20, 40, 60], biasRidge, maxWithheld: 0.1 }).gender.ageBias.map(([, v]) => v);
      return Math.max(...offsets) - Math.min(...offsets);
    };
    assert.ok(spread(1) > 0.1 && spread(5) < 0.7 * spread(1), `spread ${spread(1)} at ridge 1, ${spread(5)} at ridge 5`);
  });
});

describe('crop and BlazeFace decoding', () => {
  test('crop-resize copies at the same size, mirrors, and fills outside the image', () => {
    const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
    const out = new Float32Array(2 * 2 * 3);
    cropResize(img, [0, 0, 2, 2], 2, out, 0, { fill: 0 });
    assert.deepEqual(Array.from(out.slice(0, 6)), [10, 20, 30, 40, 50, 60]);
    assert.deepEqual(Array.from(out.slice(6)), [0, 0, 0, 0, 0, 0], 'below the image: the fill');
    cropResize(img, [0, 0, 2, 1], 2, out, 0, { flip: true });
    assert.deepEqual(Array.from(out.slice(0, 6)), [40, 50, 60, 10, 20, 30]);
  });

  test('crop-resize shifts each channel by its own amount (Caffe means), inside the image and in the fill', () => {
    const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
    const out = new Float32Array(2 * 2 * 3);
    cropResize(img, [0, 0, 2, 2], 2, out, 0, { fill: 100, shift: [-1, -2, -3] });
    assert.deepEqual(Array.from(out), [9, 18, 27, 39, 48, 57, 99, 98, 97, 99, 98, 97]);
  });

  test('a mirrored crop copied from the unmirrored one equals the crop sampled mirrored, to the bit (odd region, past the edge)', () => {
    const img = { width: 7, height: 5, data: Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) % 256) };
    const size = 6;
    const plane = size * size * 3;
    const region: [number, number, number, number] = [-1.3, 0.4, 8.1, 5.7];
    const shift = [-123.68, -116.779, -103.939] as const;
    const sampled = new Float32Array(plane);
    cropResize(img, region, size, sampled, 0, { flip: true, shift });
    const both = new Float32Array(3 * plane).fill(Number.NaN);
    cropResize(img, region, size, both, plane, { shift });
    mirrorImage(both, plane, both, 2 * plane, size);
    assert.deepEqual(both.subarray(2 * plane), sampled);
    assert.ok(both.subarray(0, plane).every(Number.isNaN), 'nothing written outside the target');
    assert.notDeepEqual(both.subarray(plane, 2 * plane), sampled, 'the region is not symmetric, so the check can fail');
  });

  test('anchors: 16×16×2 then 8×8×6, at cell centres; a box is decoded around its anchor and mapped back', () => {
    const [a16, a8] = anchorCentres();
    assert.equal(a16.length / 2, 512);
    assert.equal(a8.length / 2, 384);
    assert.deepEqual([a16[0], a16[1], a16[4], a16[5]], [8, 8, 24, 8]);
    const scores = [new Float32Array(512).fill(-10), new Float32Array(384).fill(-10)];
    const boxes = [new Float32Array(512 * 16), new Float32Array(384 * 16)];
    scores[0][4] = 3; // anchor 4: cell (2, 0), centre (40, 8)
    boxes[0].set([2, 4, 20, 30], 4 * 16);
    scores[0][5] = 2; // same anchor, overlapping: suppressed
    boxes[0].set([2, 4, 20, 30], 5 * 16);
    const faces = decodeBlazeface({ scores, boxes }, { x0: 100, y0: 50, scale: 2 });
    assert.equal(faces.length, 1);
    assert.deepEqual(faces[0].box, [100 + 2 * (42 - 10), 50 + 2 * (12 - 15), 40, 60]);
    assert.ok(Math.abs(faces[0].score - 1 / (1 + Math.exp(-3))) < 1e-6);
  });
});

describe('views, track estimates and line splits', () => {
  const lines = [{ name: 'door', points: [0.5, 0, 0.5, 1] as [number, number, number, number] }];

  test('a track is viewed near a line, not too small, a few times, spaced out', () => {
    const p = new ViewPlanner(lines, { width: 1000, height: 1000 }, { minFacePx: 32, maxViews: 2, minGapFrames: 5, nearLineHeights: 1, afterCrossingFrames: 10 });
    assert.equal(p.wants(1, [50, 100, 50, 400], 1), false, 'far from the line');
    assert.equal(p.wants(1, [400, 100, 100, 400], 2), true);
    assert.equal(p.wants(1, [400, 100, 100, 400], 4), false, 'too soon');
    assert.equal(p.wants(1, [400, 100, 100, 400], 7), true);
    assert.equal(p.wants(1, [400, 100, 100, 400], 20), false, 'enough views');
    assert.equal(p.wants(2, [480, 100, 30, 200], 1), false, 'a face of 20 px would be too small');
    assert.equal(p.onlyTooSmall(2), true);
    const [x, y, w, h] = headRegion([400, 100, 100, 400]);
    assert.deepEqual([x + w / 2, w, h], [450, 120, 120], 'a square over the head, centred');
    assert.ok(y < 100);
  });

  test('lines edited while counting: views are taken near the new lines, no longer near the old', () => {
    const p = new ViewPlanner(lines, { width: 1000, height: 1000 }, { minFacePx: 16, maxViews: 5, minGapFrames: 1, nearLineHeights: 1, afterCrossingFrames: 10 });
    const atDoor: [number, number, number, number] = [480, 100, 50, 200];
    const atHall: [number, number, number, number] = [75, 100, 50, 200];
    assert.deepEqual([p.peek(1, atHall, 1), p.peek(2, atDoor, 1)], [false, true]);
    p.setLines([{ name: 'hall', points: [0.1, 0, 0.1, 1] }]);
    assert.deepEqual([p.peek(1, atHall, 2), p.peek(2, atDoor, 2)], [true, false]);
  });

  test('a crossing is pending while views are out, and settled once they are back', () => {
    const t = new TrackEstimates();
    t.offered(7);
    t.offered(7);
    const ref = { seq: 3, line: 'door', track: 7, frame: 40 };
    assert.equal(t.atCrossing(ref, false).reason, 'pending');
    assert.deepEqual(t.settled(7, { kind: 'no_face' }), [], 'one view still out');
    const [settled] = t.settled(7, { kind: 'face', view: view(0.95, 35), facePx: 64 });
    assert.equal(settled.ref, ref);
    assert.equal(settled.fields.gender, 'male');
    assert.equal(settled.fields.face_px, 64);
    assert.equal(settled.fields.reason, undefined);
    assert.equal(t.atCrossing({ ...ref, seq: 4 }, false).gender, 'male', 'later crossings get the estimate at once');
    assert.equal(t.atCrossing({ seq: 5, line: 'door', track: 8, frame: 41 }, true).reason, 'too_small');
    assert.equal(t.atCrossing({ seq: 6, line: 'door', track: 9, frame: 41 }, false).reason, 'no_face');
  });

  test('line splits move a pending crossing from unknown to its estimate', () => {
    const s = new LineSplits(['door']);
    const pending = { gender: null, gender_score: null, age: null, age_band: null, face_px: null, reason: 'pending' as const };
    s.add('door', pending);
    s.add('door', { gender: 'female', age_band: '20-29' });
    s.settle('door', pending, { gender: 'male', age_band: '70+' });
    assert.deepEqual(s.get('door').gender, { male: 1, female: 1, unknown: 0 });
    assert.equal(s.get('door').age_band['70+'], 1);
    assert.equal(s.get('door').age_band.unknown, 0);
  });
});

describe('face views cut from the decoded frame', () => {
  /** A yuv420p frame whose luma is 16 (black) left of x = 50 and 235 (white) from there on; grey chroma. */
  function frame(width: number, height: number): YuvFrame {
    const data = new Uint8Array(yuv420Size(width, height)).fill(128);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = x < 50 ? 16 : 235;
    return { width, height, data };
  }

  test('a region in source pixels comes out as a small rgb square, scaled to the frame when it is capped', () => {
    const resampler = new YuvResampler();
    const full = framePixels(frame(100, 60), { width: 100, height: 60 }, resampler);
    const { image, scale } = full.cut([30, 10, 40, 40], 20);
    assert.deepEqual([image.width, image.height, image.data.length, scale], [20, 20, 20 * 20 * 3, 2]);
    assert.deepEqual([...image.data.subarray(0, 3)], [0, 0, 0], 'left half black');
    assert.deepEqual([...image.data.subarray(19 * 3, 20 * 3)], [255, 255, 255], 'right half white');
    // A source of 200×120 read at 100×60 (capped): the same place is the region twice as large in source pixels.
    const capped = framePixels(frame(100, 60), { width: 200, height: 120 }, resampler).cut([60, 20, 80, 80], 64);
    assert.deepEqual([capped.image.width, capped.scale], [40, 2], 'never larger than the frame holds');
    assert.deepEqual([...capped.image.data.subarray(0, 3), ...capped.image.data.subarray(39 * 3, 40 * 3)], [0, 0, 0, 255, 255, 255]);
  });
});
