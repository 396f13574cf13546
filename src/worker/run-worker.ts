import type { Readable, Writable } from 'node:stream';
import type { CropsEvent, DoneReason, LineCount, LogLevel } from '../protocol/events.js';
import { NdjsonWriter } from '../protocol/ndjson.js';
import { redactSource } from '../sources/credentials.js';
import type { AnchorMode } from '../vision/geometry.js';
import { PeopleCounter } from '../vision/people-counter.js';
import { AdaptiveCrops } from '../vision/adaptive-crops.js';
import type { DetectRegion } from '../vision/crop-plan.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import type { LineSpec } from '../vision/types.js';
import { cropsInfo, newCrops, toSource, type CropsSetup } from './crops.js';
import type { DemographicsConfig } from './demographics/enrichment.js';
import type { WorkerDemographics } from './demographics/worker-side.js';
import type { DetectorHandle } from './detector-thread.js';
import { Emitter } from './emitter.js';
import { toWorkerError, type ErrorCode } from './errors.js';
import type { Frame, FrameSource } from './source.js';
import { ffmpegVersionName, openAll, type Opened, type SetupOptions } from './setup.js';
import { ProgressReporter } from './progress.js';
import { StopController } from './stop.js';
import { CommandReader } from './command-reader.js';
import { LiveControls } from './live-controls.js';
import { textCleaner } from './text.js';

/** What opens the source and the detector (see SetupOptions), plus what the counting loop needs. */
export interface WorkerConfig extends Omit<SetupOptions, 'log' | 'onReconnect' | 'onStop'> {
  task: string;
  lines: LineSpec[];
  anchor: AnchorMode;
  detectRegion: DetectRegion;
  logLevel: LogLevel;
  /** Write a `tracks` event after every frame (benchmarks). */
  emitTracks: boolean;
  demographics: DemographicsConfig;
}

export interface WorkerIO {
  stdout: Writable;
  stderr: Writable;
  /** Where commands (`{"cmd":"stop"}`, preview, lines) come from; null to ignore. */
  stdin: Readable | null;
}

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['BAD_LINE', 'BAD_ARGUMENT', 'BAD_MODEL_FORMAT', 'BAD_INPUT_SIZE', 'BAD_DETECT_REGION']);

/** Exit status for a fatal error: 2 for bad arguments (like yargs' own usage errors), 1 for everything else. */
export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? 2 : 1;
}

interface Counting {
  counter: PeopleCounter;
  crops: AdaptiveCrops;
  frames: number;
  detections: number;
  startedAt: number;
  /** Crossing events written so far (the last `seq`). */
  seq: number;
  /** The counts when counting began (frame --start-frame): what the warm-up before it found is not reported. */
  baseline: LineCount[] | null;
  demographics: WorkerDemographics | null;
}

/**
 * One counting task: source → detector (every `skipFrames` frames) → tracker → line counter → NDJSON events.
 * Always ends with `done` once counting has started, also after a fatal error, so counts are never lost.
 */
