import { format } from 'node:util';
import type { WorkerArgs } from './options.js';
import { DEFAULT_DEMOGRAPHICS } from '../config/demographics.js';
import { redactSource, SOURCE_ENV } from '../sources/credentials.js';
import { describeSource } from '../sources/kind.js';
import { DEFAULT_LINE } from '../sources/lines.js';
import { taskIdFor } from '../sources/task-id.js';
import { toDetectRegion } from '../vision/detect-region.js';
import { runWorker, type WorkerConfig } from '../worker/run-worker.js';
import { taskOptionsFrom } from './arguments.js';

const DEFAULT_SKIP_FRAMES = 1;
const DEFAULT_STALL_TIMEOUT_S = 10;

/** `pcount-tui worker`: one counting task, NDJSON events on stdout (see docs/protocol.md). */
export async function run(argv: WorkerArgs): Promise<number> {
  keepStdoutForEvents();
  return runWorker(toConfig(argv), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}

/**
 * The source to open. A source with a password comes in the environment (SOURCE_ENV), which other users cannot read,
 * while `--source` holds its redacted form for `ps`; the variable is used only when its redacted form is `--source`,
 * and is removed at once so that ffmpeg does not inherit it.
 */
export function sourceFrom(given: string, env: NodeJS.ProcessEnv = process.env): string {
  const secret = env[SOURCE_ENV];
  delete env[SOURCE_ENV];
  return secret !== undefined && redactSource(secret) === given ? secret : given;
}

/** The options, already checked by the command table, with the worker's defaults filled in. */
function toConfig(argv: WorkerArgs): WorkerConfig {
  const task = taskOptionsFrom(argv);
  const source = sourceFrom(argv.source);
  const { live, local } = describeSource(source);
  return {
    // A `file:` URL is read as the path it names.
    source: local ?? source,
    task: argv.task ?? taskIdFor(redactSource(source)),
    lines: argv.line ?? [DEFAULT_LINE],
    live: argv.live ?? live,
    skipFrames: task.skip_frames ?? DEFAULT_SKIP_FRAMES,
    anchor: task.anchor ?? 'bottom',
    detectRegion: toDetectRegion(task.detect_region ?? 'auto'),
    stallTimeoutMs: (task.stall_timeout ?? DEFAULT_STALL_TIMEOUT_S) * 1000,
    frameRate: task.frame_rate,
    logLevel: argv.logLevel ?? 'info',
    ffmpeg: argv.ffmpeg,
    model: task.model,
    modelFormat: task.model_format,
    inputSize: task.input_size,
    threads: argv.threads,
    confidence: task.confidence,
    maxFrames: argv.maxFrames,
    startFrame: argv.startFrame,
    startState: argv.startState,
    emitState: argv.emitState,
    stateEveryFrame: argv.stateEveryFrame,
    emitTracks: argv.emitTracks,
    recordDetections: argv.recordDetections,
    demographics: {
      ...DEFAULT_DEMOGRAPHICS,
      ...task.demographics,
      ...definedOnly({ min_face_px: argv.minFacePx, batch_size: argv.batchSize, batch_timeout_ms: argv.batchTimeoutMs }),
    },
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Nothing but events may reach stdout: any library that logs through `console` is sent to stderr instead. */
function keepStdoutForEvents(): void {
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(`${format(...args)}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}
