/**
 * npm run bench:throughput — where the time goes, all in one run on vtest.avi:
 *   decode-only   ffmpeg → yuv420p frames at the source size, read by Node (the worker's own frame reader), in
 *                 source frames per second; for skip N ffmpeg passes only every Nth frame on, as in the worker;
 *   model-only    the detector on frames already in memory: the crop plan's tiles resized from the frame, onnxruntime,
 *                 decode and merge (what the worker's detector threads do), with the worker's session options, run
 *                 both ways the model can use the 2 default threads: one session of 2 intra-op threads in this thread,
 *                 and the worker's own detector (two sessions of 1 thread each in their threads, two frames in flight:
 *                 at skip 1 the next frame, skipping frames on a file the next detection frame sent ahead;
 *                 detector-lanes.ts); the faster is the bound. The tiles are the worker's own, pass by pass:
 *                 an untimed run of the worker with --emit-tracks at the same skip gives the plan of every pass (the
 *                 plan follows the people seen, so over a whole file it runs several plans, not the one learned from
 *                 the first frames). For comparison, also on the one plan learned from the first 80 frames (the
 *                 default line), the bound up to 2026-12-02, with onnxruntime's spinning defaults for reference;
 *   end-to-end    the real worker CLI child at --skip-frames 1, 2, 5, 10 (its done.avg_fps, start-up excluded),
 *                 with its peak RSS (VmHWM of the Node process; ffmpeg's own is printed beside it), and its rate from
 *                 its first progress report on (without its first second, when each session's first runs are slow).
 * The bound of a run is its slowest stage: min(decode at that skip, model × skip).
 *
 * The machine is shared, so every stage is also given as its best window (decode: best of 3 runs; model: best of 3
 * windows of 5 s; end-to-end: best 5 s of the run, from its progress events). Model and end-to-end windows are equally
 * long, so neither side gets the luck of a shorter window; ratios use the best windows, which compares the stages at
 * the same (least disturbed) conditions, and the plain averages are printed beside them.
 *
 *   npm run bench:throughput [-- --skip 1,10]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tile } from '../src/vision/crop-plan.js';
import { DEFAULT_THREADS } from '../src/worker/detector-lanes.js';
import { laneThreads } from '../src/worker/detector-lanes.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { probeSource } from '../src/worker/ffmpeg-probe.js';
import { MAX_FRAME_SIDE } from '../src/sources/frame-side.js';
import { WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';
import { distinctPlans, framesAndPlan, inProcess, MODEL_WINDOWS, modelOnly, threaded, WINDOW_MS } from './throughput-model.js';
import { endToEnd, planSchedule } from './throughput-worker.js';
import { argOf } from './bench-args.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = argOf('--source') ?? path.resolve(root, '../shared/data/vtest.avi');
const skips = (argOf('--skip') ?? '1,2,5,10').split(',').map(Number);
const DECODE_RUNS = 3;

/** Source frames per second through the frame reader; with `every` > 1 ffmpeg drops the others, as the worker does. */
async function decodeOnly(ffmpeg: { path: string; version: string }, every: number, total: number) {
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source, output: { kind: 'native', maxSide: MAX_FRAME_SIDE }, every });
  const t0 = performance.now();
  let n = 0;
  for await (const f of reader) n += f.data.length > 0 ? 1 : 0;
  if (n !== Math.ceil(total / every)) throw new Error(`decode-only read ${n} frames, expected ${Math.ceil(total / every)}`);
  return total / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const info = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source });
  console.log(`source ${source} ${info.width}x${info.height}; ffmpeg ${ffmpeg.path}; ${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const { frames, tiles } = await framesAndPlan(ffmpeg, source, info.fps);
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
    console.log(`  two sessions of ${lanesText} intra-op threads in their threads (the worker's detector), two frames in flight: best ${lanes.best.toFixed(1)} frames/s (${cpuText(lanes)}), mean ${lanes.mean.toFixed(1)}`);
    const spinning = m.get('spinning');
    if (spinning) console.log(`  reference: best ${spinning.best.toFixed(1)} frames/s, mean ${spinning.mean.toFixed(1)} with onnxruntime's default spinning threads, one session of ${DEFAULT_THREADS} (what one model alone on an idle machine gets)`);
    // The bound is the fastest the model alone goes with the worker's session options, whichever way it is run.
    return Math.max(one.best, lanes.best);
  };
  const pixels = (passes: readonly Tile[][]) => passes.reduce((sum, p) => sum + p.reduce((a, t) => a + t.inputWidth * t.inputHeight, 0), 0) / passes.length / 1000;
  const tileText = tiles.map((t) => `${t.inputWidth}x${t.inputHeight} at ${(t.scaledHeight / t.h).toFixed(2)}`).join(', ');
  console.log(`model-only, detectTiles() on frames in memory; best of ${MODEL_WINDOWS} windows of ${WINDOW_MS / 1000} s, the ways of running it taking turns; the worker's session options:`);
  console.log(`on the one plan learned from the first ${frames.length} frames (tiles ${tileText}, ${pixels([tiles]).toFixed(0)} k input pixels a pass; the bound of this bench before 2026-12-02, for comparison):`);
  showModels(await rigs([tiles], true));
  const rows: string[] = [];
  for (const skip of skips) {
    const schedule = await planSchedule(source, skip, frames[0], info);
    console.log(
      `--skip-frames ${skip}, on the worker's own plans, pass by pass (${schedule.length} passes, ${distinctPlans(schedule).length} plans, ${pixels(schedule).toFixed(0)} k input pixels a pass on average):`,
    );
    const model = showModels(await rigs(schedule, false));
    const r = await endToEnd(source, skip);
    const bound = Math.min(decodeAt.get(skip)!, model * skip);
    rows.push(
      [
        String(skip).padStart(4),
        r.best.toFixed(1).padStart(12),
        r.done.avg_fps.toFixed(1).padStart(7),
        bound.toFixed(1).padStart(12),
        `${((r.best / bound) * 100).toFixed(0)}%`.padStart(10),
        `${r.steady.toFixed(1)} (${((r.steady / bound) * 100).toFixed(0)}%)`.padStart(22),
        `${r.rssMb.toFixed(0)} MB`.padStart(15),
        `${r.ffmpegRssMb.toFixed(0)} MB`.padStart(15),
        `${r.done.in}/${r.done.out}`.padStart(13),
        `${r.workerCpu.toFixed(1)} + ${r.ffmpegCpu.toFixed(1)} ms`,
      ].join(' | '),
    );
  }
  console.log('skip | e2e best 5 s | e2e avg | bound (best) | best/bound | after 1st s (of bound) | worker peak RSS | ffmpeg peak RSS | counts in/out | CPU a source frame: worker + ffmpeg');
  for (const row of rows) console.log(row);
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:throughput: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
