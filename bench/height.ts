/**
 * npm run bench:height — how tall a person must be, in model-input pixels, for the built-in centernet to find them.
 *
 * Each clip's sampled frames (vtest.avi every 10th, MOT17-09 every 5th) go through the detector whole, at several
 * scales; every ground-truth person is binned by their height after scaling (clipped to the frame), every detection
 * by its own. Recall per bin (all people, and MOT17's people at least half visible) and precision per bin, at each
 * score threshold, show the height range the model sees well and which threshold fits it. Per scale: input size,
 * precision/recall and CPU time per frame.
 *
 *   npm run bench:height [-- --clips vtest,mot17 --scales vtest:0.33,0.5;mot17:0.1,0.2 --out FILE.md]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { matchFrame } from '../src/metrics/detections.js';
import type { Detection } from '../src/vision/types.js';
import { createDetector } from '../src/worker/detector.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { toFrameLayout } from '../src/worker/ffmpeg-args.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';
import { CLIPS, readTruth, type Clip, type FrameTruth } from './clips.js';
import { loadClip } from './count-clips.js';
import { args, argOf } from './bench-args.js';

const THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
const REPORT_THRESHOLD = 0.3;
/** Bin edges in model-input pixels. */
const EDGES = [0, 16, 24, 32, 40, 48, 64, 80, 96, 128, 160, 224, 320, Infinity];
const DEFAULT_SCALES: Record<string, number[]> = {
  vtest: [0.25, 0.33, 0.5, 0.67, 0.83, 1, 1.25],
  mot17: [0.1, 0.15, 0.2, 0.25, 0.33, 0.5, 0.67],
  'mot17-640': [0.5, 0.67, 1, 1.33, 1.67, 2],
};

/**
 * MOT17-09 shrunk to 640×360 (bench:count's variant, made by ffmpeg's area filter): a source whose people have few
 * pixels of their own, to see whether enlarging it above scale 1 gives the detector what a sharper source gives.
 */
const SHRUNK: Record<string, { base: string; variant: string; factor: number }> = {
  'mot17-640': { base: 'mot17', variant: 'mot17-09-640', factor: 1 / 3 },
};

function clipOf(key: string, ffmpeg: string): { clip: Clip; truth: Map<number, FrameTruth> } {
  const shrunk = SHRUNK[key];
  if (!shrunk) return { clip: CLIPS[key], truth: readTruth(CLIPS[key]) };
  const base = CLIPS[shrunk.base];
  const made = loadClip(shrunk.variant, ffmpeg);
  const f = shrunk.factor;
  const scaleBox = (b: readonly number[]) => b.map((v) => v * f) as FrameTruth['ignore'][number];
  const truth = new Map<number, FrameTruth>();
  for (const [frame, t] of readTruth(base)) {
    truth.set(frame, { people: t.people.map((p) => ({ ...p, box: scaleBox(p.box) })), ignore: t.ignore.map(scaleBox) });
  }
  return { clip: { ...base, name: `MOT17-09 at ${made.width}×${made.height}`, video: made.video, width: made.width, height: made.height }, truth };
}
const clipName = (key: string) => (SHRUNK[key] ? key : CLIPS[key].name);

interface Person {
  clip: string;
  height: number;
  visibility: number;
  /** Per threshold: found. */
  found: boolean[];
}
interface Found {
  clip: string;
  height: number;
  score: number;
  /** Per threshold: 'tp' | 'fp' | 'ignored', or null when below it. */
  outcome: ('tp' | 'fp' | 'ignored' | null)[];
}
interface ScaleRow {
  clip: string;
  scale: number;
  input: string;
  frames: number;
  pr: { precision: number; recall: number }[];
  cpuMsPerFrame: number;
}

function scalesFor(clip: string): number[] {
  const given = argOf('--scales');
  for (const part of given?.split(';') ?? []) {
    const [name, list] = part.split(':');
    if (name === clip) return list.split(',').map(Number);
  }
  return DEFAULT_SCALES[clip];
}

const round32 = (v: number) => Math.max(32, Math.round(v / 32) * 32);

