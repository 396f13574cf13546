import type { MergedDetection } from '../vision/tile-merge.js';
import { reportedCounts, stateHolds, writesStates, type Counting } from './counting.js';
import { cropsSetup, newCrops, toSource } from './crops.js';
import { sendsAhead } from './detector-lanes.js';
import type { DetectorHandle } from './detector-thread.js';
import type { Emitter } from './emitter.js';
import { FramesAhead } from './frame-ahead.js';
import type { LiveControls } from './live-controls.js';
import { emitCrops, emitCrossings, round } from './lifecycle-events.js';
import { ProgressReporter } from './progress.js';
import { captureState } from './resume-state.js';
import type { WorkerConfig } from './run-worker.js';
import type { Opened } from './setup.js';
import type { Frame, FrameSource } from './source.js';
import type { StopController } from './stop.js';

export interface LoopContext {
  cfg: WorkerConfig;
  emit: Emitter;
  stop: StopController;
  detector: DetectorHandle;
  source: FrameSource;
  opened: Opened;
  c: Counting;
  controls: LiveControls;
}

/** Counts frames until the source ends, `maxFrames` is reached or a stop is asked for, reporting progress as it goes. */
export async function countFrames(ctx: LoopContext): Promise<void> {
  const { cfg, emit, source, c } = ctx;
  const latency = new MeanOver();
  const reporter = new ProgressReporter(
    {
      frames: () => c.frames,
      dropped: () => source.dropped,
      detections: () => c.detections,
      counts: () => reportedCounts(c),
      detectMs: () => latency.take(),
      crossings: () => c.seq,
      // Only once counting began (not during a warm-up), and only where a run resumed from it detects the next frame
      // as this one does (stateHolds): a state is where a resumed run counts from.
      state: writesStates(cfg) ? (frame) => (c.baseline && stateHolds(c, frame) ? captureState(c, frame, cfg.skipFrames, source.info) : null) : undefined,
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
  // The file ended, --max-frames was reached or a stop was asked for: crossings still held count now if they are to.
  // After the last progress report, whose state (a checkpoint's) still holds them: a file resumed from it counts them
  // as an uninterrupted run would, and the store voids what came after its checkpoint.
  emitCrossings(emit, c, c.counter.finish());
}

interface FrameInHand {
  frame: Frame;
  /** Pending detections (frame pixels) on detection frames, null on frames where tracks are only predicted. */
  detections: Promise<MergedDetection[]> | null;
}

async function frameLoop(ctx: LoopContext, reporter: ProgressReporter, latency: MeanOver): Promise<void> {
  const { cfg, emit, detector, source, c, controls } = ctx;
  const ahead = new FramesAhead({
    source,
    stop: ctx.stop,
    maxFrames: cfg.maxFrames,
    skipFrames: cfg.skipFrames,
    guessing: sendsAhead(cfg.live) && detector.sessionThreads.length > 1,
    detector,
  });
  // A frame's turn: its crop plan is the one in force now; a guess sent ahead on the same tiles is its answer.
  const fetch = async (): Promise<FrameInHand | null> => {
    const got = await ahead.next();
    if (!got) return null;
    const { frame } = got;
    if (frame.detect && (frame.width !== c.crops.frame.width || frame.height !== c.crops.frame.height)) {
      c.crops = newCrops(cropsSetup(cfg, ctx.opened, controls.lines), frame);
      emitCrops(emit, cfg, ctx.opened, c.crops, 'frame size');
    }
    if (!frame.detect) return { frame, detections: null };
    const sent = await ahead.detect(got, c.crops.plan.tiles);
    sent.took.then((ms) => latency.add(ms)).catch(() => undefined);
    return { frame, detections: sent.detections };
  };
  try {
    await countInOrder(ctx, reporter, fetch, () => ahead.guessNext(c.crops));
  } finally {
    await ahead.close();
  }
  if (ahead.guessing) {
    const { kept, thrown } = ahead.guesses;
    emit.log('info', `detection frames sent ahead of their turn: ${kept + thrown}, of which ${thrown} sent again (the crop plan had changed)`);
  }
}

async function countInOrder(
  ctx: LoopContext,
  reporter: ProgressReporter,
  fetch: () => Promise<FrameInHand | null>,
  guessNext: () => Promise<void>,
): Promise<void> {
  const { cfg, emit, source, c, controls } = ctx;
  // One frame ahead: the next frame is read and queued in the detector thread before the current one is counted,
  // so the model never waits for the tracker, the events or the pipe; on a file, the next detection frame too.
  let current = await fetch();
  while (current) {
    const next = await fetch();
    await guessNext();
    const { frame } = current;
    // A camera back at another size: the counter works in the source's pixels (toSource), its lines move with them.
    const size = source.info;
    if (size.width !== c.counter.size.width || size.height !== c.counter.size.height) c.counter.setLines(controls.lines, size);
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
      const answer = await current.detections;
      // Its session is free now: it takes the next detection frame while this one is counted.
      await guessNext();
      const found = c.crops.plausible(answer);
      c.detections += found.length;
      if (c.crops.update(found)) {
        c.planChangedAt = frame.number;
        emitCrops(emit, cfg, ctx.opened, c.crops, 'people');
      }
      step = c.counter.detections(toSource(found, frame, source.info), frame.number, frame.pts);
    } else {
      step = c.counter.predict(frame.pts);
    }
    c.frames += 1;
    c.lastFrame = frame.number;
    const visible = step.tracks.filter((t) => t.state === 'confirmed');
    reporter.frameDone(frame.number, frame.pts, visible.length);
    emitCrossings(emit, c, step.crossings);
    controls.offerPreview(frame, source.info, c.counter, visible, emit);
    c.demographics?.frame(frame, visible);
    // The preview and the face views copied what they need: the frame's buffer can take a later frame.
    source.release(frame);
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
    // Where a progress report would write it: the frame counted, the next one not yet.
    if (cfg.stateEveryFrame) reporter.writeState();
    current = next;
  }
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
