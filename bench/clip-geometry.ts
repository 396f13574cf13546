/**
 * How a probe clip's picture is made from its base clip's, as geometry on the annotation: the footage played
 * backwards, mirrored left to right, or zoomed in on its centre. One home for each transform, so that the ffmpeg filter
 * (count-clips.ts), the boxes the MOT scores use and the lines and boxes the crossing truth comes from agree.
 */
import type { MotRow } from '../src/metrics/gt.js';
import type { LineSpec } from '../src/vision/types.js';

/** The base picture: its size in pixels, how many frames the video has (frame numbers 1..frames), their rate. */
export interface BasePicture {
  width: number;
  height: number;
  frames: number;
  fps: number;
}

/** What is done to the base picture, in this order: played backwards, shaken, mirrored, zoomed in on the centre. */
export interface PictureTransform {
  /**
   * Backwards in time: frame f becomes frames + 1 − f. Every crossing changes direction (in ↔ out); a counter without
   * a direction bias counts the reversed clip as it counts the clip, up to chance.
   */
  reverse?: boolean;
  /**
   * A camera shaking slightly, as on a pole in the wind: the picture moves by up to this fraction of its height each
   * way (shakeOffset), cut by that much on every side and scaled back to its size. Not with zoom.
   */
  shake?: number;
  /** Left to right: the same scene from the other side, so the two counts differ only by chance. */
  mirror?: boolean;
  /**
   * The centre 1/zoom of the picture scaled back up to its size: the people `zoom` times as large, as a camera closer
   * to them sees them. Boxes wholly outside the crop are dropped, lines are cut to it (lines that are left with nothing
   * or only the crop's edge are dropped), so crossings outside the crop leave the truth.
   */
  zoom?: number;
}

/** A rectangle in base pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const even = (x: number) => Math.round(x / 2) * 2;

/** The part of the base picture a zoom keeps: centred, even sizes and offsets (as H.264 and ffmpeg's crop want). */
export function zoomCrop(base: { width: number; height: number }, zoom: number): Rect {
  if (!(zoom >= 1)) throw new RangeError(`zoom must be ≥ 1, got ${zoom}`);
  const width = even(base.width / zoom);
  const height = even(base.height / zoom);
  return { x: even((base.width - width) / 2), y: even((base.height - height) / 2), width, height };
}

/** How far a shake may move the picture each way, in whole pixels. */
export function shakeMargin(base: { height: number }, shake: number): number {
  if (!(shake > 0 && shake < 0.1)) throw new RangeError(`shake must be a fraction of the height in (0, 0.1), got ${shake}`);
  return Math.max(1, Math.round(base.height * shake));
}

/**
 * Where the shaking camera's view is at frame index n (0 = the first frame of the clip as played): a sway at 1.1 Hz
 * and a tremor at 2.9 Hz, other phases vertically, together at most `margin` pixels, rounded to whole pixels. Written
 * once as an ffmpeg expression (shakeExpression) and once here: the same doubles, so the same pixels.
 */
const SHAKE_WAVES = { x: [[0.6, 1.1, 0.3], [0.4, 2.9, 1.7]], y: [[0.6, 1.1, 2.1], [0.4, 2.9, 0.9]] } as const;

export function shakeOffset(n: number, fps: number, margin: number): { dx: number; dy: number } {
  const at = (waves: readonly (readonly number[])[]) =>
    Math.floor(waves.reduce((sum, [share, hz, phase]) => sum + share * margin * Math.sin(n * ((2 * Math.PI * hz) / fps) + phase), 0) + 0.5);
  return { dx: at(SHAKE_WAVES.x), dy: at(SHAKE_WAVES.y) };
}

/** shakeOffset as ffmpeg's crop filter evaluates it for every frame (`n`), the view's corner at margin + offset. */
export function shakeCrop(base: { width: number; height: number }, fps: number, shake: number): string {
  const margin = shakeMargin(base, shake);
  const expr = (waves: readonly (readonly number[])[]) =>
    `${margin}+floor(${waves.map(([share, hz, phase]) => `${share * margin}*sin(n*${(2 * Math.PI * hz) / fps}+${phase})`).join('+')}+0.5)`;
  // exact: a subsampled picture would otherwise be cut at even offsets only.
  return `crop=w=${base.width - 2 * margin}:h=${base.height - 2 * margin}:x='${expr(SHAKE_WAVES.x)}':y='${expr(SHAKE_WAVES.y)}':exact=1`;
}

