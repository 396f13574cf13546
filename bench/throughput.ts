/**
 * npm run bench:throughput — where the time goes, all in one run on vtest.avi:
 *   decode-only   ffmpeg → yuv420p frames at the source size, read by Node (the worker's own frame reader), in
 *                 source frames per second; for skip N ffmpeg passes only every Nth frame on, as in the worker;
 *   model-only    the detector on frames already in memory: the crop plan's tiles resized from the frame, onnxruntime,
 *                 decode and merge (what the worker's detector threads do), with the worker's session options, run
 *                 both ways the model can use the 2 default threads: one session of 2 intra-op threads in this thread,
 *                 and the worker's own detector at skip 1 (two sessions of 1 thread each in their threads, two
 *                 frames in flight; detector-lanes.ts); the faster is the bound. The tiles are the worker's own, pass by pass:
 *                 an untimed run of the worker with --emit-tracks at the same skip gives the plan of every pass (the
 *                 plan follows the people seen, so over a whole file it runs several plans, not the one learned from
 *                 the first frames). For comparison, also on the one plan learned from the first 80 frames (the
 *                 default line), the bound up to 2026-12-02, with onnxruntime's spinning defaults for reference;
 *   end-to-end    the real worker CLI child at --skip-frames 1, 2, 5, 10 (its done.avg_fps, start-up excluded),
 *                 with its peak RSS (VmHWM of the Node process; ffmpeg's own is printed beside it).
 * The bound of a run is its slowest stage: min(decode at that skip, model × skip).
 *
 * The machine is shared, so every stage is also given as its best window (decode: best of 3 runs; model: best of 3
 * windows of 5 s; end-to-end: best 5 s of the run, from its progress events). Model and end-to-end windows are equally
 * long, so neither side gets the luck of a shorter window; ratios use the best windows, which compares the stages at
 * the same (least disturbed) conditions, and the plain averages are printed beside them.
 *
 *   npm run bench:throughput [-- --skip 1,10]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { CropsInfo, DoneEvent, WorkerEvent } from '../src/protocol/events.js';
import { DEFAULT_LINE } from '../src/sources/lines.js';
import { DEFAULT_MAX_TILE, type Tile } from '../src/vision/crop-plan.js';
import type { YuvFrame } from '../src/vision/resample.js';
import { newCrops } from '../src/worker/crops.js';
import { createDetector, DEFAULT_THREADS } from '../src/worker/detector.js';
import { laneThreads } from '../src/worker/detector-lanes.js';
import { createThreadedDetector } from '../src/worker/detector-thread.js';
import { FramePool } from '../src/worker/frame-pool.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames, probeSource } from '../src/worker/ffmpeg-frames.js';
import { MAX_FRAME_SIDE, WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const source = argOf('--source') ?? path.resolve(root, '../shared/data/vtest.avi');
const skips = (argOf('--skip') ?? '1,2,5,10').split(',').map(Number);
const MODEL_WINDOWS = 3;
const DECODE_RUNS = 3;
const E2E_WINDOW_MS = 5000;

/** Peak resident memory (kB) of a process and of its children, sampled until it exits. */
function readHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) of a process so far, ms; 0 once it is gone. */
function readCpuMs(pid: number): number {
  try {
    // The fields after the command name's closing parenthesis: utime and stime are the 12th and 13th, in ticks of 10 ms.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Source frames per second through the frame reader; with `every` > 1 ffmpeg drops the others, as the worker does. */
async function decodeOnly(ffmpeg: { path: string; version: string }, every: number, total: number) {
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source, output: { kind: 'native', maxSide: MAX_FRAME_SIDE }, every });
  const t0 = performance.now();
  let n = 0;
  for await (const f of reader) n += f.data.length > 0 ? 1 : 0;
  if (n !== Math.ceil(total / every)) throw new Error(`decode-only read ${n} frames, expected ${Math.ceil(total / every)}`);
  return total / ((performance.now() - t0) / 1000);
}

