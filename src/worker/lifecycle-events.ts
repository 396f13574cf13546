import type { CropsEvent, DoneReason } from '../protocol/events.js';
import { redactSource } from '../sources/credentials.js';
import type { AdaptiveCrops } from '../vision/adaptive-crops.js';
import type { CrossingRecord } from '../vision/line-counter.js';
import { reportedCounts, writesStates, type Counting } from './counting.js';
import { cropsInfo } from './crops.js';
import type { Emitter } from './emitter.js';
import type { WorkerConfig } from './run-worker.js';
import { ffmpegVersionName, type Opened } from './setup.js';

export function emitHello(emit: Emitter, cfg: WorkerConfig, o: Opened, crops: AdaptiveCrops): void {
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
    states: writesStates(cfg),
  });
}

export function emitCrops(emit: Emitter, cfg: WorkerConfig, o: Opened, crops: AdaptiveCrops, reason: CropsEvent['reason']): void {
  const info = cropsInfo(cfg, crops, o.source.info);
  emit.emit({ type: 'crops', reason, ...info });
  emit.log('debug', `crops (${reason}): ${info.tiles.length} tile(s), scales ${[...new Set(info.tiles.map((t) => t.scale))].join(', ')}`);
}

/** Crossing events for what the counter counted, once counting began (not during a warm-up before --start-frame). */
export function emitCrossings(emit: Emitter, c: Counting, crossings: readonly CrossingRecord[]): void {
  for (const x of c.baseline ? crossings : []) {
    c.seq += 1;
    const who = c.demographics?.demo.crossing({ seq: c.seq, line: x.line, track: x.track, frame: x.frame });
    emit.emit({ type: 'crossing', seq: c.seq, line: x.line, track: x.track, direction: x.direction, frame: x.frame, pts: round(x.pts, 3), ...who });
  }
}

export function emitDone(emit: Emitter, c: Counting, dropped: number, reason: DoneReason): void {
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

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
