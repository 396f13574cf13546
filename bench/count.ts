/**
 * npm run bench:count — line crossings found against the ground truth, per clip, line and --skip-frames.
 *
 * Each ground-truth crossing (the counting rule applied to the annotated boxes at full frame rate) is matched to a
 * found crossing of the same line and direction at most 1.5 s away (most pairs, then least time apart); what is left
 * is missed or extra. MOTA and IDF1 score the confirmed tracks (MOT17 distractors are ignore regions).
 *
 *   npm run bench:count [-- --clip vtest,mot17-09|all --skip 1,5 --mode worker|replay|gt
 *                          --input-size WxH --confidence C --details --jitter 0.05 --drop 0.2 --min-visibility 0 --seed 1
 *                          --options '{"tracker": {...}, "counter": {...}}' --truth documented|visible
 *                          --lines bench|dense --appearance WIDTH]
 *
 * `worker` (default) runs the real worker CLI; `replay` runs the worker's tracker and counter in this process on what
 * the worker's tracker was given in a run recorded once (`worker --record-detections`, cached; without --options it
 * counts exactly as the worker does, and says so); `gt` feeds them ground-truth boxes with jitter and dropouts.
 */
import { matchCrossings, poolScores, scoreMatch, type CrossingMatch, type CrossingScore, type TimedCrossing } from '../src/metrics/crossings.js';
import type { MotRow } from '../src/metrics/gt.js';
import { evaluateMot, type MotMetrics } from '../src/metrics/mot.js';
import type { PeopleCounterOptions } from '../src/vision/people-counter.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { probeSource } from '../src/worker/ffmpeg-probe.js';
import { CLIP_NAMES, DEFAULT_CLIPS, TOLERANCE_SECONDS, loadClip, type Clip, type TruthRule } from './count-clips.js';
import { recordedAppearance } from './count-appearance.js';
import { detectionsByFrame, firstDifference, gtRecording, replay, workerRecording } from './count-replay.js';
import { runWorker } from './count-worker.js';
import { args, argOf } from './bench-args.js';

const listOf = (name: string, fallback: string[]) => (argOf(name) ?? fallback.join(',')).split(',').filter((s) => s !== '');
const clipNames = listOf('--clip', DEFAULT_CLIPS).flatMap((c) => (c === 'all' ? CLIP_NAMES : [c]));
const skips = listOf('--skip', ['1', '5']).map(Number);
const mode = argOf('--mode') ?? 'worker';
const details = args.includes('--details');
const detectorArgs = ['--input-size', '--confidence'].flatMap((o) => (argOf(o) === undefined ? [] : [o, argOf(o)!]));
/** Tracker and counter settings to try in replay and gt modes, as JSON: `{"tracker": {...}, "counter": {...}}`. */
const counterOptions = JSON.parse(argOf('--options') ?? '{}') as PeopleCounterOptions;

interface Outcome {
  match: CrossingMatch;
  mot: MotMetrics;
  note: string;
}

async function runOne(clip: Clip, skip: number, ffmpeg: { path: string; version: string }): Promise<Outcome> {
  const asFound = (cs: readonly { line: string; direction: 'in' | 'out'; frame: number; track: number }[]): TimedCrossing[] =>
    cs.map((c) => ({ line: c.line, direction: c.direction, t: (c.frame - 1) / clip.fps, id: c.track }));
  const outcome = (found: TimedCrossing[], tracks: MotRow[], note: string): Outcome => ({
    match: matchCrossings(clip.truth, found, TOLERANCE_SECONDS),
    mot: evaluateMot(clip.gt, tracks),
    note,
  });
  if (mode === 'worker') {
    const r = await runWorker(clip.video, clip.lines, skip, detectorArgs);
    const m = r.hello.model;
    return outcome(asFound(r.crossings), r.tracks, `worker, ${r.done.frames} frames, input ${m.input_width}x${m.input_height}, ${r.done.avg_fps} fps`);
  }
  if (mode === 'gt') {
    const info = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: clip.video, openTimeoutMs: 15_000 });
    const frames = Math.max(...clip.gt.map((r) => r.frame));
    const noise = {
      jitter: Number(argOf('--jitter') ?? 0.05),
      drop: Number(argOf('--drop') ?? 0.2),
      minVisibility: Number(argOf('--min-visibility') ?? 0),
      seed: Number(argOf('--seed') ?? 1),
    };
    const r = replay(gtRecording(clip, frames, skip, info.fps ?? clip.fps, noise), counterOptions);
    return outcome(asFound(r.crossings), r.tracks, `gt, ${frames} frames`);
  }
  const rec = await workerRecording(clip, skip, detectorArgs, ffmpeg.version);
  const width = argOf('--appearance');
  const samplers = width ? await recordedAppearance(clip, detectionsByFrame(rec.recording), Number(width), ffmpeg.path) : undefined;
  const started = performance.now();
  const r = replay(rec.recording, counterOptions, samplers);
  const seconds = (performance.now() - started) / 1000;
  // Without settings of its own, a replay must count exactly what the worker run that recorded it counted, unless the
  // tracker or counter changed since the recording (the cache is kept across those changes on purpose).
  const tried = argOf('--options') !== undefined || width !== undefined;
  const diff = tried ? null : firstDifference(rec.worker, r.crossings);
  const check = tried ? '' : diff ? `, DIFFERS from the worker's run that recorded it (${diff}; expected only if the tracker or counter changed since)` : `, same ${r.crossings.length} crossings as the worker's run`;
  const made = rec.run ? ` (recorded now: worker ${rec.run.seconds.toFixed(1)} s)` : '';
  return outcome(asFound(r.crossings), r.tracks, `replay, ${rec.recording.steps.filter((s) => 'pts' in s).length} frames in ${seconds.toFixed(2)} s${made}${check}`);
}

