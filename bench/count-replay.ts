/**
 * The worker's own tracker and counter, in this process, on recorded detections: the worker's (recorded by the worker
 * itself, `--record-detections`, once per clip, skip and detection code, and cached) or the ground-truth boxes with
 * jitter and dropouts. A replay of the worker's recording counts exactly as the worker did, so trying tracker and
 * counter settings takes seconds instead of minutes; ground truth separates what the tracker gets wrong from what the
 * detector misses.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MotRow } from '../src/metrics/gt.js';
import type { CrossingRecord } from '../src/vision/line-counter.js';
import type { AppearanceSampler, PeopleCounterOptions } from '../src/vision/people-counter.js';
import type { Box, Detection } from '../src/vision/types.js';
import { readRecording, replaySteps, type Recording } from '../src/worker/detection-record.js';
import { round } from '../src/worker/lifecycle-events.js';
import { rng } from '../test/synthetic-walk.js';
import type { Clip } from './count-clips.js';
import { benchCacheDir } from './clips.js';
import { runWorker, type WorkerRun } from './count-worker.js';
import { detectionCodeKey } from './detection-code.js';

/** What a crossing is compared on between the worker and a replay. */
export type CrossingKey = Pick<CrossingRecord, 'line' | 'track' | 'direction' | 'frame'>;

export interface WorkerRecording {
  recording: Recording;
  /** The crossings of the worker run that made the recording. */
  worker: CrossingKey[];
  /** The run itself, when it was made now rather than read from the cache. */
  run: WorkerRun | null;
}

const keyOf = (c: CrossingKey): CrossingKey => ({ line: c.line, track: c.track, direction: c.direction, frame: c.frame });

/**
 * The worker's recording of a clip at a skip. Cached by everything that changes the detections: the video (path,
 * size, time), the lines (the crops follow them), the skip, the detector options and the detection code.
 */
export async function workerRecording(clip: Clip, skip: number, detectorArgs: readonly string[], ffmpegVersion: string): Promise<WorkerRecording> {
  const dir = benchCacheDir();
  const video = statSync(clip.video);
  const key = createHash('sha256')
    .update(JSON.stringify([clip.video, video.size, video.mtimeMs, clip.lines, skip, detectorArgs, detectionCodeKey(ffmpegVersion)]))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(dir, `${clip.name}.skip${skip}.${key}.recording.ndjson`);
  const crossingsFile = `${file}.crossings.json`;
  let run: WorkerRun | null = null;
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`bench:count: the worker records its detections of ${clip.name} --skip-frames ${skip} into ${file}\n`);
    const partial = `${file}.${process.pid}.partial`;
    run = await runWorker(clip.video, clip.lines, skip, [...detectorArgs, '--record-detections', partial]);
    writeFileSync(crossingsFile, JSON.stringify(run.crossings.map(keyOf)));
    renameSync(partial, file);
  }
  const recording = readRecording(readFileSync(file, 'utf8'), file);
  return { recording, worker: JSON.parse(readFileSync(crossingsFile, 'utf8')) as CrossingKey[], run };
}

/** The first difference between two crossing lists, or null when they are the same. */
export function firstDifference(a: readonly CrossingKey[], b: readonly CrossingKey[]): string | null {
  const text = (c: CrossingKey | undefined) => (c ? JSON.stringify(keyOf(c)) : 'nothing');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (text(a[i]) !== text(b[i])) return `crossing ${i + 1}: ${text(a[i])} vs ${text(b[i])}`;
  }
  return null;
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

/**
 * Ground-truth people of the clip as a recording (a detector that never invents people, with jitter and dropouts):
 * detections on frames 1, 1 + skip, …, predictions in between, frame n at (n − 1) / containerFps seconds; then the
 * end of the file, as the worker records it.
 */
export function gtRecording(clip: Clip, frames: number, skip: number, containerFps: number, noise: GtNoise): Recording {
  const random = rng(noise.seed);
  const byFrame: Detection[][] = Array.from({ length: frames }, () => []);
  for (const r of clip.gt) {
    if (r.conf === 0 || r.frame > frames || (r.visibility ?? 1) < noise.minVisibility) continue;
    if (random() < noise.drop) continue;
    const j = () => (random() * 2 - 1) * noise.jitter * r.box[3];
    const box: Box = [r.box[0] + j(), r.box[1] + j(), r.box[2] * (1 + j() / r.box[3]), r.box[3] * (1 + j() / r.box[3])];
    byFrame[r.frame - 1].push({ box, score: 0.6, label: 'person' });
  }
  return {
    header: { recording: 1, source: { width: clip.width, height: clip.height, fps: containerFps }, lines: clip.lines, anchor: 'bottom' },
    steps: [
      ...byFrame.map((detections, i) => (i % skip === 0 ? { frame: i + 1, pts: i / containerFps, detections } : { pts: i / containerFps })),
      { end: true },
    ],
  };
}

/** The detections of each frame (index 0 = frame 1; none on frames where tracks were only predicted). */
export function detectionsByFrame(rec: Recording): Detection[][] {
  const out: Detection[][] = [];
  for (const s of rec.steps) if ('detections' in s) out[s.frame - 1] = s.detections;
  return Array.from(out, (ds) => ds ?? []);
}

export interface ReplayResult {
  crossings: CrossingRecord[];
  /** Confirmed tracks of every frame, boxes rounded as the worker's `tracks` events have them. */
  tracks: MotRow[];
}

export function replay(rec: Recording, options: PeopleCounterOptions = {}, appearance?: readonly AppearanceSampler[]): ReplayResult {
  const crossings: CrossingRecord[] = [];
  const tracks: MotRow[] = [];
  for (const { frame, step } of replaySteps(rec, options, appearance && ((f) => appearance[f - 1]))) {
    crossings.push(...step.crossings);
    for (const t of step.tracks) {
      if (t.state === 'confirmed') tracks.push({ frame, id: t.id, box: t.box.map((v) => round(v, 1)) as Box, conf: 1 });
    }
  }
  return { crossings, tracks };
}