interface ModelRig {
  name: string;
  /** Frames per second over one window of E2E_WINDOW_MS. */
  window(): Promise<number>;
  release(): Promise<void>;
}

/** Frames in memory and the plan the worker would reach: learned from these frames' people, as the worker learns it. */
async function framesAndPlan(ffmpeg: { path: string; version: string }, fps: number | null): Promise<{ frames: YuvFrame[]; tiles: Tile[] }> {
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
const distinctPlans = (passes: readonly Tile[][]) => [...new Map(passes.map((t) => [JSON.stringify(t), t])).values()];

/** One session in this thread (the default threads), one frame at a time; pass k runs plan `passes[k]`. */
async function inProcess(name: string, frames: YuvFrame[], passes: readonly Tile[][], sessionOverrides?: typeof WORKER_SESSION_OVERRIDES): Promise<ModelRig> {
  const detector = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides });
  for (const tiles of distinctPlans(passes)) for (const f of frames.slice(0, 3)) await detector.detectTiles(f, tiles);
  return {
    name,
    async window() {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < E2E_WINDOW_MS) {
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
async function threaded(name: string, frames: YuvFrame[], passes: readonly Tile[][], threads: number): Promise<ModelRig> {
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
  return { name, window: () => run(E2E_WINDOW_MS), release: () => detector.release() };
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
async function modelOnly(rigs: ModelRig[]): Promise<Map<string, { best: number; mean: number; cpuPerFrame: number }>> {
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

/**
 * The plan of every detection pass the worker makes on this source at this skip, from an untimed run with
 * `--emit-tracks` (one tracks event a frame, in order). The crops event of a new plan comes while frame N is counted,
 * after frame N+1 was read (and sent to the detector with the old plan, if it is a detection frame): the new one
 * runs from frame N+2. Tiles come in source
 * pixels, rounded; they are put back into the pixels of the frames the worker reads (`frame`), as the planner made them.
 */
async function planSchedule(skip: number, frame: { width: number; height: number }, info: { width: number }): Promise<Tile[][]> {
  const f = info.width / frame.width;
  const child = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--skip-frames', String(skip), '--emit-tracks'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const toTiles = (c: CropsInfo): Tile[] =>
    c.tiles.map((t) => {
      const x = Math.max(0, t.x / f);
      const y = Math.max(0, t.y / f);
      const w = Math.min(frame.width - x, t.w / f);
      const h = Math.min(frame.height - y, t.h / f);
      const scale = t.scale * f;
      const scaled = (length: number, input: number) => Math.min(input, Math.max(1, Math.round(length * scale)));
      return { x, y, w, h, inputWidth: t.input_width, inputHeight: t.input_height, scaledWidth: scaled(w, t.input_width), scaledHeight: scaled(h, t.input_height) };
    });
  const passes: Tile[][] = [];
  let current: Tile[] = [];
  let next: { tiles: Tile[]; from: number } | null = null;
  let lastFrame = 0;
  const splitter = new LineSplitter();
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'hello') current = toTiles(e.crops);
    if (e.type === 'crops') {
      const tiles = toTiles(e);
      // The first plan (hello), or one made for a new frame size, is in force from the frame read next; one made
      // while frame N is counted (the one after the last tracks event), from frame N+2.
      if (e.reason === 'frame size') current = tiles;
      else next = { tiles, from: lastFrame + 3 };
    }
    if (e.type === 'tracks') {
      lastFrame = e.frame;
      if (next && e.frame >= next.from) {
        current = next.tiles;
        next = null;
      }
      // ffmpeg passes frames 1, 1 + skip, 1 + 2·skip…: the detection passes; the tracker only predicts the others.
      if ((e.frame - 1) % skip === 0) passes.push(current);
    }
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      splitter.end().forEach(onLine);
      if (code !== 0 || passes.length === 0) reject(new Error(`worker --skip-frames ${skip} --emit-tracks exited ${code}`));
      else resolve(passes);
    });
  });
}

