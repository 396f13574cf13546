import type { PersonHeights, PlanOptions } from '../src/vision/crop-plan.js';
import type { LineSpec } from '../src/vision/types.js';

/** Plan options as the worker sets them (target 64 px, inputs up to 640×640, a pass every 0.2 s), for these lines. */
export function options(frame: { width: number; height: number }, lines: LineSpec[], heights: PersonHeights, extra: Partial<PlanOptions> = {}): PlanOptions {
  return {
    frame,
    lines,
    region: { kind: 'auto' },
    anchor: 'bottom',
    heights,
    targetHeight: 64,
    maxInput: { width: 640, height: 640 },
    stride: 32,
    minScale: 0.1,
    maxScale: 1,
    detectionInterval: 0.2,
    ...extra,
  };
}
