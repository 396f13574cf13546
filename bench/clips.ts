import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMot17File, readMotFile, type MotRow } from '../src/metrics/gt.js';
import type { Box } from '../src/vision/types.js';

/** The benchmark footage in ../shared/data with its ground truth, one frame's people and ignore regions at a time. */

export const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** Where the benches keep what they make once and reuse: encoded clip variants, worker recordings, the live stream. */
export function benchCacheDir(): string {
  return process.env.PCOUNT_BENCH_CLIPS ?? path.join(tmpdir(), 'pcount-bench-clips');
}

/**
 * The H.264 stream bench:live serves (vtest.avi four times at 25 fps). v3: v1's setpts in the source's 1/10 s time
 * base merged frames (20 frames a second, not 25); v2 held one copy.
 */
export function liveStreamFile(): string {
  return path.join(benchCacheDir(), 'vtest-25fps-h264-v3.ts');
}

export interface Clip {
  name: string;
  video: string;
  width: number;
  height: number;
  frames: number;
  /** Detection benchmarks sample every Nth frame (about 80–100 frames per clip). */
  every: number;
  /** MOT17 gt.txt has a 9th column with the visibility; PETS09's 9th column is a world coordinate. */
  visibilityColumn: boolean;
}

export interface FrameTruth {
  /** People to find, clipped to the frame (detector boxes stop at the frame edge too). */
  people: { box: Box; visibility: number }[];
  ignore: Box[];
}

export const CLIPS: Record<string, Clip & { gt: string }> = {
  vtest: { name: 'vtest', video: path.join(DATA, 'vtest.avi'), gt: path.join(DATA, 'PETS09-S2L1/gt.txt'), width: 768, height: 576, frames: 795, every: 10, visibilityColumn: false },
  mot17: { name: 'MOT17-09', video: path.join(DATA, 'MOT17-09/MOT17-09.mp4'), gt: path.join(DATA, 'MOT17-09/gt.txt'), width: 1920, height: 1080, frames: 525, every: 5, visibilityColumn: true },
};

export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, b[0]);
  const y1 = Math.max(0, b[1]);
  const x2 = Math.min(width, b[0] + b[2]);
  const y2 = Math.min(height, b[1] + b[3]);
  return x2 > x1 && y2 > y1 ? [x1, y1, x2 - x1, y2 - y1] : null;
}

/**
 * Ground truth by frame (1-based). PETS09 rows with conf 0 are ignore regions, and MOT17's distractor classes as the
 * MOTChallenge evaluation has them (readMot17File); MOT17's 9th column is the visibility (PETS09 has none: 1).
 */
export function readTruth(clip: Clip & { gt: string }): Map<number, FrameTruth> {
  const rows = clip.visibilityColumn ? readMot17File(clip.gt) : readMotFile(clip.gt);
  const visibility = new Map<string, number>();
  if (clip.visibilityColumn) {
    for (const line of readFileSync(clip.gt, 'utf8').split('\n')) {
      const f = line.split(',');
      if (f.length >= 9) visibility.set(`${f[0]},${f[1]}`, Number(f[8]));
    }
  }
  const byFrame = new Map<number, FrameTruth>();
  for (const r of rows as MotRow[]) {
    const t = byFrame.get(r.frame) ?? { people: [], ignore: [] };
    byFrame.set(r.frame, t);
    const box = clipBox(r.box, clip.width, clip.height);
    if (!box) continue;
    if (r.conf === 0) t.ignore.push(box);
    else t.people.push({ box, visibility: visibility.get(`${r.frame},${r.id}`) ?? 1 });
  }
  return byFrame;
}
