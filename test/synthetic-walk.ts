import type { Box, Detection } from '../src/vision/types.js';

/** Deterministic pseudo-random numbers (mulberry32), so that synthetic jitter is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A person walking in a straight line: feet at `start` (px) at t = 0, velocity in px/s, box height h (px). */
export interface Walker {
  start: [number, number];
  velocity: [number, number];
  height: number;
  /** Time span in seconds during which the walker is visible to the detector. */
  visible?: (t: number) => boolean;
}

export function walkerBox(w: Walker, t: number): Box {
  const fx = w.start[0] + w.velocity[0] * t;
  const fy = w.start[1] + w.velocity[1] * t;
  const width = 0.4 * w.height;
  return [fx - width / 2, fy - w.height, width, w.height];
}

/** Detections of all visible walkers at time t, with box jitter of `jitter` box heights (uniform ±). */
export function detect(walkers: readonly Walker[], t: number, random: () => number, jitter = 0.03): Detection[] {
  return walkers
    .filter((w) => w.visible?.(t) ?? true)
    .map((w) => {
      const [x, y, bw, bh] = walkerBox(w, t);
      const j = () => (random() * 2 - 1) * jitter * w.height;
      return { box: [x + j(), y + j(), bw + j(), bh + j()] as Box, score: 0.9, label: 'person' as const };
    });
}