async function measure(key: string, scale: number, people: Person[], found: Found[]): Promise<ScaleRow> {
  const ffmpeg = await resolveFfmpeg();
  const { clip, truth } = clipOf(key, ffmpeg.path);
  const input = `${round32(clip.width * scale)}x${round32(clip.height * scale)}`;
  const detector = await createDetector({ inputSize: input, confidence: Math.min(...THRESHOLDS), sessionOverrides: WORKER_SESSION_OVERRIDES });
  const g = detector.geometryFor(clip.width, clip.height);
  const r = g.scaledHeight / clip.height;
  const counts = THRESHOLDS.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  let frames = 0;
  let cpu = 0;
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: clip.video, output: toFrameLayout(g, detector.padValue), every: clip.every });
  for await (const f of reader) {
    const t = truth.get(f.index + 1) ?? { people: [], ignore: [] };
    const c0 = process.cpuUsage();
    const dets: Detection[] = await detector.detect(f.data, g);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    frames++;
    const mine: Person[] = t.people.map((p) => ({ clip: key, height: p.box[3] * r, visibility: p.visibility, found: [] }));
    const theirs: Found[] = dets.map((d) => ({ clip: key, height: d.box[3] * r, score: d.score, outcome: [] }));
    THRESHOLDS.forEach((th, k) => {
      const kept = dets.map((d, i) => ({ d, i })).filter((x) => x.d.score >= th);
      const m = matchFrame(
        kept.map((x) => x.d),
        t.people.map((p) => p.box),
        t.ignore,
      );
      m.truthMatchedBy.forEach((j, i) => mine[i].found.push(j >= 0));
      theirs.forEach((x) => x.outcome.push(null));
      m.detections.forEach((o, j) => (theirs[kept[j].i].outcome[k] = o));
      counts[k].tp += m.detections.filter((o) => o === 'tp').length;
      counts[k].fp += m.detections.filter((o) => o === 'fp').length;
      counts[k].fn += m.truthMatchedBy.filter((j) => j < 0).length;
    });
    people.push(...mine);
    found.push(...theirs);
  }
  await detector.release();
  return {
    clip: key,
    scale: r,
    input,
    frames,
    pr: counts.map((c) => ({ precision: c.tp / Math.max(1, c.tp + c.fp), recall: c.tp / Math.max(1, c.tp + c.fn) })),
    cpuMsPerFrame: cpu / Math.max(1, frames),
  };
}

const binOf = (h: number) => EDGES.findIndex((e, i) => h >= e && h < EDGES[i + 1]);
const binName = (i: number) => (EDGES[i + 1] === Infinity ? `≥ ${EDGES[i]}` : `${EDGES[i]}–${EDGES[i + 1]}`);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

function recallCell(list: Person[], k: number): string {
  if (list.length === 0) return '–';
  return `${fmt(list.filter((p) => p.found[k]).length / list.length)} (${list.length})`;
}

function precisionCell(list: Found[], k: number): string {
  const judged = list.filter((d) => d.outcome[k] === 'tp' || d.outcome[k] === 'fp');
  if (judged.length === 0) return '–';
  return `${fmt(judged.filter((d) => d.outcome[k] === 'tp').length / judged.length)} (${judged.length})`;
}

function heightTable(keys: string[], people: Person[], found: Found[]): string {
  const k = THRESHOLDS.indexOf(REPORT_THRESHOLD);
  const cols: { name: string; people: (p: Person) => boolean; found: (d: Found) => boolean }[] = [];
  for (const key of keys) cols.push({ name: clipName(key), people: (p) => p.clip === key, found: (d) => d.clip === key });
  for (const key of keys.filter((k) => k === 'mot17' || SHRUNK[k]?.base === 'mot17')) {
    cols.push({ name: `${clipName(key)} visibility ≥ 0.5`, people: (p) => p.clip === key && p.visibility >= 0.5, found: () => false });
  }
  const head = `| height in input px | ${cols.map((c) => `recall ${c.name} (n)`).join(' | ')} | ${keys.map((key) => `precision ${clipName(key)} (n)`).join(' | ')} | median TP score |`;
  const lines = [head, `|${' --- |'.repeat(2 + cols.length + keys.length)}`];
  for (let b = 0; b < EDGES.length - 1; b++) {
    const inBin = people.filter((p) => binOf(p.height) === b);
    const dets = found.filter((d) => binOf(d.height) === b);
    const tpScores = dets.filter((d) => d.outcome[0] === 'tp').map((d) => d.score).sort((x, y) => x - y);
    const med = tpScores.length ? tpScores[tpScores.length >> 1].toFixed(2) : '–';
    const recalls = cols.map((c) => recallCell(inBin.filter(c.people), k));
    const precisions = keys.map((key) => precisionCell(dets.filter((d) => d.clip === key), k));
    lines.push(`| ${binName(b)} | ${recalls.join(' | ')} | ${precisions.join(' | ')} | ${med} |`);
  }
  return lines.join('\n');
}

