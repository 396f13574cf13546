import type { DetectRegion } from './crop-plan.js';

/**
 * `detect_region` as a config holds it (`"auto"`, `"full"` or `[[x, y, w, h], …]` in fractions of the frame), and the
 * same as text, the form of `--detect-region` (`auto`, `full`, `x,y,w,h[;x,y,w,h…]`). Parsing the text is the job of
 * config/values.ts; the checks of the rectangles live here, shared by the flag and the config.
 */
export type DetectRegionSetting = 'auto' | 'full' | [number, number, number, number][];

const EPS = 1e-9;

/** Why rectangles cannot be a detect region (empty list, not four numbers, empty, outside the frame), or null. */
export function rectsProblem(rects: readonly (readonly unknown[])[], show: (i: number) => string): string | null {
  if (rects.length === 0) return 'is an empty list of rectangles (use "auto", "full" or at least one [x, y, w, h])';
  for (let i = 0; i < rects.length; i++) {
    const r = rects[i];
    if (r.length !== 4 || r.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return `rectangle ${show(i)} is not four numbers x,y,w,h`;
    const [x, y, w, h] = r as number[];
    if (!(w > 0 && h > 0)) return `rectangle ${show(i)} is empty (width and height must be > 0)`;
    if (x < 0 || y < 0 || x + w > 1 + EPS || y + h > 1 + EPS) {
      return `rectangle ${show(i)} reaches outside the frame (x, y ≥ 0 and x + w, y + h ≤ 1, in fractions of the frame)`;
    }
  }
  return null;
}

/** The setting as the crop planner takes it. */
export function toDetectRegion(setting: DetectRegionSetting): DetectRegion {
  return typeof setting === 'string' ? { kind: setting } : { kind: 'rects', rects: setting.map((r) => [r[0], r[1], r[2], r[3]]) };
}

/** The setting as `--detect-region` takes it: what the parent passes to the worker. */
export function detectRegionText(setting: DetectRegionSetting): string {
  return typeof setting === 'string' ? setting : setting.map((r) => r.join(',')).join(';');
}
