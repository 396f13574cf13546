import { fstatSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { SnapshotArgs } from './options.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { loadConfig } from '../config/load.js';
import { folderProblem } from '../config/output-dir.js';
import { formatProblem } from '../config/validate.js';
import { annotate } from '../picture/annotate.js';
import { encodePng } from '../picture/png.js';
import { Raster } from '../picture/raster.js';
import { privateFileMode } from '../sources/credentials.js';
import { resolveSource } from '../sources/kind.js';
import { DEFAULT_LINE } from '../sources/lines.js';
import { taskIdFor } from '../sources/task-id.js';
import type { LineSpec } from '../vision/types.js';
import type { DetectorOptions } from '../worker/detector.js';
import { toWorkerError, WorkerError } from '../worker/errors.js';
import { resolveFfmpeg, type FfmpegBinary } from '../worker/ffmpeg-binary.js';
import { grabFrame, type FrameChoice } from '../worker/grab-frame.js';
import { textCleaner } from '../worker/text.js';
import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';

/**
 * `pcount-tui snapshot SOURCE [--line …] [--at S | --frame N] [-o out.png]`: one frame at the source's own size
 * with the people the detector finds, the lines, their names and in-arrows, as a PNG. SOURCE may be a config file:
 * then one PNG per task (`<id>.png` in the `-o` folder), each with that task's lines and detector settings.
 * `-o -` (or any path that is this process's standard output, such as /dev/stdout) writes the PNG to stdout, and
 * the line saying what was written goes to stderr, so that `snapshot … -o - > x.png` is a PNG.
 */

interface Job {
  id: string;
  source: string;
  lines: LineSpec[];
  detector: DetectorOptions;
  /** An image sequence's frames per second (--frame-rate, the task's frame_rate), as the worker reads it. */
  frameRate?: number;
  out: string;
}

class UsageError extends Error {}

/** A job's `out` when the PNG goes to standard output. */
const STDOUT = '-';

/** The config file named cannot be used: exit 1, as in `validate` and `run` (src/protocol/error-codes.ts). */
class ConfigError extends Error {}

/** The PNG could not be written (a folder that cannot be made, a full disk): the user's path, not a bug. */
class OutputError extends Error {}

const isConfig = (source: string) => /\.json$/i.test(source);

/**
 * Whether `-o` names this process's standard output: `-`, or a path to the same file, pipe or device (/dev/stdout,
 * /dev/fd/1, the file stdout is redirected to). Written through its path instead, the PNG and the status line both
 * went to stdout, and as root the atomic write renamed the PNG over /dev/stdout itself.
 */
export function isStdout(output: string | undefined, stdout: Stats | undefined, target: Stats | undefined): boolean {
  if (output === '-') return true;
  return stdout !== undefined && target !== undefined && stdout.dev === target.dev && stdout.ino === target.ino;
}

function stdoutStats(): Stats | undefined {
  try {
    return fstatSync(1);
  } catch {
    return undefined;
  }
}

/** `-o` must be what the source makes: one PNG file, or for a config the folder of its PNGs. Found out before the work. */
function checkOutput(output: string | undefined, folder: boolean): void {
  const found = output === undefined ? undefined : lookAt(output);
  if (!found || found.isDirectory() === folder) return;
  const why = folder ? 'is a file; for a config file give the folder of the PNGs' : 'is a folder; give the PNG file to write';
  throw new UsageError(`bad --output '${output}': ${why}`);
}

/** What is at the path, if anything; a path through a file (ENOTDIR) is for checkFolder to explain. */
function lookAt(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A PNG that could not be written once its frame was grabbed and its people found: said before that work. */
function checkFolder(dir: string, out: string): void {
  const problem = folderProblem(dir);
  if (problem) throw new OutputError(`cannot write ${out}: ${problem}`);
}

/**
 * A PNG file named with -o goes into a folder that exists, as with cp or ffmpeg: a missing one is more often a typo
 * than a wish, and made silently it hides the picture where nobody looks. (The folder of a config's PNGs is made.)
 */
function checkFileFolder(dir: string, out: string): void {
  checkFolder(dir, out);
  if (!lookAt(dir)) throw new OutputError(`cannot write ${out}: the folder ${dir} does not exist (make it first, or give another -o)`);
}

function frameChoice(args: SnapshotArgs): FrameChoice {
  if (args.frame !== undefined) return { frame: args.frame };
  if (args.at !== undefined) return { at: args.at };
  return { frame: 1 };
}

function jobs(args: SnapshotArgs): Job[] {
  const detector: DetectorOptions = {
    modelPath: args.model,
    format: args['model-format'],
    inputSize: args['input-size'],
    confidence: args.confidence,
    threads: args.threads,
  };
  const toStdout = isStdout(args.output, stdoutStats(), args.output === undefined ? undefined : lookAt(args.output));
  if (toStdout && isConfig(args.source)) {
    throw new UsageError(`bad --output '${args.output}': a config file makes one PNG per task; give the folder to write them in`);
  }
  if (toStdout && process.stdout.isTTY) {
    throw new UsageError(`bad --output '${args.output}': standard output is a terminal; redirect it (> out.png) or give a PNG file`);
  }
  if (!toStdout) checkOutput(args.output, isConfig(args.source));
  if (!isConfig(args.source)) {
    const id = taskIdFor(args.source);
    const source = resolveSource(args.source, process.cwd());
    const job = { id, source, lines: args.line ?? [DEFAULT_LINE], detector, frameRate: args['frame-rate'] };
    if (toStdout) return [{ ...job, out: STDOUT }];
    const out = path.resolve(args.output ?? `${id}.png`);
    checkFileFolder(path.dirname(out), out);
    return [{ ...job, out }];
  }
  if (args.line !== undefined) throw new UsageError('--line applies to a single source; a config file has its own lines');
  const loaded = loadConfig(args.source);
  if (!loaded.ok) {
    throw new ConfigError(`${loaded.file ?? args.source}: ${loaded.problems.map(formatProblem).join('; ')}`);
  }
  const dir = path.resolve(args.output ?? '.');
  checkFolder(dir, dir);
  return loaded.config.tasks.map((t) => ({
    id: t.id,
    source: t.source,
    lines: t.lines,
    detector: {
      ...detector,
      modelPath: detector.modelPath ?? t.options.model,
      format: detector.format ?? t.options.model_format,
      inputSize: detector.inputSize ?? t.options.input_size,
      confidence: detector.confidence ?? t.options.confidence,
    },
    frameRate: args['frame-rate'] ?? t.options.frame_rate,
    out: path.join(dir, `${t.id}.png`),
  }));
}

/** What was written, to say; null when the reader of standard output went away first (the usual quiet end). */
async function snapshotOne(ffmpeg: FfmpegBinary, job: Job, choice: FrameChoice): Promise<string | null> {
  const grabbed = await grabFrame(ffmpeg, job.source, choice, job.detector, job.frameRate);
  const { width, height } = grabbed.info;
  const picture = new Raster(width, height, grabbed.rgb);
  annotate(picture, {
    lines: job.lines,
    boxes: grabbed.detections.map((d) => ({ box: d.box, label: d.score.toFixed(2) })),
  });
  // A picture of a camera whose address holds a password is for its owner only, like the results and logs.
  const png = encodePng(width, height, picture.data);
  try {
    // Said to have been written to standard output when `| head -c 100` had taken only its start.
    if (job.out === STDOUT && !(await writeStdout(png))) return null;
    if (job.out !== STDOUT) await writeFileAtomic(job.out, png, { mode: privateFileMode([job.source]) });
  } catch (err) {
    throw new OutputError(`cannot write ${job.out === STDOUT ? 'standard output' : job.out}: ${(err as Error).message}`);
  }
  const frame = grabbed.number === null ? '' : `, frame ${grabbed.number}`;
  const people = grabbed.detections.length;
  return `${job.out === STDOUT ? 'standard output' : job.out}: ${job.id} ${width}x${height}${frame}, ${people} ${people === 1 ? 'person' : 'people'}, ${job.lines.length} line${job.lines.length === 1 ? '' : 's'}`;
}

/** The PNG on stdout, and whether its reader took it all: a reader gone early (EPIPE) is the usual quiet end (onStdoutError), any other failure is said. */
function writeStdout(png: Uint8Array): Promise<boolean> {
  return new Promise((resolve, reject) => {
    process.stdout.write(png, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(err) : resolve(!err)));
  });
}

export async function run(args: SnapshotArgs): Promise<number> {
  let list: Job[];
  let ffmpeg: FfmpegBinary;
  const choice = frameChoice(args);
  try {
    list = jobs(args);
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof ConfigError || err instanceof OutputError)) throw err;
    process.stderr.write(`pcount-tui snapshot: ${err.message}\n`);
    return err instanceof UsageError ? USAGE_EXIT_STATUS : 1;
  }
  try {
    ffmpeg = await resolveFfmpeg({ option: args.ffmpeg });
  } catch (err) {
    process.stderr.write(`pcount-tui snapshot: FFMPEG_NOT_FOUND: ${(err as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  for (const job of list) {
    try {
      const said = await snapshotOne(ffmpeg, job, choice);
      if (said !== null) (job.out === STDOUT ? process.stderr : process.stdout).write(`${said}\n`);
    } catch (err) {
      const e = err instanceof WorkerError || err instanceof OutputError ? err : toWorkerError(err);
      const what = e instanceof WorkerError ? `${e.code}: ${e.message}` : e.message;
      process.stderr.write(`pcount-tui snapshot: ${job.id}: ${textCleaner(job.source)(what)}\n`);
      failed += 1;
    }
  }
  return failed > 0 ? 1 : 0;
}
