/**
 * Where the marks of a counting line go on a picture of any size: the segment, the arrow on its `in` side and the
 * anchor of its label. One geometry for PNG snapshots and for the terminal preview, so both agree with the counter:
 * the side of P is sign(cross(B − A, P − A)) in image coordinates (y down) and − → + is `in`.
 */

export interface Pt {
  x: number;
  y: number;
}

export interface LineMarks {
  a: Pt;
  b: Pt;
  mid: Pt;
  /** Unit vector from the line towards its positive side: people walking along it are counted `in`. */
  inward: Pt;
  /** Arrow from the middle of the line into the `in` side: shaft end and the two barbs. */
  arrow: { from: Pt; to: Pt; barbs: [Pt, Pt] };
}

/** The marks of a line with normalised points on a picture of `width` × `height` pixels; `arrowLength` in pixels. */
export function lineMarks(points: readonly [number, number, number, number], width: number, height: number, arrowLength: number): LineMarks {
  const a = { x: points[0] * width, y: points[1] * height };
  const b = { x: points[2] * width, y: points[3] * height };
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  // cross(d, n) = dx² + dy² > 0 for n = (−dy, dx): n points to the positive side.
  const inward = { x: -dy / len, y: dx / len };
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const to = { x: mid.x + inward.x * arrowLength, y: mid.y + inward.y * arrowLength };
  const barb = arrowLength * 0.4;
  const along = { x: dx / len, y: dy / len };
  const barbs: [Pt, Pt] = [
    { x: to.x - inward.x * barb + along.x * barb, y: to.y - inward.y * barb + along.y * barb },
    { x: to.x - inward.x * barb - along.x * barb, y: to.y - inward.y * barb - along.y * barb },
  ];
  return { a, b, mid, inward, arrow: { from: mid, to, barbs } };
}

/**
 * The top-left corner of a `width`×`height` label beside the middle of the line on its `out` side, `gap` away, so
 * that it covers neither the line nor the in-arrow: beside a steep line, above or below a flat one.
 */
export function labelCorner(m: LineMarks, width: number, height: number, gap: number): Pt {
  if (Math.abs(m.inward.x) >= Math.abs(m.inward.y)) {
    return { x: m.inward.x < 0 ? m.mid.x + gap : m.mid.x - gap - width, y: m.mid.y - height / 2 };
  }
  return { x: m.mid.x - width / 2, y: m.inward.y < 0 ? m.mid.y + gap : m.mid.y - gap - height };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Rect, b: Rect, gap: number): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/** `r` moved inside `bounds` (its top-left corner kept in when it is larger). */
function inside(r: Rect, bounds: Rect): Rect {
  const x = Math.max(bounds.x, Math.min(r.x, bounds.x + bounds.width - r.width));
  const y = Math.max(bounds.y, Math.min(r.y, bounds.y + bounds.height - r.height));
  return { ...r, x, y };
}

/**
 * Where line labels go so that none is drawn over another (two lines close together put theirs at about the same
 * place): each label, in the order given (the first keep their place), takes its wanted place inside `bounds` when no
 * label placed before is within `gap` of it, else the nearest free place straight below or above it, in steps of its
 * height and `gap`, so it stays beside its own line. A label with no free place within `maxSteps` keeps its wanted one.
 */
export function placeLabels(wanted: readonly Rect[], bounds: Rect, gap: number, maxSteps = 8): Rect[] {
  const placed: Rect[] = [];
  for (const want of wanted) {
    const step = want.height + gap;
    const home = inside(want, bounds);
    let chosen = home;
    for (let k = 0; k <= maxSteps; k++) {
      const tries = k === 0 ? [home] : [inside({ ...want, y: want.y + k * step }, bounds), inside({ ...want, y: want.y - k * step }, bounds)];
      const free = tries.find((t) => !placed.some((p) => overlaps(t, p, gap)));
      if (free) {
        chosen = free;
        break;
      }
    }
    placed.push(chosen);
  }
  return placed;
}

/** The arrow character closest to a direction in image coordinates (y down). */
export function arrowGlyph(v: Pt, unicode: boolean): string {
  const angle = Math.atan2(v.y, v.x);
  const octant = ((Math.round(angle / (Math.PI / 4)) % 8) + 8) % 8;
  const glyphs = unicode ? ['→', '↘', '↓', '↙', '←', '↖', '↑', '↗'] : ['>', '\\', 'v', '/', '<', '\\', '^', '/'];
  return glyphs[octant];
}

/** "door in 3 out 2": what a line's label says. */
export function lineLabel(name: string, counts: { in: number; out: number } | null): string {
  return counts ? `${name} in ${counts.in} out ${counts.out}` : name;
}
