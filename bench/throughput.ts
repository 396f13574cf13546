/**
 * npm run bench:throughput — where the time goes, all in one run on vtest.avi:
 *   decode-only   ffmpeg → yuv420p frames at the source size, read by Node (the worker's own frame reader), in
 *                 source frames per second; for skip N ffmpeg passes only every Nth frame on, as in the worker;
 *   model-only    the detector on frames already in memory: the crop plan's tiles resized from the frame, onnxruntime,
 *                 decode and merge (what the worker's detector thread does), with the worker's session options (and,
 *                 for reference, onnxruntime's spinning defaults); the plan is the one the worker learns on the same
 *                 frames (the default line);
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
import type { DoneEvent, WorkerEvent } from '../src/protocol/events.js';
import { DEFAULT_LINE } from '../src/sources/lines.js';
import { DEFAULT_MAX_TILE } from '../src/vision/crop-plan.js';
import type { YuvFrame } from '../src/vision/resample.js';
import { newCrops } from '../src/worker/crops.js';
import { createDetector } from '../src/worker/detector.js';
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

async function modelOnly(ffmpeg: { path: string; version: string }, fps: number | null, sessionOverrides?: typeof WORKER_SESSION_OVERRIDES) {
  const detector = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides });
  const reader = openFrames({
    ffmpeg: ffmpeg.path,
    ffmpegVersion: ffmpeg.version,
    input: source,
    output: { kind: 'native', maxSide: MAX_FRAME_SIDE },
    maxFrames: 80,
  });
  const frames: YuvFrame[] = [];
  for await (const f of reader) frames.push({ width: f.width, height: f.height, data: Uint8Array.from(f.data) });
  // The plan the worker would reach: learned from these frames' people, as the worker learns it.
  const crops = newCrops(
    { lines: [DEFAULT_LINE], detectRegion: { kind: 'auto' }, anchor: 'bottom', skipFrames: 1, fps, detector },
    frames[0],
  );
  for (let i = 0; i < 3 * frames.length; i++) crops.update(await detector.detectTiles(frames[i % frames.length], crops.plan.tiles));
  const tiles = crops.plan.tiles;
  const windows: number[] = [];
  for (let w = 0; w < MODEL_WINDOWS; w++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < E2E_WINDOW_MS) await detector.detectTiles(frames[n++ % frames.length], tiles);
    windows.push(n / ((performance.now() - t0) / 1000));
  }
  const best = Math.max(...windows);
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  await detector.release();
  return { fps: best, mean, tiles: tiles.map((t) => `${t.inputWidth}x${t.inputHeight} at ${(t.scaledHeight / t.h).toFixed(2)}`).join(', ') };
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

function endToEnd(skip: number): Promise<{ done: DoneEvent; best: number; rssMb: number; ffmpegRssMb: number }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--skip-frames', String(skip)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let hwm = 0;
  let ffmpegHwm = 0;
  const sampler = setInterval(() => {
    hwm = Math.max(hwm, readHwm(child.pid!));
    for (const c of childrenOf(child.pid!)) ffmpegHwm = Math.max(ffmpegHwm, readHwm(c));
  }, 100);
  const splitter = new LineSplitter();
  let done: DoneEvent | null = null;
  const progress: { frame: number; ts: number }[] = [];
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'progress') progress.push({ frame: e.frame, ts: e.ts });
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
      else resolve({ done, best: bestWindow(progress) || done.avg_fps, rssMb: hwm / 1024, ffmpegRssMb: ffmpegHwm / 1024 });
    });
  });
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const info = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source });
  console.log(`source ${source} ${info.width}x${info.height}; ffmpeg ${ffmpeg.path}; ${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const model = await modelOnly(ffmpeg, info.fps, WORKER_SESSION_OVERRIDES);
  const spinning = await modelOnly(ffmpeg, info.fps);
  const total = Math.round((info.duration ?? 0) * (info.fps ?? 0));
  const decodeAt = new Map<number, number>();
  for (const every of new Set([1, ...skips])) {
    const runs: number[] = [];
    for (let i = 0; i < DECODE_RUNS; i++) runs.push(await decodeOnly(ffmpeg, every, total));
    decodeAt.set(every, Math.max(...runs));
    console.log(`decode-only: best ${Math.max(...runs).toFixed(1)} frames/s, runs ${runs.map((v) => v.toFixed(0)).join(' ')} (yuv420p ${info.width}x${info.height} into Node, ffmpeg passing every ${every}. frame)`);
  }
  console.log(`model-only:  best ${model.fps.toFixed(1)} frames/s, mean ${model.mean.toFixed(1)} (detectTiles() on frames in memory, tiles ${model.tiles}; best of ${MODEL_WINDOWS} windows of ${E2E_WINDOW_MS / 1000} s, the worker's session options)`);
  console.log(`  reference: best ${spinning.fps.toFixed(1)} frames/s, mean ${spinning.mean.toFixed(1)} with onnxruntime's default spinning threads (what one model alone on an idle machine gets)`);
  console.log('skip | e2e best 5 s | e2e avg | bound (best) | best/bound | worker peak RSS | ffmpeg peak RSS | counts in/out');
  for (const skip of skips) {
    const r = await endToEnd(skip);
    const bound = Math.min(decodeAt.get(skip)!, model.fps * skip);
    console.log(
      [
        String(skip).padStart(4),
        r.best.toFixed(1).padStart(12),
        r.done.avg_fps.toFixed(1).padStart(7),
        bound.toFixed(1).padStart(12),
        `${((r.best / bound) * 100).toFixed(0)}%`.padStart(10),
        `${r.rssMb.toFixed(0)} MB`.padStart(15),
        `${r.ffmpegRssMb.toFixed(0)} MB`.padStart(15),
        `${r.done.in}/${r.done.out}`.padStart(13),
      ].join(' | '),
    );
  }
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:throughput: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