/**
 * Annotated rows in the transformed picture (still the base's size and frame rate, every frame). `shaking` false puts
 * a shaken camera's view at rest (its mean place): where the people are against lines drawn on the ground, which the
 * camera's moves do not make anyone cross.
 */
export function transformRows(rows: readonly MotRow[], base: BasePicture, t: PictureTransform, shaking = true): MotRow[] {
  if (t.shake !== undefined && t.zoom !== undefined) throw new RangeError('shake and zoom together are not defined');
  let out = rows.map((r) => ({ ...r, box: [...r.box] as MotRow['box'] }));
  if (t.reverse) {
    for (const r of out) {
      if (r.frame > base.frames) throw new RangeError(`annotated frame ${r.frame} is past the video's ${base.frames} frames`);
      r.frame = base.frames + 1 - r.frame;
    }
    out.sort((a, b) => a.frame - b.frame || a.id - b.id);
  }
  if (t.shake !== undefined) {
    const margin = shakeMargin(base, t.shake);
    const sx = base.width / (base.width - 2 * margin);
    const sy = base.height / (base.height - 2 * margin);
    for (const r of out) {
      const { dx, dy } = shaking ? shakeOffset(r.frame - 1, base.fps, margin) : { dx: 0, dy: 0 };
      const [x, y, w, h] = r.box;
      r.box = [(x - margin - dx) * sx, (y - margin - dy) * sy, w * sx, h * sy];
    }
  }
  if (t.mirror) for (const r of out) r.box[0] = base.width - r.box[0] - r.box[2];
  if (t.zoom !== undefined) {
    const c = zoomCrop(base, t.zoom);
    const sx = base.width / c.width;
    const sy = base.height / c.height;
    out = out
      .filter(({ box: [x, y, w, h] }) => x < c.x + c.width && x + w > c.x && y < c.y + c.height && y + h > c.y)
      .map((r) => ({ ...r, box: [(r.box[0] - c.x) * sx, (r.box[1] - c.y) * sy, r.box[2] * sx, r.box[3] * sy] }));
  }
  return out;
}

/** Lines (fractions of the picture) in the transformed picture; lines a zoom leaves nothing of are dropped. */
export function transformLines(lines: readonly LineSpec[], base: { width: number; height: number }, t: PictureTransform): LineSpec[] {
  const mirrored = t.mirror ? lines.map((l) => ({ ...l, points: mirrorPoints(l.points) })) : [...lines];
  if (t.zoom === undefined) return mirrored;
  const c = zoomCrop(base, t.zoom);
  const fx = (x: number) => (x * base.width - c.x) / c.width;
  const fy = (y: number) => (y * base.height - c.y) / c.height;
  return mirrored.flatMap((l) => {
    const [x1, y1, x2, y2] = l.points;
    const cut = clipToUnit([fx(x1), fy(y1), fx(x2), fy(y2)]);
    return cut ? [{ ...l, points: cut }] : [];
  });
}

function mirrorPoints([x1, y1, x2, y2]: LineSpec['points']): LineSpec['points'] {
  return [1 - x1, y1, 1 - x2, y2];
}

/** Fractions kept to 6 decimals: a line drawn by hand is never finer, and (0.3 − 0.25) / 0.5 stays 0.1. */
const tidy = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The part of segment P→Q inside the unit square (Liang–Barsky), or null when nothing of it is inside or what is left
 * lies along one edge of the square (a line on the picture's border: no one's feet cross it inside the picture).
 */
export function clipToUnit([x1, y1, x2, y2]: LineSpec['points']): LineSpec['points'] | null {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  // Each edge as p·t ≤ q: left, right, top, bottom.
  for (const [p, q] of [[-dx, x1], [dx, 1 - x1], [-dy, y1], [dy, 1 - y1]]) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
  }
  if (!(t0 < t1)) return null;
  const cut: LineSpec['points'] = [tidy(x1 + t0 * dx), tidy(y1 + t0 * dy), tidy(x1 + t1 * dx), tidy(y1 + t1 * dy)];
  const onEdge = (i: 0 | 1, v: number) => cut[i] === v && cut[i + 2] === v;
  if (onEdge(0, 0) || onEdge(0, 1) || onEdge(1, 0) || onEdge(1, 1)) return null;
  return cut;
}
