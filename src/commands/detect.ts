import { existsSync } from 'node:fs';
import { NdjsonWriter } from '../protocol/ndjson.js';
import type { Detection } from '../vision/types.js';
import { createDetector, type Detector } from '../worker/detector.js';
import { toFrameLayout } from '../worker/ffmpeg-args.js';
import { resolveFfmpeg } from '../worker/ffmpeg-binary.js';
import { openFrames, probeSource, type FrameReader } from '../worker/ffmpeg-frames.js';

/**
 * `pcount-tui detect <image-or-video>`: one NDJSON `detections` line per processed frame on stdout, nothing else.
 * Problems go to stderr as one line naming the file, option or value, with exit code 2 for bad options and 1 for
 * inputs or models that cannot be used.
 */

const OPEN_TIMEOUT_MS = 15_000;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

interface DetectArgs {
  input: string;
  every: number;
  maxFrames?: number;
  confidence?: number;
  model?: string;
  modelFormat?: string;
  inputSize?: string;
  threads?: number;
  ffmpeg?: string;
}

class UsageError extends Error {}

function positiveInt(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UsageError(`${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function readArgs(argv: Record<string, unknown>): DetectArgs {
  const input = argv.input;
  if (typeof input !== 'string' || input === '') throw new UsageError('missing <image-or-video>');
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const confidence = argv.confidence;
  if (confidence !== undefined && typeof confidence !== 'number') throw new UsageError(`--confidence must be a number`);
  return {
    input,
    every: positiveInt(argv.every ?? 1, '--every') ?? 1,
    maxFrames: positiveInt(argv.maxFrames, '--max-frames'),
    confidence,
    model: str(argv.model),
    modelFormat: str(argv.modelFormat),
    inputSize: str(argv.inputSize),
    threads: positiveInt(argv.threads, '--threads'),
    ffmpeg: str(argv.ffmpeg),
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function toWire(d: Detection): Detection {
  return { box: [round1(d.box[0]), round1(d.box[1]), round1(d.box[2]), round1(d.box[3])], score: Math.round(d.score * 1000) / 1000, label: d.label };
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  let reader: FrameReader | undefined;
  let detector: Detector | undefined;
  let stdoutGone = false;
  const out = new NdjsonWriter(process.stdout, () => {
    stdoutGone = true;
    reader?.close();
  });
  try {
    const args = readArgs(argv);
    if (!URL_LIKE.test(args.input) && !args.input.includes('%') && !existsSync(args.input)) {
      throw Object.assign(new Error(`input not found: ${args.input}`), { code: 'SOURCE_NOT_FOUND' });
    }
    const ffmpeg = await resolveFfmpeg({ option: args.ffmpeg });
    const source = { ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: args.input, openTimeoutMs: OPEN_TIMEOUT_MS };
    const info = await probeSource(source);
    detector = await createDetector({
      modelPath: args.model,
      format: args.modelFormat,
      inputSize: args.inputSize,
      confidence: args.confidence,
      threads: args.threads,
      sourceWidth: info.width,
      sourceHeight: info.height,
    });
    const g = detector.geometryFor(info.width, info.height);
    reader = openFrames({
      ...source,
      output: toFrameLayout(g, detector.padValue),
      every: args.every,
      maxFrames: args.maxFrames,
    });
    for await (const frame of reader) {
      const detections = (await detector.detect(frame.data, g)).map(toWire);
      if (!out.write({ v: 1, type: 'detections', task: 'detect', ts: Date.now(), frame: frame.index, detections })) {
        await out.drained();
      }
      if (stdoutGone) break;
    }
    await out.flush();
    return 0;
  } catch (err) {
    if (stdoutGone) return 0;
    const code = (err as { code?: unknown }).code;
    const usage = err instanceof UsageError || ['BAD_INPUT_SIZE', 'BAD_MODEL_FORMAT', 'BAD_ARGUMENT'].includes(String(code));
    process.stderr.write(`pcount-tui detect: ${err instanceof Error ? err.message : String(err)}\n`);
    return usage ? 2 : 1;
  } finally {
    reader?.close();
    await detector?.release();
  }
}
