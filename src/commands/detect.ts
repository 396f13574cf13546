import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DetectArgs } from './options.js';
import { NdjsonWriter } from '../protocol/ndjson.js';
import { frameNumber } from '../sources/frames.js';
import { describeSource } from '../sources/kind.js';
import { taskIdFor } from '../sources/task-id.js';
import type { Detection } from '../vision/types.js';
import { createDetector, type Detector } from '../worker/detector.js';
import { toFrameLayout } from '../worker/ffmpeg-args.js';
import { resolveFfmpeg } from '../worker/ffmpeg-binary.js';
import { openFrames, type FrameReader } from '../worker/ffmpeg-frames.js';
import { probeSource } from '../worker/ffmpeg-probe.js';
import { isUsageErrorCode, USAGE_EXIT_STATUS } from '../protocol/error-codes.js';

/**
 * `pcount-tui detect <image-or-video>`: one NDJSON `detections` line per processed frame on stdout, nothing else.
 * Problems go to stderr as one line naming the file, option or value, with exit code 2 for bad options and 1 for
 * inputs or models that cannot be used.
 */

const round1 = (v: number) => Math.round(v * 10) / 10;

function toWire(d: Detection): Detection {
  return { box: [round1(d.box[0]), round1(d.box[1]), round1(d.box[2]), round1(d.box[3])], score: Math.round(d.score * 1000) / 1000, label: d.label };
}

export async function run(args: DetectArgs): Promise<number> {
  let reader: FrameReader | undefined;
  let detector: Detector | undefined;
  let stdoutGone = false;
  const out = new NdjsonWriter(process.stdout, () => {
    stdoutGone = true;
    reader?.close();
  });
  const task = taskIdFor(args.input);
  try {
    const { kind, local } = describeSource(args.input);
    const mustExist = kind === 'sequence' && local ? path.dirname(local) : local;
    if (mustExist && !existsSync(mustExist)) {
      throw Object.assign(new Error(`input not found: ${args.input}`), { code: 'SOURCE_NOT_FOUND' });
    }
    const ffmpeg = await resolveFfmpeg({ option: args.ffmpeg });
    const source = { ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: local ?? args.input };
    const info = await probeSource(source);
    detector = await createDetector({
      modelPath: args.model,
      format: args['model-format'],
      inputSize: args['input-size'],
      confidence: args.confidence,
      threads: args.threads,
      sourceWidth: info.width,
      sourceHeight: info.height,
    });
    const g = detector.geometryFor(info.width, info.height);
    reader = openFrames({
      ...source,
      output: toFrameLayout(g, detector.padValue),
      every: args.every ?? 1,
      maxFrames: args.maxFrames,
      // As the worker reads it (source.ts).
      deinterlace: info.interlaced,
    });
    for await (const frame of reader) {
      const detections = (await detector.detect(frame.data, g)).map(toWire);
      if (!out.write({ v: 1, type: 'detections', task, ts: Date.now(), frame: frameNumber(frame.index), detections })) {
        await out.drained();
      }
      if (stdoutGone) break;
    }
    await out.flush();
    return 0;
  } catch (err) {
    if (stdoutGone) return 0;
    const code = (err as { code?: unknown }).code;
    process.stderr.write(`pcount-tui detect: ${err instanceof Error ? err.message : String(err)}\n`);
    return isUsageErrorCode(String(code)) ? USAGE_EXIT_STATUS : 1;
  } finally {
    reader?.close();
    await detector?.release();
  }
}