export async function runWorker(cfg: WorkerConfig, io: WorkerIO): Promise<number> {
  const stop = new StopController();
  const controls = new LiveControls(cfg.lines);
  // Handlers run only once stdin has data, after `emit` exists.
  const commands = new CommandReader(io.stdin, {
    stop: () => stop.request('stop command'),
    preview: (command) => controls.preview.set(command),
    lines: (command) => controls.requestLines(command),
    invalid: (line, why) => emit.log('warn', `ignored stdin line (${why}): ${line.slice(0, 200)}`),
  });
  const writer = new NdjsonWriter(io.stdout, () => stop.request('stdout closed'));
  const clean = textCleaner(cfg.source);
  const emit = new Emitter(writer, cfg.task, cfg.logLevel, clean);
  let opened: Opened | null = null;
  let counting: Counting | null = null;
  emit.holdLogs();
  try {
    opened = await openAll({
      ...cfg,
      log: (level, message) => emit.log(level, message),
      onReconnect: (attempt, delayMs, reason) => emit.emit({ type: 'reconnect', attempt, delay_ms: delayMs, reason }),
      onStop: (listener) => stop.onStop(listener),
    });
    const source = opened.source;
    const crops = newCrops(cropsSetup(cfg, opened), source.frameSize);
    emitHello(emit, cfg, opened, crops);
    emit.releaseLogs();
    counting = {
      counter: new PeopleCounter(cfg.lines, opened.source.info, { counter: { anchor: cfg.anchor } }),
      crops,
      frames: 0,
      detections: 0,
      startedAt: performance.now(),
      seq: 0,
      baseline: null,
      // Loaded only when asked for: a worker without demographics starts as fast as before.
      demographics: cfg.demographics.enabled ? await (await import('./demographics/worker-side.js')).WorkerDemographics.start(cfg, opened, emit) : null,
    };
    await countFrames({ cfg, emit, stop, detector: opened.detector, source, opened, c: counting, controls });
    await counting.demographics?.stop(stop.stopped);
    if (stop.reason && stop.reason !== 'stdout closed') emit.log('info', `stopped (${stop.reason})`);
    emitDone(emit, counting, source.dropped, stop.stopped || reachedMaxFrames(cfg, counting) ? 'stopped' : 'end');
    return 0;
  } catch (err) {
    emit.releaseLogs();
    if (stop.stopped && !counting) {
      // Asked to stop while the source was still opening: nothing was counted, and that is the answer.
      const lines = controls.lines.map((l) => ({ name: l.name, in: 0, out: 0 }));
      emit.emit({ type: 'done', reason: 'stopped', frames: 0, wall_seconds: 0, avg_fps: 0, dropped: 0, lines, in: 0, out: 0 });
      return 0;
    }
    const e = toWorkerError(err);
    emit.emit({ type: 'error', code: e.code, message: e.message, fatal: true });
    if (counting && opened) emitDone(emit, counting, opened.source.dropped, 'error');
    io.stderr.write(`pcount-tui worker: ${e.code}: ${clean(e.message)}\n`);
    if (e.code === 'INTERNAL' && process.env.PCOUNT_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return exitCodeFor(e.code);
  } finally {
    opened?.source.close();
    await counting?.demographics?.close();
    await opened?.detector.release().catch(() => undefined);
    stop.dispose();
    commands.dispose();
    await emit.flush();
  }
}

interface LoopContext {
  cfg: WorkerConfig;
  emit: Emitter;
  stop: StopController;
  detector: DetectorHandle;
  source: FrameSource;
  opened: Opened;
  c: Counting;
  controls: LiveControls;
}

async function countFrames(ctx: LoopContext): Promise<void> {
  const { cfg, emit, source, c } = ctx;
  const latency = new MeanOver();
  const reporter = new ProgressReporter(
    {
      frames: () => c.frames,
      dropped: () => source.dropped,
      detections: () => c.detections,
      counts: () => reportedCounts(c),
      detectMs: () => latency.take(),
    },
    (body) => emit.emit(body),
    cfg.live ? null : { duration: source.info.duration },
  );
  reporter.start();
  try {
    await frameLoop(ctx, reporter, latency);
  } finally {
    reporter.finish();
  }
}

interface FrameInHand {
  frame: Frame;
  /** Pending detections (frame pixels) on detection frames, null on frames where tracks are only predicted. */
  detections: Promise<MergedDetection[]> | null;
}

async function frameLoop(ctx: LoopContext, reporter: ProgressReporter, latency: MeanOver): Promise<void> {
  const { cfg, emit, stop, detector, source, c, controls } = ctx;
  let fetched = 0;
  const fetch = async (): Promise<FrameInHand | null> => {
    if (stop.stopped || (cfg.maxFrames !== undefined && fetched >= cfg.maxFrames)) return null;
    const frame = await source.next();
    if (!frame) return null;
    fetched += 1;
    if (frame.detect && (frame.width !== c.crops.frame.width || frame.height !== c.crops.frame.height)) {
      c.crops = newCrops(cropsSetup(cfg, ctx.opened, controls.lines), frame);
      emitCrops(emit, cfg, ctx.opened, c.crops, 'frame size');
    }
    const detections = frame.detect ? detector.detectTiles({ width: frame.width, height: frame.height, data: frame.data }, c.crops.plan.tiles) : null;
    const sent = performance.now();
    // Awaited later, in order; until then a failure must not count as unhandled.
    detections?.then(() => latency.add(performance.now() - sent)).catch(() => undefined);
    return { frame, detections };
  };
  // One frame ahead: the next frame is read and queued in the detector thread before the current one is counted,
  // so the model never waits for the tracker, the events or the pipe.
  let current = await fetch();
  while (current) {
    const next = await fetch();
    const { frame } = current;
    const switched = controls.applyPending(c.counter, frame.number, source.info, emit);
    if (switched) {
      c.crops.setLines(switched);
      c.demographics?.demo.setLines(switched);
      emitCrops(emit, cfg, ctx.opened, c.crops, 'lines');
    }
    // Warm-up frames before --start-frame are tracked but not counted: their crossings were stored by the run resumed.
    if (!c.baseline && frame.number >= (cfg.startFrame ?? 1)) c.baseline = c.counter.counts();
    let step;
    if (current.detections) {
      const found = c.crops.plausible(await current.detections);
      c.detections += found.length;
      if (c.crops.update(found)) emitCrops(emit, cfg, ctx.opened, c.crops, 'people');
      step = c.counter.detections(toSource(found, frame, source.info), frame.number, frame.pts);
    } else {
      step = c.counter.predict(frame.pts);
    }
    c.frames += 1;
    const visible = step.tracks.filter((t) => t.state === 'confirmed');
    reporter.frameDone(frame.number, frame.pts, visible.length);
    for (const x of c.baseline ? step.crossings : []) {
      c.seq += 1;
      const who = c.demographics?.demo.crossing({ seq: c.seq, line: x.line, track: x.track, frame: x.frame });
      emit.emit({ type: 'crossing', seq: c.seq, line: x.line, track: x.track, direction: x.direction, frame: x.frame, pts: round(x.pts, 3), ...who });
    }
    controls.offerPreview(frame, source.info, c.counter, visible, emit);
    c.demographics?.frame(frame, visible);
    if (cfg.emitTracks) {
      emit.emit({
        type: 'tracks',
        frame: frame.number,
        pts: round(frame.pts, 3),
        tracks: visible.map((t) => ({ id: t.id, box: t.box.map((v) => round(v, 1)) as [number, number, number, number] })),
      });
    }
    // A slow reader of stdout slows the worker down instead of growing its memory.
    await emit.drained();
    current = next;
  }
}

function emitHello(emit: Emitter, cfg: WorkerConfig, o: Opened, crops: AdaptiveCrops): void {
  const { info } = o.source;
  emit.emit({
    type: 'hello',
    protocol: 1,
    source: redactSource(cfg.source),
    live: cfg.live,
    model: { path: o.detector.modelPath, format: o.detector.format, input_width: o.detector.inputWidth, input_height: o.detector.inputHeight },
    ffmpeg: { path: o.ffmpeg.path, origin: o.ffmpeg.origin, version: ffmpegVersionName(o.ffmpeg) },
    width: info.width,
    height: info.height,
    fps: info.fps,
    duration: cfg.live ? null : info.duration,
    lines: cfg.lines.map((l) => ({ name: l.name, points: l.points })),
    skip_frames: cfg.skipFrames,
    anchor: cfg.anchor,
    crops: cropsInfo(cfg, crops, o.source.info),
  });
}

function emitCrops(emit: Emitter, cfg: WorkerConfig, o: Opened, crops: AdaptiveCrops, reason: CropsEvent['reason']): void {
  const info = cropsInfo(cfg, crops, o.source.info);
  emit.emit({ type: 'crops', reason, ...info });
  emit.log('debug', `crops (${reason}): ${info.tiles.length} tile(s), scales ${[...new Set(info.tiles.map((t) => t.scale))].join(', ')}`);
}

/** `lines`: the lines in force, which the parent may have changed since the start. */
function cropsSetup(cfg: WorkerConfig, o: Opened, lines: CropsSetup['lines'] = cfg.lines): CropsSetup {
  return { ...cfg, lines, fps: o.source.info.fps, detector: o.detector };
}

function reachedMaxFrames(cfg: WorkerConfig, c: Counting): boolean {
  return cfg.maxFrames !== undefined && c.frames >= cfg.maxFrames;
}

function emitDone(emit: Emitter, c: Counting, dropped: number, reason: DoneReason): void {
  const wall = (performance.now() - c.startedAt) / 1000;
  const sum = reportedCounts(c);
  emit.emit({
    type: 'done',
    reason,
    frames: c.frames,
    wall_seconds: round(wall, 3),
    avg_fps: round(c.frames / Math.max(wall, 1e-3), 2),
    dropped,
    lines: sum.lines,
    in: sum.in,
    out: sum.out,
  });
}

/** The mean of the values added since the last `take()`. */
class MeanOver {
  private sum = 0;
  private n = 0;

  add(value: number): void {
    this.sum += value;
    this.n += 1;
  }

  take(): number | null {
    const mean = this.n > 0 ? this.sum / this.n : null;
    this.sum = 0;
    this.n = 0;
    return mean;
  }
}

/** The counts since counting began (zero during a warm-up). */
function reportedCounts(c: Counting): { lines: LineCount[]; in: number; out: number; occupancy: number } {
  const before = new Map((c.baseline ?? []).map((l) => [l.name, l]));
  const lines = c.counter.counts().map((l) => {
    const b = c.baseline ? (before.get(l.name) ?? { in: 0, out: 0 }) : l;
    return { name: l.name, in: l.in - b.in, out: l.out - b.out };
  });
  const total = (k: 'in' | 'out') => lines.reduce((s, l) => s + l[k], 0);
  const split = c.demographics ? c.demographics.demo.withSplits(lines) : lines;
  return { lines: split, in: total('in'), out: total('out'), occupancy: total('in') - total('out') };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
