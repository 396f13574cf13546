import type { DetectRegion } from './crop-plan.js';

/**
 * `detect_region` as written in a config (`"auto"`, `"full"` or `[[x, y, w, h], …]`) or on the command line
 * (`auto`, `full`, `x,y,w,h[;x,y,w,h…]`), in fractions of the frame. Each problem is a message naming the value.
 */

export type RegionResult = { ok: true; region: DetectRegion } | { ok: false; message: string };

const EPS = 1e-9;

/** Checks rectangles given as numbers: four each, inside the frame, not empty. */
export function checkRects(rects: readonly (readonly number[])[], show: (i: number) => string): RegionResult {
  if (rects.length === 0) return { ok: false, message: 'is an empty list of rectangles (use "auto", "full" or at least one [x, y, w, h])' };
  for (let i = 0; i < rects.length; i++) {
    const r = rects[i];
    if (r.length !== 4 || r.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      return { ok: false, message: `rectangle ${show(i)} is not four numbers x,y,w,h` };
    }
    const [x, y, w, h] = r;
    if (!(w > 0 && h > 0)) return { ok: false, message: `rectangle ${show(i)} is empty (width and height must be > 0)` };
    if (x < 0 || y < 0 || x + w > 1 + EPS || y + h > 1 + EPS) {
      return { ok: false, message: `rectangle ${show(i)} reaches outside the frame (x, y ≥ 0 and x + w, y + h ≤ 1, in fractions of the frame)` };
    }
  }
  return { ok: true, region: { kind: 'rects', rects: rects.map((r) => [r[0], r[1], r[2], r[3]]) } };
}

/** `--detect-region auto|full|x,y,w,h[;x,y,w,h…]`. */
export function parseDetectRegion(text: string): RegionResult {
  const t = text.trim();
  if (t === 'auto' || t === 'full') return { ok: true, region: { kind: t } };
  if (t === '') return { ok: false, message: `--detect-region '${text}' is empty (expected auto, full or x,y,w,h[;x,y,w,h…])` };
  const parts = t.split(';').map((p) => p.trim());
  const rects: number[][] = [];
  for (const p of parts) {
    const fields = p.split(',');
    const nums = fields.map((f) => (f.trim() === '' ? NaN : Number(f)));
    if (fields.length !== 4 || nums.some((n) => !Number.isFinite(n))) {
      return { ok: false, message: `--detect-region '${text}': '${p}' is not x,y,w,h (expected auto, full or x,y,w,h[;x,y,w,h…] in fractions of the frame)` };
    }
    rects.push(nums);
  }
  const checked = checkRects(rects, (i) => `'${parts[i]}'`);
  return checked.ok ? checked : { ok: false, message: `--detect-region '${text}': ${checked.message}` };
}

/** The config value (already of the schema's shape) → the same form the command line takes, for the worker. */
export function detectRegionArg(value: 'auto' | 'full' | number[][]): string {
  return typeof value === 'string' ? value : value.map((r) => r.join(',')).join(';');
}
