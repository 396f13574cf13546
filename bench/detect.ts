/**
 * npm run bench:detect — the built-in detector on every 10th frame of ../shared/data/vtest.avi against
 * PETS09-S2L1/gt.txt: precision and recall at IoU 0.5 for each input size and score threshold, model-only latency
 * (median of 30 runs after 5 warm-up runs, 1 and 2 threads) and peak RSS. Each input size runs in its own child
 * process so that its peak RSS is its own.
 *
 *   node dist/bench/detect.js [--sizes 384x288,512x384] [--out FILE.md]
 *   node dist/bench/detect.js --session-options [--sizes 384x288]   compares onnxruntime session options instead
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMotFile, rowsByFrame } from '../src/metrics/gt.js';
import { matchDetections, precisionRecall, type FrameCounts } from '../src/metrics/detections.js';
import type { InferenceSession } from 'onnxruntime-node';
import type { Box, Detection } from '../src/vision/types.js';
import { createDetector } from '../src/worker/detector.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const VIDEO = path.join(DATA, 'vtest.avi');
const GT = path.join(DATA, 'PETS09-S2L1/gt.txt');
const SRC_W = 768;
const SRC_H = 576;
const EVERY = 10;
const THRESHOLDS = [0.25, 0.28, 0.3, 0.32, 0.35, 0.38, 0.4, 0.45, 0.5];
/** 4:3 sizes fit vtest.avi exactly; 320x256 and 416x320 are letterboxed (a few rows of padding). */
const DEFAULT_SIZES = ['256x192', '320x256', '384x288', '416x320', '512x384', '640x480'];
const WARMUP = 5;
const RUNS = 30;

interface SizeResult {
  size: string;
  frames: number;
  gtBoxes: number;
  pr: { threshold: number; precision: number; recall: number; tp: number; fp: number; fn: number }[];
  medianMs: Record<'1' | '2', number>;
  /** Mean CPU time per run (user + system); on a busy machine it tracks what the run costs better than wall time. */
  cpuMs: Record<'1' | '2', number>;
  peakRssMb: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function measureSize(size: string): Promise<SizeResult> {
  const [w, h] = size.split('x').map(Number);
  const ffmpeg = await resolveFfmpeg();
  const rows = readMotFile(GT);
  const gtByFrame = rowsByFrame(rows);

  const detector = await createDetector({ inputSize: size, confidence: Math.min(...THRESHOLDS), threads: 2 });
  const g = detector.geometryFor(SRC_W, SRC_H);
  const perFrame: { dets: Detection[]; truth: Box[]; ignore: Box[] }[] = [];
  let latencyFrame: Uint8Array | null = null;
  const output = { width: w, height: h, scaledWidth: g.scaledWidth, scaledHeight: g.scaledHeight, padX: g.padX, padY: g.padY, padValue: detector.padValue };
  for await (const f of openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: VIDEO, output, every: EVERY })) {
    const gt = gtByFrame.get(f.index + 1) ?? [];
    perFrame.push({
      dets: await detector.detect(f.data, g),
      truth: gt.filter((r) => r.conf !== 0).map((r) => r.box),
      ignore: gt.filter((r) => r.conf === 0).map((r) => r.box),
    });
    if (f.index === 400) latencyFrame = new Uint8Array(f.data);
  }
  if (!latencyFrame) throw new Error('frame 400 of vtest.avi was not read');

  const pr = THRESHOLDS.map((threshold) => {
    const total: FrameCounts = { tp: 0, fp: 0, fn: 0, ignored: 0 };
    for (const p of perFrame) {
      const c = matchDetections(
        p.dets.filter((d) => d.score >= threshold),
        p.truth,
        p.ignore,
      );
      total.tp += c.tp;
      total.fp += c.fp;
      total.fn += c.fn;
    }
    return { threshold, ...precisionRecall(total), tp: total.tp, fp: total.fp, fn: total.fn };
  });

  const medianMs = { '1': 0, '2': 0 };
  const cpuMs = { '1': 0, '2': 0 };
  await detector.release();
  for (const threads of [2, 1] as const) {
    const d = await createDetector({ inputSize: size, threads });
    for (let i = 0; i < WARMUP; i++) await d.infer(latencyFrame);
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await d.infer(latencyFrame);
      times.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    medianMs[threads] = median(times);
    cpuMs[threads] = (cpu.user + cpu.system) / 1000 / RUNS;
    await d.release();
  }
  return {
    size,
    frames: perFrame.length,
    gtBoxes: perFrame.reduce((n, p) => n + p.truth.length, 0),
    pr,
    medianMs,
    cpuMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function table(results: SizeResult[]): string {
  const lines = [
    '| input size | threshold | precision | recall | TP | FP | FN | median ms, 1 thread | median ms, 2 threads | CPU ms/run, 1 thread | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    for (const p of r.pr) {
      lines.push(
        `| ${r.size} | ${p.threshold.toFixed(2)} | ${p.precision.toFixed(3)} | ${p.recall.toFixed(3)} | ${p.tp} | ${p.fp} | ${p.fn} | ` +
          `${r.medianMs['1'].toFixed(1)} | ${r.medianMs['2'].toFixed(1)} | ${r.cpuMs['1'].toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`,
      );
    }
  }
  return lines.join('\n');
}

