import { boxArea, iou } from '../vision/geometry.js';
import type { Box, Detection } from '../vision/types.js';

export interface FrameCounts {
  tp: number;
  fp: number;
  fn: number;
  /** Detections that fell on an ignore region: neither true nor false positives. */
  ignored: number;
}

/**
 * Matches one frame's detections to ground-truth boxes, best score first, each to the free GT box it overlaps most
 * (IoU ≥ `minIou`). An unmatched detection that overlaps an ignore region by IoU ≥ `minIou`, or lies mostly (more
 * than half its area) inside one, is ignored; every other unmatched detection is a false positive, every unmatched GT
 * box a miss. Ignore regions are never misses.
 */
export function matchDetections(
  detections: readonly Detection[],
  truth: readonly Box[],
  ignore: readonly Box[],
  minIou = 0.5,
): FrameCounts {
  const free = truth.map(() => true);
  const counts: FrameCounts = { tp: 0, fp: 0, fn: 0, ignored: 0 };
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = minIou;
    truth.forEach((t, i) => {
      const v = free[i] ? iou(d.box, t) : 0;
      if (v >= bestIou) {
        bestIou = v;
        best = i;
      }
    });
    if (best >= 0) {
      free[best] = false;
      counts.tp++;
    } else if (ignore.some((r) => iou(d.box, r) >= minIou || intersection(d.box, r) > boxArea(d.box) / 2)) {
      counts.ignored++;
    } else {
      counts.fp++;
    }
  }
  counts.fn = free.filter(Boolean).length;
  return counts;
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