/** Highest frame rate over any stretch of at least `E2E_WINDOW_MS` between two progress events. */
function bestWindow(progress: { frame: number; ts: number }[]): number {
  let best = 0;
  for (let i = 0; i < progress.length; i++) {
    for (let j = i + 1; j < progress.length; j++) {
      const ms = progress[j].ts - progress[i].ts;
      if (ms < E2E_WINDOW_MS) continue;
      best = Math.max(best, ((progress[j].frame - progress[i].frame) / ms) * 1000);
      break;
    }
  }
  return best;
}

interface EndToEnd {
  done: DoneEvent;
  best: number;
  rssMb: number;
  ffmpegRssMb: number;
  /** CPU a source frame from the first progress event to the last (start-up left out): the worker process, its ffmpeg. */
  workerCpu: number;
  ffmpegCpu: number;
}

function endToEnd(skip: number): Promise<EndToEnd> {
  const child = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--skip-frames', String(skip)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let hwm = 0;
  let ffmpegHwm = 0;
  // ffmpeg exits before the worker's last frames are counted: its CPU is the last value sampled.
  let ffmpegCpu = 0;
  const sampler = setInterval(() => {
    hwm = Math.max(hwm, readHwm(child.pid!));
    const cpu = childrenOf(child.pid!).reduce((sum, c) => {
      ffmpegHwm = Math.max(ffmpegHwm, readHwm(c));
      return sum + readCpuMs(c);
    }, 0);
    if (cpu > 0) ffmpegCpu = cpu;
  }, 100);
  let from: { frame: number; worker: number; ffmpeg: number } | null = null;
  let to: { frame: number; worker: number } | null = null;
  const splitter = new LineSplitter();
  let done: DoneEvent | null = null;
  const progress: { frame: number; ts: number }[] = [];
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'progress') {
      progress.push({ frame: e.frame, ts: e.ts });
      from ??= { frame: e.frame, worker: readCpuMs(child.pid!), ffmpeg: childrenOf(child.pid!).reduce((sum, c) => sum + readCpuMs(c), 0) };
      to = { frame: e.frame, worker: readCpuMs(child.pid!) };
    }
    if (e.type === 'done') {
      done = e;
      // VmHWM is a high-water mark: the value just before exit is the peak.
      hwm = Math.max(hwm, readHwm(child.pid!));
    }
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      splitter.end().forEach(onLine);
      if (code !== 0 || !done) reject(new Error(`worker --skip-frames ${skip} exited ${code}`));
      // A run shorter than one window (high skip values) is its own best window.
      else {
        const frames = from && to ? to.frame - from.frame : 0;
        resolve({
          done,
          best: bestWindow(progress) || done.avg_fps,
          rssMb: hwm / 1024,
          ffmpegRssMb: ffmpegHwm / 1024,
          workerCpu: frames > 0 ? (to!.worker - from!.worker) / frames : NaN,
          ffmpegCpu: frames > 0 ? (ffmpegCpu - from!.ffmpeg) / frames : NaN,
        });
      }
    });
  });
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const info = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source });
  console.log(`source ${source} ${info.width}x${info.height}; ffmpeg ${ffmpeg.path}; ${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const { frames, tiles } = await framesAndPlan(ffmpeg, info.fps);
  const total = Math.round((info.duration ?? 0) * (info.fps ?? 0));
  const decodeAt = new Map<number, number>();
  for (const every of new Set([1, ...skips])) {
    const runs: number[] = [];
    for (let i = 0; i < DECODE_RUNS; i++) runs.push(await decodeOnly(ffmpeg, every, total));
    decodeAt.set(every, Math.max(...runs));
    console.log(`decode-only: best ${Math.max(...runs).toFixed(1)} frames/s, runs ${runs.map((v) => v.toFixed(0)).join(' ')} (yuv420p ${info.width}x${info.height} into Node, ffmpeg passing every ${every}. frame)`);
  }
  const lanesText = laneThreads(DEFAULT_THREADS).join(' + ');
  const cpuText = (m: { cpuPerFrame: number }) => `${m.cpuPerFrame.toFixed(1)} ms CPU a frame`;
  const rigs = async (passes: readonly Tile[][], spinning: boolean) =>
    modelOnly([
      await inProcess('1x2', frames, passes, WORKER_SESSION_OVERRIDES),
      await threaded('lanes', frames, passes, DEFAULT_THREADS),
      ...(spinning ? [await inProcess('spinning', frames, passes)] : []),
    ]);
  const showModels = (m: Awaited<ReturnType<typeof rigs>>) => {
    const [one, lanes] = [m.get('1x2')!, m.get('lanes')!];
    console.log(`  one session of ${DEFAULT_THREADS} intra-op threads in this thread, one frame at a time: best ${one.best.toFixed(1)} frames/s (${cpuText(one)}), mean ${one.mean.toFixed(1)}`);
    console.log(`  two sessions of ${lanesText} intra-op threads in their threads (the worker's detector at skip 1), two frames in flight: best ${lanes.best.toFixed(1)} frames/s (${cpuText(lanes)}), mean ${lanes.mean.toFixed(1)}`);
    const spinning = m.get('spinning');
    if (spinning) console.log(`  reference: best ${spinning.best.toFixed(1)} frames/s, mean ${spinning.mean.toFixed(1)} with onnxruntime's default spinning threads, one session of ${DEFAULT_THREADS} (what one model alone on an idle machine gets)`);
    // The bound is the fastest the model alone goes with the worker's session options, whichever way it is run.
    return Math.max(one.best, lanes.best);
  };
  const pixels = (passes: readonly Tile[][]) => passes.reduce((sum, p) => sum + p.reduce((a, t) => a + t.inputWidth * t.inputHeight, 0), 0) / passes.length / 1000;
  const tileText = tiles.map((t) => `${t.inputWidth}x${t.inputHeight} at ${(t.scaledHeight / t.h).toFixed(2)}`).join(', ');
  console.log(`model-only, detectTiles() on frames in memory; best of ${MODEL_WINDOWS} windows of ${E2E_WINDOW_MS / 1000} s, the ways of running it taking turns; the worker's session options:`);
  console.log(`on the one plan learned from the first ${frames.length} frames (tiles ${tileText}, ${pixels([tiles]).toFixed(0)} k input pixels a pass; the bound of this bench before 2026-12-02, for comparison):`);
  showModels(await rigs([tiles], true));
  const rows: string[] = [];
  for (const skip of skips) {
    const schedule = await planSchedule(skip, frames[0], info);
    console.log(
      `--skip-frames ${skip}, on the worker's own plans, pass by pass (${schedule.length} passes, ${distinctPlans(schedule).length} plans, ${pixels(schedule).toFixed(0)} k input pixels a pass on average):`,
    );
    const model = showModels(await rigs(schedule, false));
    const r = await endToEnd(skip);
    const bound = Math.min(decodeAt.get(skip)!, model * skip);
    rows.push(
      [
        String(skip).padStart(4),
        r.best.toFixed(1).padStart(12),
        r.done.avg_fps.toFixed(1).padStart(7),
        bound.toFixed(1).padStart(12),
        `${((r.best / bound) * 100).toFixed(0)}%`.padStart(10),
        `${r.rssMb.toFixed(0)} MB`.padStart(15),
        `${r.ffmpegRssMb.toFixed(0)} MB`.padStart(15),
        `${r.done.in}/${r.done.out}`.padStart(13),
        `${r.workerCpu.toFixed(1)} + ${r.ffmpegCpu.toFixed(1)} ms`,
      ].join(' | '),
    );
  }
  console.log('skip | e2e best 5 s | e2e avg | bound (best) | best/bound | worker peak RSS | ffmpeg peak RSS | counts in/out | CPU a source frame: worker + ffmpeg');
  for (const row of rows) console.log(row);
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:throughput: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
