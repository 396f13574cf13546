import path from 'node:path';
import { format } from 'node:util';
import type { LogLevel } from '../protocol/events.js';
import { NdjsonWriter } from '../protocol/ndjson.js';
import { Emitter } from '../worker/emitter.js';
import { toWorkerError, WorkerError } from '../worker/errors.js';
import { DEFAULT_DEMOGRAPHICS } from '../config/demographics.js';
import { parseLineArgs } from '../worker/line-arg.js';
import { exitCodeFor, runWorker, type WorkerConfig } from '../worker/run-worker.js';
import { looksLive } from '../worker/source-kind.js';

/** `pcount-tui worker`: one counting task, NDJSON events on stdout (see docs/protocol.md). */
export async function run(argv: Record<string, unknown>): Promise<number> {
  keepStdoutForEvents();
  const source = String(argv.source ?? '');
  const task = typeof argv.task === 'string' && argv.task !== '' ? argv.task : taskIdFor(source);
  let cfg: WorkerConfig;
  try {
    cfg = toConfig(argv, source, task);
  } catch (err) {
    const e = toWorkerError(err);
    const emit = new Emitter(new NdjsonWriter(process.stdout), task);
    emit.emit({ type: 'error', code: e.code, message: e.message, fatal: true });
    process.stderr.write(`pcount-tui worker: ${e.code}: ${e.message}\n`);
    await emit.flush();
    return exitCodeFor(e.code);
  }
  return runWorker(cfg, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}

function toConfig(argv: Record<string, unknown>, source: string, task: string): WorkerConfig {
  if (source === '') throw new WorkerError('BAD_ARGUMENT', '--source is empty');
  const lines = parseLineArgs(argv.line as string[] | undefined);
  const skipFrames = intOption(argv.skipFrames, '--skip-frames', 1, 1);
  const stallTimeout = numOption(argv.stallTimeout, '--stall-timeout', 10);
  if (!(stallTimeout > 0 && stallTimeout <= 3600)) {
    throw new WorkerError('BAD_ARGUMENT', `--stall-timeout must be between 0 and 3600 seconds, got ${String(argv.stallTimeout)}`);
  }
  const maxFrames = argv.maxFrames === undefined ? undefined : intOption(argv.maxFrames, '--max-frames', 1, 1);
  return {
    source,
    task,
    lines,
    live: typeof argv.live === 'boolean' ? argv.live : looksLive(source),
    skipFrames,
    anchor: argv.anchor === 'center' ? 'center' : 'bottom',
    stallTimeoutMs: stallTimeout * 1000,
    logLevel: (argv.logLevel as LogLevel | undefined) ?? 'info',
    ffmpeg: optionalString(argv.ffmpeg),
    model: optionalString(argv.model),
    modelFormat: optionalString(argv.modelFormat),
    inputSize: optionalString(argv.inputSize),
    threads: argv.threads === undefined ? undefined : numOption(argv.threads, '--threads', 0),
    confidence: argv.confidence === undefined ? undefined : numOption(argv.confidence, '--confidence', 0),
    maxFrames,
    emitTracks: argv.emitTracks === true,
    demographics: {
      enabled: argv.demographics === true,
      min_face_px: rangeOption(argv.minFacePx, '--min-face-px', DEFAULT_DEMOGRAPHICS.min_face_px, 8, 1024),
      batch_size: rangeOption(argv.batchSize, '--batch-size', DEFAULT_DEMOGRAPHICS.batch_size, 1, 64),
      batch_timeout_ms: rangeOption(argv.batchTimeoutMs, '--batch-timeout-ms', DEFAULT_DEMOGRAPHICS.batch_timeout_ms, 0, 60_000),
    },
  };
}

function rangeOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  const n = intOption(value, name, fallback, min);
  if (n > max) throw new WorkerError('BAD_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got '${String(value)}'`);
  return n;
}

function numOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new WorkerError('BAD_ARGUMENT', `${name} must be a number, got '${String(value)}'`);
  return n;
}

function intOption(value: unknown, name: string, fallback: number, min: number): number {
  const n = numOption(value, name, fallback);
  if (!Number.isInteger(n) || n < min) throw new WorkerError('BAD_ARGUMENT', `${name} must be an integer ≥ ${min}, got '${String(value)}'`);
  return n;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A readable task id: the file name without extension, the folder of an image sequence, or host and path of a URL. */
export function taskIdFor(source: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/i.exec(source);
  const sequence = /%\d*d/.test(path.basename(source));
  const raw = url ? url[1] : sequence ? path.basename(path.dirname(path.resolve(source))) : path.basename(source, path.extname(source));
  const id = raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return id || 'task';
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
