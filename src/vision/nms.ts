import { iou } from './geometry.js';
import type { Detection } from './types.js';

/**
 * Greedy non-maximum suppression: keeps the best-scoring box, drops every remaining box overlapping it by more than
 * `iouThreshold`, repeats. Because a box can only be suppressed by higher-scoring ones, thresholding the result by
 * score afterwards gives the same set as thresholding first (the benchmark relies on this).
 */
export function nms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    let suppressed = false;
    for (const k of kept) {
      if (iou(k.box, d.box) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(d);
  }
  return kept;
}
