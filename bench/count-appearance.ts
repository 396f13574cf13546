/**
 * Appearance of recorded detections, for replays: the clip decoded once at a given width (the worker's model input
 * is 384 pixels wide; crops near the source resolution see more), every detection described, cached next to the
 * recorded detections.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APPEARANCE_LENGTH, describeAppearance } from '../src/vision/appearance.js';
import type { AppearanceSampler } from '../src/vision/people-counter.js';
import type { Box, Detection } from '../src/vision/types.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import type { Clip } from './count-clips.js';
import { benchCacheDir } from './clips.js';

/** For each frame, a sampler that answers with the cached appearance of that frame's detections. */
export async function recordedAppearance(
  clip: Clip,
  detections: readonly Detection[][],
  width: number,
  ffmpeg: string,
): Promise<AppearanceSampler[]> {
  const height = Math.round((clip.height * width) / clip.width / 2) * 2;
  const dir = benchCacheDir();
  const key = createHash('sha256')
    .update(JSON.stringify([clip.video, width, detections.map((ds) => ds.map((d) => d.box))]))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(dir, `${clip.name}.${key}.appearance.bin`);
  const total = detections.reduce((n, ds) => n + ds.length, 0);
  if (!existsSync(file)) {
    process.stderr.write(`bench:count: describing ${total} detections of ${clip.name} at ${width}x${height} into ${file}\n`);
    const all = new Float32Array(total * APPEARANCE_LENGTH).fill(NaN);
    const mapping = { scaleX: width / clip.width, scaleY: height / clip.height, offsetX: 0, offsetY: 0 };
    const reader = openFrames({ ffmpeg, input: clip.video, output: { width, height } });
    let frame = 0;
    let at = 0;
    for await (const f of reader) {
      for (const d of detections[frame] ?? []) {
        const a = describeAppearance({ format: 'rgb24', width, height, data: f.data }, d.box, mapping);
        if (a) all.set(a, at * APPEARANCE_LENGTH);
        at += 1;
      }
      frame += 1;
    }
    writeFileSync(`${file}.partial`, Buffer.from(all.buffer));
    renameSync(`${file}.partial`, file);
  }
  const bytes = readFileSync(file);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  return detections.map((ds) => {
    const byBox = new Map<Box, Float32Array>();
    for (const d of ds) {
      const a = all.subarray(at * APPEARANCE_LENGTH, (at + 1) * APPEARANCE_LENGTH);
      if (!Number.isNaN(a[0])) byBox.set(d.box, a);
      at += 1;
    }
    return (box: Box) => byBox.get(box) ?? null;
  });
}