const SESSION_VARIANTS: [string, Partial<InferenceSession.SessionOptions>][] = [
  ['chosen: all, sequential, arena + pattern, inter 1', {}],
  ["graphOptimizationLevel 'extended'", { graphOptimizationLevel: 'extended' }],
  ["graphOptimizationLevel 'basic'", { graphOptimizationLevel: 'basic' }],
  ["executionMode 'parallel', interOpNumThreads 2", { executionMode: 'parallel', interOpNumThreads: 2 }],
  ['enableCpuMemArena false', { enableCpuMemArena: false }],
  ['enableMemPattern false', { enableMemPattern: false }],
];

/** Session options side by side, 2 intra-op threads, runs interleaved so that load from elsewhere hits all alike. */
async function compareSessionOptions(size: string): Promise<string> {
  const [w, h] = size.split('x').map(Number);
  const ffmpeg = await resolveFfmpeg();
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: VIDEO, output: { width: w, height: h }, startSeconds: 40, maxFrames: 1 });
  const frame = (await reader.next())?.data;
  reader.close();
  if (!frame) throw new Error('no frame read from vtest.avi');
  const detectors = [];
  for (const [, overrides] of SESSION_VARIANTS) detectors.push(await createDetector({ inputSize: size, threads: 2, sessionOverrides: overrides }));
  const times: number[][] = detectors.map(() => []);
  for (const d of detectors) for (let i = 0; i < WARMUP; i++) await d.infer(frame);
  for (let round = 0; round < RUNS / 5; round++) {
    for (const [k, d] of detectors.entries()) {
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await d.infer(frame);
        times[k].push(performance.now() - t0);
      }
    }
  }
  for (const d of detectors) await d.release();
  const rows = SESSION_VARIANTS.map(([name], k) => `| ${name} | ${median(times[k]).toFixed(1)} |`);
  return [`Session options at ${size}, 2 intra-op threads, median of ${RUNS} interleaved runs:`, '', '| options | median ms |', '| --- | --- |', ...rows].join('\n');
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const child = option('--child');
  if (child) {
    process.stdout.write(`${JSON.stringify(await measureSize(child))}\n`);
    return;
  }
  const sizes = (option('--sizes') ?? DEFAULT_SIZES.join(',')).split(',');
  if (process.argv.includes('--session-options')) {
    process.stdout.write(`${await compareSessionOptions(option('--sizes')?.split(',')[0] ?? '384x288')}\n`);
    return;
  }
  const results: SizeResult[] = [];
  for (const size of sizes) {
    process.stderr.write(`bench:detect ${size} …\n`);
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', size], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(JSON.parse(out) as SizeResult);
  }
  const r0 = results[0];
  const header =
    `Built-in centernet on every ${EVERY}th frame of vtest.avi (${r0.frames} frames, ${r0.gtBoxes} GT boxes, IoU 0.5; ` +
    `conf-0 GT rows ignored). Latency: model only (input fill + session.run), median of ${RUNS} runs after ${WARMUP} warm-up, frame 400; ` +
    `CPU ms/run = process CPU time per 1-thread run, close to the quiet-machine latency when the machine is shared. Load average at start: ${loadavg()[0].toFixed(1)}.`;
  const text = `${header}\n\n${table(results)}\n`;
  process.stdout.write(text);
  const out = option('--out');
  if (out) writeFileSync(out, `Command: \`npm run bench:detect\` (${new Date().toISOString()})\n\n${text}`);
}

main().catch((err) => {
  process.stderr.write(`bench:detect: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
