/**
 * Tracker and counter alone, in this process, on recorded detections: the detector's (recorded once per clip by
 * `pcount-tui detect` and cached) or the ground-truth boxes with jitter and dropouts. Separates what the tracker gets
 * wrong from what the detector misses, and makes trying tracker settings take seconds instead of minutes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MotRow } from '../src/metrics/gt.js';
import type { CrossingRecord } from '../src/vision/line-counter.js';
import { PeopleCounter, type AppearanceSampler, type PeopleCounterOptions } from '../src/vision/people-counter.js';
import type { Box, Detection } from '../src/vision/types.js';
import { rng } from '../test/synthetic-walk.js';
import type { Clip } from './count-clips.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The detector's output on every frame of the clip (index 0 = frame 1), recorded once per clip and options. */
export function recordedDetections(clip: Clip, detectArgs: readonly string[]): Detection[][] {
  const dir = process.env.PCOUNT_BENCH_CLIPS ?? path.join(tmpdir(), 'pcount-bench-clips');
  const key = createHash('sha256').update(JSON.stringify([clip.video, detectArgs])).digest('hex').slice(0, 12);
  const file = path.join(dir, `${clip.name}.${key}.detections.ndjson`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`bench:count: recording detections of ${clip.name} (${detectArgs.join(' ') || 'defaults'}) into ${file}\n`);
    const out = execFileSync(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'detect', clip.video, ...detectArgs], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    writeFileSync(`${file}.partial`, out);
    renameSync(`${file}.partial`, file);
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { detections: Detection[] }).detections);
}

export interface GtNoise {
  /** Uniform ± jitter of each box coordinate, in box heights. */
  jitter: number;
  /** Probability that a person is not detected in a frame. */
  drop: number;
  /** People less visible than this (MOT17 visibility) are never detected, as a detector misses the hidden ones. */
  minVisibility: number;
  seed: number;
}

/** Ground-truth people of the clip as detections, with jitter and dropouts (a detector that never invents people). */
export function gtDetections(clip: Clip, frames: number, noise: GtNoise): Detection[][] {
  const random = rng(noise.seed);
  const out: Detection[][] = Array.from({ length: frames }, () => []);
  for (const r of clip.gt) {
    if (r.conf === 0 || r.frame > frames || (r.visibility ?? 1) < noise.minVisibility) continue;
    if (random() < noise.drop) continue;
    const j = () => (random() * 2 - 1) * noise.jitter * r.box[3];
    const box: Box = [r.box[0] + j(), r.box[1] + j(), r.box[2] * (1 + j() / r.box[3]), r.box[3] * (1 + j() / r.box[3])];
    out[r.frame - 1].push({ box, score: 0.6, label: 'person' });
  }
  return out;
}

export interface ReplayResult {
  crossings: CrossingRecord[];
  tracks: MotRow[];
}

/**
 * What the worker's loop does with a file: detections on frames 1, 1 + skip, …, predictions in between, frame n at
 * (n − 1) / containerFps seconds.
 */
export function replay(
  clip: Clip,
  detections: readonly Detection[][],
  skip: number,
  containerFps: number,
  options: PeopleCounterOptions = {},
  appearance?: readonly AppearanceSampler[],
): ReplayResult {
  const pc = new PeopleCounter(clip.lines, clip, options);
  const crossings: CrossingRecord[] = [];
  const tracks: MotRow[] = [];
  detections.forEach((dets, i) => {
    const frame = i + 1;
    const pts = i / containerFps;
    const step = i % skip === 0 ? pc.detections(dets, frame, pts, appearance?.[i]) : pc.predict(pts);
    crossings.push(...step.crossings);
    for (const t of step.tracks) if (t.state === 'confirmed') tracks.push({ frame, id: t.id, box: t.box, conf: 1 });
  });
  return { crossings, tracks };
}
