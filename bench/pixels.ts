/**
 * npm run bench:pixels — how the worker should get the pixels of its crops, measured in CPU time per frame:
 *   native   ffmpeg decodes and hands over yuv420p frames at the source size (only every Nth with --skip N); Node
 *            reads them and resizes each tile into its model input (src/vision/resample.ts) — what the worker does;
 *   ffmpeg   ffmpeg crops and scales every tile itself (split, crop, scale, rgb24, stacked into one picture) and Node
 *            only reads the finished model inputs.
 * The model's own cost is the same for both (same tiles) and printed once. Tiles: the plan the worker makes for the
 * default line with person heights fitted on the clip's ground truth (see bench:height / README).
 *
 *   npm run bench:pixels [-- --skip 1,5]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DEFAULT_LINE } from '../src/sources/lines.js';
import { planCrops, pixelBudget, maxScaleFor, MIN_SCALE, STRIDE, TARGET_HEIGHT, DEFAULT_MAX_TILE, type Tile } from '../src/vision/crop-plan.js';
import { PersonHeightModel } from '../src/vision/person-heights.js';
import { YuvResampler, type YuvFrame } from '../src/vision/resample.js';
import { createDetector } from '../src/worker/detector.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { MAX_FRAME_SIDE } from '../src/sources/frame-side.js';
import { WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';
import { CLIPS, liveStreamFile, readTruth } from './clips.js';
import { argOf } from './bench-args.js';

const skips = (argOf('--skip') ?? '1,5').split(',').map(Number);

interface Source {
  name: string;
  video: string;
  clip: keyof typeof CLIPS;
  fps: number;
}

const SOURCES: Source[] = [
  { name: 'vtest.avi 768x576 MS-MPEG4', video: CLIPS.vtest.video, clip: 'vtest', fps: 10 },
  { name: 'vtest 768x576 H.264 25 fps (bench:live stream)', video: liveStreamFile(), clip: 'vtest', fps: 25 },
  { name: 'MOT17-09 1920x1080 H.264', video: CLIPS.mot17.video, clip: 'mot17', fps: 30 },
];

/** The worker's plan for the default line, with heights fitted on the clip's annotated people. */
function planFor(s: Source, skip: number): Tile[] {
  const c = CLIPS[s.clip];
  const model = new PersonHeightModel({ width: c.width, height: c.height });
  for (const t of readTruth(c).values()) for (const p of t.people) if (p.visibility >= 0.5) model.observe(p.box);
  return planCrops({
    frame: { width: c.width, height: c.height },
    lines: [DEFAULT_LINE],
    region: { kind: 'auto' },
    anchor: 'bottom',
    heights: model.heights(),
    targetHeight: TARGET_HEIGHT,
    maxInput: DEFAULT_MAX_TILE,
    stride: STRIDE,
    minScale: MIN_SCALE,
    maxScale: maxScaleFor({ width: c.width, height: c.height }),
    detectionInterval: skip / s.fps,
    maxInputPixels: pixelBudget({ width: c.width, height: c.height }),
  }).tiles;
}

/** CPU seconds of a running process (user + system), from /proc. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Runs ffmpeg with `argv`, reads `frameBytes`-sized frames from its stdout, hands each to `onFrame`. */
async function readFfmpeg(bin: string, argv: string[], frameBytes: number, onFrame: (data: Uint8Array) => void): Promise<{ frames: number; ffmpegCpu: number; nodeCpu: number }> {
  const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
  let ffmpegCpu = 0;
  const poll = setInterval(() => (ffmpegCpu = Math.max(ffmpegCpu, cpuOf(child.pid!) || 0)), 50);
  const c0 = process.cpuUsage();
  let frames = 0;
  // As the worker's frame reader does: chunks are kept as they come and each frame is copied together once.
  const chunks: Buffer[] = [];
  let have = 0;
  const frame = new Uint8Array(frameBytes);
  child.stdout.on('data', (chunk: Buffer) => {
    ffmpegCpu = Math.max(ffmpegCpu, cpuOf(child.pid!) || 0);
    chunks.push(chunk);
    have += chunk.length;
    while (have >= frameBytes) {
      let filled = 0;
      while (filled < frameBytes) {
        const c = chunks[0];
        const n = Math.min(frameBytes - filled, c.length);
        frame.set(c.subarray(0, n), filled);
        filled += n;
        if (n === c.length) chunks.shift();
        else chunks[0] = c.subarray(n);
      }
      have -= frameBytes;
      onFrame(frame);
      frames++;
    }
  });
  await new Promise<void>((resolve) => child.stdout.on('end', () => resolve()));
  clearInterval(poll);
  const c = process.cpuUsage(c0);
  return { frames, ffmpegCpu, nodeCpu: (c.user + c.system) / 1e6 };
}

