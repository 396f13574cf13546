/**
 * bench:throughput's model-only stage (see throughput.ts): the detector on frames in memory, run the ways the worker's
 * threads allow, in windows that take turns.
 */
import { DEFAULT_LINE } from '../src/sources/lines.js';
import { DEFAULT_MAX_TILE, type Tile } from '../src/vision/crop-plan.js';
import type { YuvFrame } from '../src/vision/resample.js';
import { newCrops } from '../src/worker/crops.js';
import { createDetector } from '../src/worker/detector.js';
import { createThreadedDetector } from '../src/worker/detector-thread.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { FramePool } from '../src/worker/frame-pool.js';
import { MAX_FRAME_SIDE } from '../src/sources/frame-side.js';
import { WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';

export const MODEL_WINDOWS = 3;
/** Model and end-to-end windows are equally long (see throughput.ts). */
export const WINDOW_MS = 5000;

export interface ModelRig {
  name: string;
  /** Frames per second over one window of WINDOW_MS. */
  window(): Promise<number>;
  release(): Promise<void>;
}

/** Frames in memory and the plan the worker would reach: learned from these frames' people, as the worker learns it. */
export async function framesAndPlan(ffmpeg: { path: string; version: string }, source: string, fps: number | null): Promise<{ frames: YuvFrame[]; tiles: Tile[] }> {
  const detector = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides: WORKER_SESSION_OVERRIDES });
  const reader = openFrames({
    ffmpeg: ffmpeg.path,
    ffmpegVersion: ffmpeg.version,
    input: source,
    output: { kind: 'native', maxSide: MAX_FRAME_SIDE },
    maxFrames: 80,
  });
  const frames: YuvFrame[] = [];
  for await (const f of reader) frames.push({ width: f.width, height: f.height, data: Uint8Array.from(f.data) });
  const crops = newCrops(
    { lines: [DEFAULT_LINE], detectRegion: { kind: 'auto' }, anchor: 'bottom', skipFrames: 1, fps, detector },
    frames[0],
  );
  for (let i = 0; i < 3 * frames.length; i++) crops.update(await detector.detectTiles(frames[i % frames.length], crops.plan.tiles));
  await detector.release();
  return { frames, tiles: crops.plan.tiles };
}

/** Each distinct plan of `passes` once: onnxruntime prepares a new input shape on its first run. */
export const distinctPlans = (passes: readonly Tile[][]) => [...new Map(passes.map((t) => [JSON.stringify(t), t])).values()];

/** One session in this thread (the default threads), one frame at a time; pass k runs plan `passes[k]`. */
export async function inProcess(name: string, frames: YuvFrame[], passes: readonly Tile[][], sessionOverrides?: typeof WORKER_SESSION_OVERRIDES): Promise<ModelRig> {
  const detector = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides });
  for (const tiles of distinctPlans(passes)) for (const f of frames.slice(0, 3)) await detector.detectTiles(f, tiles);
  return {
    name,
    async window() {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < WINDOW_MS) {
        await detector.detectTiles(frames[n % frames.length], passes[n % passes.length]);
        n += 1;
      }
      return n / ((performance.now() - t0) / 1000);
    },
    release: () => detector.release(),
  };
}

/**
 * The worker's own detector (detector-thread.ts) with `threads` threads, kept as full as the worker's frame loop
 * keeps it (two frames in flight), the frames in shared buffers its threads read without a copy, as in the worker.
 */
export async function threaded(name: string, frames: YuvFrame[], passes: readonly Tile[][], threads: number): Promise<ModelRig> {
  const pool = new FramePool();
  const shared = frames.map((f) => {
    const data = pool.acquire(f.data.length);
    data.set(f.data);
    return { width: f.width, height: f.height, data };
  });
  const detector = await createThreadedDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides: WORKER_SESSION_OVERRIDES, threads }, pool);
  const run = async (ms: number) => {
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    const inFlight: Promise<unknown>[] = [];
    while (performance.now() - t0 < ms) {
      while (inFlight.length < 2) {
        inFlight.push(detector.detectTiles(shared[sent % shared.length], passes[sent % passes.length]));
        sent += 1;
      }
      await inFlight.shift();
      done += 1;
    }
    await Promise.all(inFlight);
    return done / ((performance.now() - t0) / 1000);
  };
  // Two at a time, so that both lanes prepare every shape.
  for (const tiles of distinctPlans(passes)) for (let i = 0; i < 4; i += 2) await Promise.all([detector.detectTiles(shared[i], tiles), detector.detectTiles(shared[i + 1], tiles)]);
  return { name, window: () => run(WINDOW_MS), release: () => detector.release() };
}

/** CPU of this process (all its threads), ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Each rig's best and mean window, and the CPU (all threads of this process) a frame in its best window; the rigs take
 * turns, so that a disturbance of the machine hits all of them alike.
 */
export async function modelOnly(rigs: ModelRig[]): Promise<Map<string, { best: number; mean: number; cpuPerFrame: number }>> {
  const windows = new Map<string, { fps: number; cpuPerFrame: number }[]>(rigs.map((r) => [r.name, []]));
  for (let w = 0; w < MODEL_WINDOWS; w++) {
    for (const r of rigs) {
      const cpu0 = cpuMs();
      const t0 = performance.now();
      const fps = await r.window();
      const frames = (fps * (performance.now() - t0)) / 1000;
      windows.get(r.name)!.push({ fps, cpuPerFrame: (cpuMs() - cpu0) / frames });
    }
  }
  for (const r of rigs) await r.release();
  return new Map(
    [...windows].map(([name, v]) => {
      const best = v.reduce((a, b) => (b.fps > a.fps ? b : a));
      return [name, { best: best.fps, mean: v.reduce((a, b) => a + b.fps, 0) / v.length, cpuPerFrame: best.cpuPerFrame }];
    }),
  );
}
