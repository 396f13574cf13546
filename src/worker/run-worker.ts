import type { Readable, Writable } from 'node:stream';
import type { LogLevel } from '../protocol/events.js';
import { NdjsonWriter } from '../protocol/ndjson.js';
import type { AnchorMode } from '../vision/geometry.js';
import type { DetectRegion } from '../vision/crop-plan.js';
import type { LineSpec } from '../vision/types.js';
import { reachedMaxFrames, type Counting } from './counting.js';
import { newPeopleCounter } from './counter-setup.js';
import { cropsSetup, newCrops } from './crops.js';
import { DetectionRecording } from './detection-record.js';
import type { DemographicsConfig } from './demographics/enrichment.js';
import { Emitter } from './emitter.js';
import { exitCodeFor, toWorkerError } from './errors.js';
import { countFrames } from './frame-loop.js';
import { emitDone, emitHello } from './lifecycle-events.js';
import { readResumeState, restoreState, type ResumeState } from './resume-state.js';
import { openAll, type Opened, type SetupOptions } from './setup.js';
import { checkStartReached } from './start-past-end.js';
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
  /** Files: write a `state` event before each `progress` event (resume-state.ts). */
  emitState?: boolean;
  /** With emitState: a `state` event after every frame too, not only before each progress event (bench:resume --every). */
  stateEveryFrame?: boolean;
  /** Files, with startFrame: the file of a `state` event's state to continue from (resume-state.ts). */
  startState?: string;
  demographics: DemographicsConfig;
  /** Write what the tracker and counter are given to this file (detection-record.ts), for exact replays. */
  recordDetections?: string;
}

export interface WorkerIO {
  stdout: Writable;
  stderr: Writable;
  /** Where commands (`{"cmd":"stop"}`, preview, lines) come from; null to ignore. */
  stdin: Readable | null;
}

/** The usable resume state of --start-state, else null; why it is not used goes to the log. */
function startStateOf(cfg: WorkerConfig, emit: Emitter): ResumeState | null {
  if (cfg.startState === undefined) return null;
  const read = readResumeState(cfg.startState, cfg.startFrame, cfg.skipFrames);
  if ('state' in read) return read.state;
  emit.log('warn', `--start-state ${cfg.startState} not used: ${read.unusable}; tracking warms up before frame ${cfg.startFrame ?? 1} instead`);
  return null;
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
  let recording: DetectionRecording | null = null;
  emit.holdLogs();
  try {
    recording = cfg.recordDetections === undefined ? null : DetectionRecording.open(cfg.recordDetections);
    const resume = startStateOf(cfg, emit);
    opened = await openAll({
      ...cfg,
      stateSource: resume?.source,
      log: (level, message) => emit.log(level, message),
      onReconnect: (attempt, delayMs, reason) => emit.emit({ type: 'reconnect', attempt, delay_ms: delayMs, reason }),
      onStop: (listener) => stop.onStop(listener),
    });
    const source = opened.source;
    const crops = newCrops(cropsSetup(cfg, opened), source.frameSize);
    emitHello(emit, cfg, opened, crops);
    emit.releaseLogs();
    counting = {
      counter: newPeopleCounter(cfg.lines, opened.source.info, cfg.anchor, {}, recording ?? undefined),
      crops,
      frames: 0,
      detections: 0,
      startedAt: performance.now(),
      seq: 0,
      baseline: null,
      planChangedAt: null,
      lastFrame: null,
      // Loaded only when asked for: a worker without demographics starts as fast as before.
      demographics: cfg.demographics.enabled ? await (await import('./demographics/worker-side.js')).WorkerDemographics.start(cfg, opened, emit) : null,
    };
    if (resume && opened.exactStart) {
      const partly = restoreState(counting, resume);
      emit.log(partly ? 'warn' : 'info', `continues from the state after frame ${resume.frame}${partly ? `; ${partly}` : ', as the run it resumes had it'}`);
    }
    await countFrames({ cfg, emit, stop, detector: opened.detector, source, opened, c: counting, controls });
    const stopped = stop.stopped || reachedMaxFrames(cfg, counting);
    if (!stopped) checkStartReached(cfg.source, cfg.startFrame, counting, source.info, opened.exactStart ? opened.firstRead : undefined);
    await counting.demographics?.stop(stop.stopped);
    if (stop.reason && stop.reason !== 'stdout closed') emit.log('info', `stopped (${stop.reason})`);
    emitDone(emit, counting, source.dropped, stopped ? 'stopped' : 'end');
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
    recording?.close();
    await counting?.demographics?.close();
    await opened?.detector.release().catch(() => undefined);
    stop.dispose();
    commands.dispose();
    await emit.flush();
  }
}