async function native(bin: string, s: Source, skip: number, tiles: Tile[]) {
  const select = skip > 1 ? [`select=not(mod(n\\,${skip}))`] : [];
  // The same filter and output the worker's reader uses (ffmpeg-args.ts), so the size is known from the clip.
  const c = CLIPS[s.clip];
  const vf = [...select, 'format=yuv420p'].join(',');
  const frameBytes = c.width * c.height * 1.5;
  const resampler = new YuvResampler();
  const buffers = tiles.map((t) => new Uint8Array(t.inputWidth * t.inputHeight * 3));
  return readFfmpeg(bin, ['-nostdin', '-v', 'error', '-i', s.video, '-an', '-vsync', 'passthrough', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], frameBytes, (data) => {
    const frame: YuvFrame = { width: c.width, height: c.height, data };
    tiles.forEach((t, i) => resampler.resample(frame, t, buffers[i], t.inputWidth, { atX: 0, atY: 0, w: t.scaledWidth, h: t.scaledHeight }));
  });
}

async function ffmpegCrops(bin: string, s: Source, skip: number, tiles: Tile[]) {
  const select = skip > 1 ? `select=not(mod(n\\,${skip})),` : '';
  const width = Math.max(...tiles.map((t) => t.inputWidth));
  const parts = [`[0:v]${select}split=${tiles.length}${tiles.map((_, i) => `[s${i}]`).join('')}`];
  tiles.forEach((t, i) =>
    parts.push(`[s${i}]crop=${t.w}:${t.h}:${t.x}:${t.y},scale=${t.scaledWidth}:${t.scaledHeight}:flags=area,format=rgb24,pad=${width}:${t.inputHeight}:0:0[t${i}]`),
  );
  parts.push(tiles.length > 1 ? `${tiles.map((_, i) => `[t${i}]`).join('')}vstack=inputs=${tiles.length}[out]` : '[t0]null[out]');
  const frameBytes = width * tiles.reduce((h, t) => h + t.inputHeight, 0) * 3;
  return readFfmpeg(bin, ['-nostdin', '-v', 'error', '-i', s.video, '-an', '-vsync', 'passthrough', '-filter_complex', parts.join(';'), '-map', '[out]', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], frameBytes, () => undefined);
}

/** CPU ms of the model alone on one frame's tiles (inputs already filled). */
async function modelCost(tiles: Tile[]): Promise<number> {
  const d = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, sessionOverrides: WORKER_SESSION_OVERRIDES });
  const inputs = tiles.map((t) => new Uint8Array(t.inputWidth * t.inputHeight * 3).fill(100));
  const inferAll = async () => {
    for (const [i, t] of tiles.entries()) await d.infer(inputs[i], t.inputWidth, t.inputHeight);
  };
  for (let i = 0; i < 3; i++) await inferAll();
  const c0 = process.cpuUsage();
  const runs = 20;
  for (let i = 0; i < runs; i++) await inferAll();
  const c = process.cpuUsage(c0);
  await d.release();
  return (c.user + c.system) / 1000 / runs;
}

async function main(): Promise<void> {
  const bin = (await resolveFfmpeg()).path;
  console.log(`bench:pixels; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; CPU ms per source frame (skipped frames are decoded too)`);
  console.log('\n| source | skip | tiles (input at scale) | path | ffmpeg CPU ms | Node CPU ms (pipe + resize) | model CPU ms | total ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of SOURCES) {
    for (const skip of skips) {
      const tiles = planFor(s, skip);
      const shown = tiles.map((t) => `${t.inputWidth}x${t.inputHeight} at ${(t.scaledHeight / t.h).toFixed(2)}`).join(', ');
      const model = (await modelCost(tiles)) / skip;
      for (const [name, run] of [
        ['native (worker)', native],
        ['ffmpeg crops', ffmpegCrops],
      ] as const) {
        const r = await run(bin, s, skip, tiles);
        const total = r.frames * skip;
        const f = (1000 * r.ffmpegCpu) / total;
        const n = (1000 * r.nodeCpu) / total;
        console.log(`| ${s.name} | ${skip} | ${shown} | ${name} | ${f.toFixed(2)} | ${n.toFixed(2)} | ${model.toFixed(2)} | ${(f + n + model).toFixed(2)} |`);
      }
    }
  }
  console.log(`\nload average at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')}; MAX_FRAME_SIDE ${MAX_FRAME_SIDE}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:pixels: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
