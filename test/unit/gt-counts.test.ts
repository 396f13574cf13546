import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupById, readMotFile, rowsByFrame, type MotRow } from '../../src/metrics/gt.js';
import { evaluateMot } from '../../src/metrics/mot.js';
import { LineCounter } from '../../src/vision/line-counter.js';
import { PeopleCounter } from '../../src/vision/people-counter.js';
import type { LineSpec } from '../../src/vision/types.js';
import { vtestGt } from '../footage.js';

const FRAME = { width: 768, height: 576 };
const LINE: LineSpec = { name: 'mid', points: [0.5, 0, 0.5, 1] };
// Documented in test/fixtures/footage/README.md for this line on the first 480 frames.
const GT_IN = 8;
const GT_OUT = 7;

const rows = readMotFile(vtestGt);
const people = rows.filter((r) => r.conf !== 0);

test('ground-truth boxes fed straight into the counter give the documented counts of the three lines', () => {
  const lines: LineSpec[] = [LINE, { name: 'h', points: [0, 0.5, 1, 0.5] }, { name: 'd', points: [0, 0, 1, 1] }];
  const counter = new LineCounter(lines, FRAME);
  for (const [id, list] of groupById(people)) {
    for (const r of list) counter.update([{ id, box: r.box, confirmed: true }], r.frame, r.frame / 7);
  }
  assert.deepEqual(counter.counts(), [
    { name: 'mid', in: GT_IN, out: GT_OUT },
    { name: 'h', in: 9, out: 10 },
    { name: 'd', in: 8, out: 7 },
  ]);
});

/** The worker sees the container rate (10 fps in vtest.avi); the footage was shot at 7 fps: both must work. */
for (const fps of [10, 7]) {
  test(`ground-truth boxes as detections through tracker and counter (${fps} fps timestamps): counts within ±1`, () => {
    const byFrame = rowsByFrame(people);
    const lastFrame = Math.max(...rows.map((r) => r.frame));
    const pc = new PeopleCounter([LINE], FRAME);
    const hyp: MotRow[] = [];
    for (let frame = 1; frame <= lastFrame; frame++) {
      const dets = (byFrame.get(frame) ?? []).map((r) => ({ box: r.box, score: 0.9, label: 'person' as const }));
      const step = pc.detections(dets, frame, (frame - 1) / fps);
      for (const t of step.tracks) if (t.state === 'confirmed') hyp.push({ frame, id: t.id, box: t.box, conf: 1 });
    }
    const [counts] = pc.counts();
    assert.ok(Math.abs(counts.in - GT_IN) <= 1, `in ${counts.in}, ground truth ${GT_IN}`);
    assert.ok(Math.abs(counts.out - GT_OUT) <= 1, `out ${counts.out}, ground truth ${GT_OUT}`);
    // With perfect detections the tracker alone loses little: this bounds what real runs can reach.
    const m = evaluateMot(rows, hyp);
    assert.ok(m.mota >= 0.95, `MOTA ${m.mota}`);
    assert.ok(m.idf1 >= 0.8, `IDF1 ${m.idf1}`);
  });
}
