import { boxArea, iou } from '../vision/geometry.js';
import type { Box, Detection } from '../vision/types.js';

export interface FrameCounts {
  tp: number;
  fp: number;
  fn: number;
  /** Detections that fell on an ignore region: neither true nor false positives. */
  ignored: number;
}

/** Per-box outcome of matching one frame: which GT boxes were found, and what each detection was. */
export interface FrameMatch {
  /** Index of the detection matched to each GT box, or -1 (a miss). */
  truthMatchedBy: number[];
  /** Per detection, in the order given. */
  detections: ('tp' | 'fp' | 'ignored')[];
}

/**
 * Matches one frame's detections to ground-truth boxes, best score first, each to the free GT box it overlaps most
 * (IoU ≥ `minIou`). An unmatched detection that overlaps an ignore region by IoU ≥ `minIou`, or lies mostly (more
 * than half its area) inside one, is ignored; every other unmatched detection is a false positive, every unmatched GT
 * box a miss. Ignore regions are never misses.
 */
export function matchFrame(detections: readonly Detection[], truth: readonly Box[], ignore: readonly Box[], minIou = 0.5): FrameMatch {
  const truthMatchedBy = truth.map(() => -1);
  const outcome: FrameMatch['detections'] = detections.map(() => 'fp');
  const order = detections.map((_, i) => i).sort((a, b) => detections[b].score - detections[a].score);
  for (const k of order) {
    const d = detections[k];
    let best = -1;
    let bestIou = minIou;
    truth.forEach((t, i) => {
      const v = truthMatchedBy[i] < 0 ? iou(d.box, t) : 0;
      if (v >= bestIou) {
        bestIou = v;
        best = i;
      }
    });
    if (best >= 0) {
      truthMatchedBy[best] = k;
      outcome[k] = 'tp';
    } else if (ignore.some((r) => iou(d.box, r) >= minIou || intersection(d.box, r) > boxArea(d.box) / 2)) {
      outcome[k] = 'ignored';
    }
  }
  return { truthMatchedBy, detections: outcome };
}

/** Counts of `matchFrame`. */
export function matchDetections(
  detections: readonly Detection[],
  truth: readonly Box[],
  ignore: readonly Box[],
  minIou = 0.5,
): FrameCounts {
  const m = matchFrame(detections, truth, ignore, minIou);
  return {
    tp: m.detections.filter((o) => o === 'tp').length,
    fp: m.detections.filter((o) => o === 'fp').length,
    fn: m.truthMatchedBy.filter((k) => k < 0).length,
    ignored: m.detections.filter((o) => o === 'ignored').length,
  };
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function precisionRecall(c: FrameCounts): { precision: number; recall: number } {
  return {
    precision: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 1,
    recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 1,
  };
}
