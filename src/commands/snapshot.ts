import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { formatProblem } from '../config/validate.js';
import { idFromSource } from '../config/sources.js';
import { writeFileAtomic } from '../orchestrator/atomic-write.js';
import { annotate } from '../picture/annotate.js';
import { encodePng } from '../picture/png.js';
import { Raster } from '../picture/raster.js';
import type { LineSpec } from '../vision/types.js';
import type { DetectorOptions } from '../worker/detector.js';
import { toWorkerError, WorkerError } from '../worker/errors.js';
import { resolveFfmpeg, type FfmpegBinary } from '../worker/ffmpeg-binary.js';
import { grabFrame, type FrameChoice } from '../worker/grab-frame.js';
import { parseLineArgs } from '../worker/line-arg.js';

/**
 * `pcount-tui snapshot SOURCE [--line …] [--at S | --frame N] [-o out.png]`: one frame at the source's own size
 * with the people the detector finds, the lines, their names and in-arrows, as a PNG. SOURCE may be a config file:
 * then one PNG per task (`<id>.png` in the `-o` folder), each with that task's lines and detector settings.
 */

interface Job {
  id: string;
  source: string;
  lines: LineSpec[];
  detector: DetectorOptions;
  out: string;
}

class UsageError extends Error {}

const isConfig = (source: string) => /\.json$/i.test(source);

function frameChoice(argv: Record<string, unknown>): FrameChoice {
  const { at, frame } = argv;
  if (at !== undefined && frame !== undefined) throw new UsageError('give --at or --frame, not both');
  if (frame !== undefined) {
    if (typeof frame !== 'number' || !Number.isInteger(frame) || frame < 1) throw new UsageError(`--frame must be a whole number ≥ 1 (frames are numbered from 1), got ${String(frame)}`);
    return { frame };
  }
  if (at !== undefined) {
    if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) throw new UsageError(`--at must be a number of seconds ≥ 0, got ${String(at)}`);
    return { at };
  }
  return { frame: 1 };
}

function detectorOptions(argv: Record<string, unknown>): DetectorOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    modelPath: str(argv.model),
    format: str(argv.modelFormat),
    inputSize: str(argv.inputSize),
    confidence: typeof argv.confidence === 'number' ? argv.confidence : undefined,
    threads: typeof argv.threads === 'number' ? argv.threads : undefined,
  };
}

function jobs(argv: Record<string, unknown>): Job[] {
  const source = String(argv.source ?? '');
  const output = typeof argv.output === 'string' && argv.output !== '' ? argv.output : undefined;
  const lineArgs = (argv.line as string[] | undefined) ?? [];
  const detector = detectorOptions(argv);
  if (!isConfig(source)) {
    const id = idFromSource(source);
    try {
      return [{ id, source, lines: parseLineArgs(lineArgs), detector, out: path.resolve(output ?? `${id}.png`) }];
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (lineArgs.length > 0) throw new UsageError('--line applies to a single source; a config file has its own lines');
  const loaded = loadConfig(source);
  if (!loaded.ok) {
    throw new UsageError(`${loaded.file ?? source}: ${loaded.problems.map(formatProblem).join('; ')}`);
  }
  const dir = path.resolve(output ?? '.');
  return loaded.config.tasks.map((t) => ({
    id: t.id,
    source: t.source,
    lines: t.lines,
    detector: {
      ...detector,
      modelPath: detector.modelPath ?? t.model,
      format: detector.format ?? t.modelFormat,
      inputSize: detector.inputSize ?? t.inputSize,
      confidence: detector.confidence ?? t.confidence,
    },
    out: path.join(dir, `${t.id}.png`),
  }));
}

async function snapshotOne(ffmpeg: FfmpegBinary, job: Job, choice: FrameChoice): Promise<string> {
  const grabbed = await grabFrame(ffmpeg, job.source, choice, job.detector);
  const { width, height } = grabbed.info;
  const picture = new Raster(width, height, grabbed.rgb);
  annotate(picture, {
    lines: job.lines,
    boxes: grabbed.detections.map((d) => ({ box: d.box, label: d.score.toFixed(2) })),
  });
  await writeFileAtomic(job.out, encodePng(width, height, picture.data));
  const frame = grabbed.number === null ? '' : `, frame ${grabbed.number}`;
  const people = grabbed.detections.length;
  return `${job.out}: ${job.id} ${width}x${height}${frame}, ${people} ${people === 1 ? 'person' : 'people'}, ${job.lines.length} line${job.lines.length === 1 ? '' : 's'}`;
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  let list: Job[];
  let choice: FrameChoice;
  let ffmpeg: FfmpegBinary;
  try {
    choice = frameChoice(argv);
    list = jobs(argv);
  } catch (err) {
    process.stderr.write(`pcount-tui snapshot: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    ffmpeg = await resolveFfmpeg({ option: typeof argv.ffmpeg === 'string' ? argv.ffmpeg : undefined });
  } catch (err) {
    process.stderr.write(`pcount-tui snapshot: FFMPEG_NOT_FOUND: ${(err as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  for (const job of list) {
    try {
      process.stdout.write(`${await snapshotOne(ffmpeg, job, choice)}\n`);
    } catch (err) {
      const e = err instanceof WorkerError ? err : toWorkerError(err);
      process.stderr.write(`pcount-tui snapshot: ${job.id}: ${e.code}: ${e.message}\n`);
      failed += 1;
    }
  }
  return failed > 0 ? 1 : 0;
}