const f3 = (v: number) => (Number.isNaN(v) ? '  -  ' : v.toFixed(3));
const inOut = (xs: readonly TimedCrossing[], line?: string) => {
  const on = xs.filter((x) => line === undefined || x.line === line);
  return `${on.filter((x) => x.direction === 'in').length}/${on.filter((x) => x.direction === 'out').length}`;
};

function printOutcome(clip: Clip, skip: number, o: Outcome): CrossingScore[] {
  const m = o.mot;
  console.log(`\n${clip.name} (${clip.width}x${clip.height}, ${+clip.fps.toFixed(2)} fps) --skip-frames ${skip}: ${o.note}`);
  console.log(`  MOTA ${f3(m.mota)}  IDF1 ${f3(m.idf1)}  IDSW ${m.idsw}  FP ${m.fp}  FN ${m.fn}  (gt boxes ${m.gt})`);
  console.log('  line        | truth in/out | found in/out | matched | missed | extra | precision | recall |  F1');
  const found = [...o.match.matched.map((p) => p.found), ...o.match.extra];
  const scores: CrossingScore[] = [];
  const row = (label: string, s: CrossingScore, line?: string) =>
    console.log(
      [
        `  ${label.padEnd(11)}`,
        inOut(clip.truth, line).padStart(12),
        inOut(found, line).padStart(12),
        String(s.matched).padStart(7),
        String(s.missed).padStart(6),
        String(s.extra).padStart(5),
        f3(s.precision).padStart(9),
        f3(s.recall).padStart(6),
        f3(s.f1),
      ].join(' | '),
    );
  for (const l of clip.lines) {
    const s = scoreMatch(o.match, l.name);
    scores.push(s);
    row(l.name, s, l.name);
  }
  row('all lines', poolScores(scores));
  if (details) {
    const show = (xs: readonly TimedCrossing[]) => xs.map((x) => `${x.line}:${x.direction}@${x.t.toFixed(1)}s#${x.id}`).join(' ');
    console.log(`  missed: ${show(o.match.missed) || '-'}`);
    console.log(`  extra:  ${show(o.match.extra) || '-'}`);
  }
  return scores;
}

async function main(): Promise<void> {
  if (!['worker', 'replay', 'gt'].includes(mode)) throw new Error(`--mode must be worker, replay or gt, got "${mode}"`);
  if (mode === 'worker' && argOf('--options')) throw new Error('--options needs --mode replay or gt (the worker takes its own defaults)');
  const ffmpeg = await resolveFfmpeg();
  const rule = (argOf('--truth') ?? 'documented') as TruthRule;
  if (rule !== 'documented' && rule !== 'visible') throw new Error(`--truth must be documented or visible, got "${String(rule)}"`);
  const lineSet = argOf('--lines') ?? 'bench';
  if (lineSet !== 'bench' && lineSet !== 'dense') throw new Error(`--lines must be bench or dense, got "${lineSet}"`);
  const clips = clipNames.map((name) => loadClip(name, ffmpeg.path, rule, lineSet === 'dense'));
  console.log(
    `bench:count --mode ${mode}${detectorArgs.length ? ` ${detectorArgs.join(' ')}` : ''}${argOf('--options') ? ` --options ${argOf('--options')}` : ''}; ` +
      `truth: ${rule} boxes; ${lineSet} lines; crossings matched within ±${TOLERANCE_SECONDS} s`,
  );
  const summary: { clip: string; skip: number; score: CrossingScore; mot: MotMetrics }[] = [];
  for (const skip of skips) {
    for (const clip of clips) {
      const o = await runOne(clip, skip, ffmpeg);
      const scores = printOutcome(clip, skip, o);
      summary.push({ clip: clip.name, skip, score: poolScores(scores), mot: o.mot });
    }
  }
  console.log('\nsummary (crossing F1 pooled over the lines of each clip)');
  console.log('  clip              | skip | matched | missed | extra | precision | recall |  F1   | MOTA  | IDF1');
  for (const s of summary) {
    const c = s.score;
    console.log(
      `  ${s.clip.padEnd(17)} | ${String(s.skip).padStart(4)} | ${String(c.matched).padStart(7)} | ${String(c.missed).padStart(6)} | ` +
        `${String(c.extra).padStart(5)} | ${f3(c.precision).padStart(9)} | ${f3(c.recall).padStart(6)} | ${f3(c.f1)} | ${f3(s.mot.mota)} | ${f3(s.mot.idf1)}`,
    );
  }
  for (const skip of skips) {
    const p = poolScores(summary.filter((s) => s.skip === skip).map((s) => s.score));
    console.log(`  pooled, skip ${skip}: F1 ${f3(p.f1)} (precision ${f3(p.precision)}, recall ${f3(p.recall)}, ${p.truth} crossings)`);
  }
  if (skips.length > 1) console.log(`  pooled, all: F1 ${f3(poolScores(summary.map((s) => s.score)).f1)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:count: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
