import type { Box } from './types.js';

export interface Point {
  x: number;
  y: number;
}

/** Which point of a box stands for the person: feet (bottom centre) or body centre. */
export type AnchorMode = 'bottom' | 'center';

export function boxArea(b: Box): number {
  return Math.max(0, b[2]) * Math.max(0, b[3]);
}

/** Intersection over union of two boxes; 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const ix = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const iy = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

export function boxCenter(b: Box): Point {
  return { x: b[0] + b[2] / 2, y: b[1] + b[3] / 2 };
}

export function anchorPoint(b: Box, mode: AnchorMode): Point {
  return mode === 'bottom' ? { x: b[0] + b[2] / 2, y: b[1] + b[3] } : boxCenter(b);
}

/** z-component of the 2-D cross product u × v. */
export function cross(ux: number, uy: number, vx: number, vy: number): number {
  return ux * vy - uy * vx;
}

/** cross(B − A, P − A): positive on one side of the directed line A→B, negative on the other, 0 on it. */
export function sideValue(a: Point, b: Point, p: Point): number {
  return cross(b.x - a.x, b.y - a.y, p.x - a.x, p.y - a.y);
}

/**
 * Where the move P→Q meets the infinite line through A and B.
 * Returns `t` along P→Q and `u` along A→B (u in [0, 1] means on the segment AB), or null when parallel.
 */
export function lineIntersection(p: Point, q: Point, a: Point, b: Point): { t: number; u: number } | null {
  const rx = q.x - p.x;
  const ry = q.y - p.y;
  const sx = b.x - a.x;
  const sy = b.y - a.y;
  const denom = cross(rx, ry, sx, sy);
  if (denom === 0) return null;
  const apx = a.x - p.x;
  const apy = a.y - p.y;
  return { t: cross(apx, apy, sx, sy) / denom, u: cross(apx, apy, rx, ry) / denom };
}

/** Distance from P to the closed segment AB. */
export function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const u = len2 > 0 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - a.x - u * dx, p.y - a.y - u * dy);
}