/** F1 per threshold for people (and detections) in a height range, both clips pooled: which threshold fits it. */
function thresholdTable(people: Person[], found: Found[]): string {
  const ranges: [number, number][] = [
    [24, 48],
    [48, 96],
    [64, 160],
    [96, 224],
    [160, Infinity],
  ];
  const lines = [
    `| height range | ${THRESHOLDS.map((t) => `P / R / F1 at ${t}`).join(' | ')} |`,
    `|${' --- |'.repeat(1 + THRESHOLDS.length)}`,
  ];
  for (const [lo, hi] of ranges) {
    const ps = people.filter((p) => p.height >= lo && p.height < hi);
    const ds = found.filter((d) => d.height >= lo && d.height < hi);
    if (ps.length === 0) continue;
    const cells = THRESHOLDS.map((_, k) => {
      const tp = ds.filter((d) => d.outcome[k] === 'tp').length;
      const fp = ds.filter((d) => d.outcome[k] === 'fp').length;
      const recall = ps.filter((p) => p.found[k]).length / Math.max(1, ps.length);
      const precision = tp / Math.max(1, tp + fp);
      const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
      return `${precision.toFixed(3)} / ${recall.toFixed(3)} / ${f1.toFixed(3)}`;
    });
    lines.push(`| ${lo}–${hi === Infinity ? '∞' : hi} px | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function scaleTable(rows: ScaleRow[]): string {
  const k = THRESHOLDS.indexOf(REPORT_THRESHOLD);
  const lines = [
    `| clip | scale | input | frames | precision @${REPORT_THRESHOLD} | recall @${REPORT_THRESHOLD} | best F1 (threshold) | CPU ms / frame |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const f1 = r.pr.map((p) => (2 * p.precision * p.recall) / Math.max(1e-9, p.precision + p.recall));
    const best = f1.indexOf(Math.max(...f1));
    lines.push(
      `| ${clipName(r.clip)} | ${r.scale.toFixed(3)} | ${r.input} | ${r.frames} | ${fmt(r.pr[k].precision)} | ${fmt(r.pr[k].recall)} | ` +
        `${f1[best].toFixed(3)} (${THRESHOLDS[best]}) | ${r.cpuMsPerFrame.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const keys = (argOf('--clips') ?? 'vtest,mot17').split(',');
  for (const key of keys) if (!CLIPS[key] && !SHRUNK[key]) throw new Error(`unknown clip ${key} (expected ${[...Object.keys(CLIPS), ...Object.keys(SHRUNK)].join(', ')})`);
  const people: Person[] = [];
  const found: Found[] = [];
  const rows: ScaleRow[] = [];
  const load = loadavg()[0];
  for (const key of keys) {
    for (const s of scalesFor(key)) {
      process.stderr.write(`bench:height ${key} scale ${s} …\n`);
      rows.push(await measure(key, s, people, found));
    }
  }
  const text = [
    `Built-in centernet on whole frames at several scales (vtest.avi every ${CLIPS.vtest.every}th frame, MOT17-09 every ${CLIPS.mot17.every}th); ` +
      `IoU 0.5, ignore regions neither hits nor misses, GT clipped to the frame. Load average at start ${load.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}.`,
    '',
    `Recall and precision by person height in model-input pixels, all scales pooled, threshold ${REPORT_THRESHOLD} (n = people or detections in the bin):`,
    '',
    heightTable(keys, people, found),
    '',
    'Precision / recall / F1 by threshold within a height range (clips and scales pooled):',
    '',
    thresholdTable(people, found),
    '',
    'Per scale:',
    '',
    scaleTable(rows),
    '',
  ].join('\n');
  process.stdout.write(text);
  const out = argOf('--out');
  if (out) writeFileSync(out, `Command: \`npm run bench:height${args.length ? ` -- ${args.join(' ')}` : ''}\` (${new Date().toISOString()})\n\n${text}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:height: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
