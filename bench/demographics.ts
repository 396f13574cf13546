/**
 * `npm run bench:demographics [-- --skip-worker] [--latency-only] [--fit] [--zooms Z,Z…] [--no-flip] [--max-withheld F] [--bias-ridge R] [--no-age-bias]
 * [--candidates FILE]`: gender and age on the development chips of
 * ../shared/data/faces (raw, cross-validated calibration, and the shipped calibration), per-face latency at batch 1
 * and 8, and on MOT17-09 with its three lines the share of crossings with an estimate and the worker fps with and
 * without demographics. `--fit` prints the calibration fitted on all chips (what src/faces/calibration.ts ships).
 * `--candidates FILE` (written by bench/face-candidates.ts) adds, cross-validated the same way, each second model
 * alone and averaged with FaceRes (logits brought to FaceRes's spread, then averaged; ages averaged where the second
 * model has one). `--latency-only`: only the latency at batch 1 and 8 (for timing runs under the shared lock).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FaceAnalyser } from '../src/faces/analyser.js';
import { CALIBRATION, DEFAULT_FIT, fitCalibration, IDENTITY_CALIBRATION, type Calibration } from '../src/faces/calibration.js';
import type { RgbImage } from '../src/faces/crop.js';
import { AGE_BANDS, ageBand, ALIGNED_CROP } from '../src/faces/estimate.js';
import { decodeImage } from '../src/faces/image.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import type { CandidateRaw } from './face-candidates.js';
import { chipsOf, DATA as data, score, type Chip, type Score } from './face-chips.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const args = new Set(argv);
/** `--zooms 0.9,1,1.1`: FaceRes crops relative to the default (averaged); `--no-flip`; `--max-withheld 0.08`; `--bias-ridge 5`; `--no-age-bias`. */
const valueOf = (flag: string): string | undefined => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
};
const zooms = valueOf('--zooms')?.split(',').map(Number);
const flip = !args.has('--no-flip');
const fit = {
  ...DEFAULT_FIT,
  ...(valueOf('--max-withheld') ? { maxWithheld: Number(valueOf('--max-withheld')) } : {}),
  ...(valueOf('--bias-ridge') ? { biasRidge: Number(valueOf('--bias-ridge')) } : {}),
  ...(args.has('--no-age-bias') ? { biasKnots: [] } : {}),
};
const run = promisify(execFile);

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

function line(name: string, s: Score): string {
  return `${name.padEnd(34)} n ${String(s.n).padStart(3)}  gender ${s.acc.toFixed(3)} (withheld ${pct(s.withheld).padStart(6)})  age MAE ${s.mae.toFixed(2).padStart(5)}  band ${s.band.toFixed(3)}`;
}

/** k-fold cross-validation, repeated with several shuffles: each chip is scored by a calibration fitted without it. */
function crossValidated(chips: readonly Chip[], folds = 10, repeats = 5): { cals: Calibration[]; order: Chip[] }[] {
  const out: { cals: Calibration[]; order: Chip[] }[] = [];
  for (let r = 0; r < repeats; r++) {
    let s = 12345 + r;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const order = [...chips].map((c) => ({ c, k: rand() })).sort((a, b) => a.k - b.k).map((x) => x.c);
    const cals: Calibration[] = new Array(order.length);
    for (let f = 0; f < folds; f++) {
      const train = order.filter((_, i) => i % folds !== f);
      const cal = fitCalibration(train, fit);
      order.forEach((_, i) => {
        if (i % folds === f) cals[i] = cal;
      });
    }
    out.push({ cals, order });
  }
  return out;
}

function cvLine(name: string, chips: readonly Chip[]): string {
  const scores = crossValidated(chips).map(({ cals, order }) => score(order, cals));
  const mean = (k: keyof Score) => scores.reduce((s, x) => s + x[k], 0) / scores.length;
  return line(name, { acc: mean('acc'), withheld: mean('withheld'), mae: mean('mae'), band: mean('band'), n: chips.length });
}

/** Second models from bench/face-candidates.ts (chips in the same order), alone and averaged with FaceRes. */
function candidateRows(chips: readonly Chip[], candidates: Record<string, { chips: CandidateRaw[]; msCpuPerChip: number }>): void {
  for (const [name, c] of Object.entries(candidates)) {
    if (c.chips.length !== chips.length) throw new Error(`--candidates: ${name} has ${c.chips.length} chips, not ${chips.length}`);
    const alone = chips.map((chip, i) => ({ ...chip, raw: { maleLogit: c.chips[i].maleLogit, age: c.chips[i].age ?? chip.raw.age } }));
    // Logits on one scale first (label-free: the spread of each model's logits over the chips), then averaged.
    const spread = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length - (v.reduce((s, x) => s + x, 0) / v.length) ** 2);
    const k = spread(chips.map((x) => x.raw.maleLogit)) / spread(c.chips.map((x) => x.maleLogit));
    const both = chips.map((chip, i) => ({
      ...chip,
      raw: { maleLogit: (chip.raw.maleLogit + k * c.chips[i].maleLogit) / 2, age: c.chips[i].age === undefined ? chip.raw.age : (chip.raw.age + c.chips[i].age!) / 2 },
    }));
    console.log(cvLine(`${name} alone${c.chips[0].age === undefined ? ' (FaceRes age)' : ''}`, alone));
    console.log(cvLine(`FaceRes + ${name}`, both) + `  (+${c.msCpuPerChip.toFixed(1)} ms CPU per face)`);
  }
}

/**
 * CPU per face of `describe` at batch 1 and 8: both sizes warmed up first, then measured in alternating rounds of the
 * same number of faces, so that neither size pays alone for what came before (the accuracy run's garbage made the
 * first size measured look 25 % dearer) or for a change of load during the run.
 */
async function latency(analyser: FaceAnalyser, chip: RgbImage, rounds = 4, faces = 16): Promise<void> {
  const sizes = [1, 8];
  const totals = new Map(sizes.map((b) => [b, { cpu: 0, wall: [] as number[] }]));
  for (const b of sizes) for (let i = 0; i < 2; i++) await analyser.describe(Array.from({ length: b }, () => ({ image: chip })));
  for (let r = 0; r < rounds; r++) {
    for (const batch of r % 2 ? [...sizes].reverse() : sizes) {
      const reqs = Array.from({ length: batch }, () => ({ image: chip }));
      const total = totals.get(batch)!;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < faces / batch; i++) {
        const t = performance.now();
        await analyser.describe(reqs);
        total.wall.push((performance.now() - t) / batch);
      }
      const cpu = process.cpuUsage(cpu0);
      total.cpu += (cpu.user + cpu.system) / 1000;
    }
  }
  const perFace = (b: number) => totals.get(b)!.cpu / (rounds * faces);
  for (const batch of sizes) {
    const wall = totals.get(batch)!.wall.sort((a, b) => a - b);
    const ratio = batch === 1 ? '' : `, ${pct(perFace(batch) / perFace(1))} of batch 1`;
    console.log(`  batch ${batch}: ${perFace(batch).toFixed(1)} ms CPU per face${ratio}, median ${wall[wall.length >> 1].toFixed(1)} ms per face (wall) (FaceRes, both orientations, 1 thread, ${rounds * faces} faces)`);
  }
}

async function worker(demographics: boolean): Promise<{ fps: number; crossings: number; estimated: number; cpu: string }> {
  const clip = path.join(data, 'MOT17-09', 'MOT17-09.mp4');
  const cli = path.join(root, 'bin', 'pcount-tui.js');
  const argv = [cli, 'worker', '--source', clip, '--line', '0.3,0,0.3,1', '--line', '0.5,0,0.5,1', '--line', '0.7,0,0.7,1'];
  if (demographics) argv.push('--demographics');
  const { stdout, stderr } = await run('bash', ['-c', `TIMEFORMAT='%U %S'; time node ${argv.map((a) => `'${a}'`).join(' ')}`], { maxBuffer: 1 << 26 });
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const done = events.find((e) => e.type === 'done')!;
  const final = new Map<number, Record<string, unknown>>();
  for (const e of events) if (e.type === 'crossing' || e.type === 'demographics') final.set(e.seq as number, e);
  const crossings = events.filter((e) => e.type === 'crossing').length;
  const estimated = [...final.values()].filter((e) => e.age !== null && e.age !== undefined).length;
  const [user, sys] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const summary = events.find((e) => e.type === 'log' && String(e.message).startsWith('demographics:'));
  const note = summary ? `; ${String(summary.message)}` : '';
  return { fps: done.avg_fps as number, crossings, estimated, cpu: `${(user + sys).toFixed(1)} s CPU (user ${user}, sys ${sys})${note}` };
}

/** Gender and age on the development chips: raw, cross-validated, shipped calibration, by gender and age band. */
async function accuracy(analyser: FaceAnalyser): Promise<void> {
  const cpu0 = process.cpuUsage();
  const chips = await chipsOf(analyser);
  const cpu = process.cpuUsage(cpu0);
  const crops = (zooms ?? [1]).map((z) => `${(ALIGNED_CROP * z).toFixed(2)} ×`).join(', ');
  console.log(`\n${chips.length} development chips (../shared/data/faces), FaceRes on ${crops} the chip, ${flip ? 'both orientations' : 'unflipped'}; fit withholds ≤ ${pct(fit.maxWithheld)}${fit.biasKnots.length ? `, gender offset over age (ridge ${fit.biasRidge})` : ''}; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
  console.log(line('raw (|p − 0.5| ≥ 0.05, expected age)', score(chips, chips.map(() => IDENTITY_CALIBRATION))));
  const cv = crossValidated(chips);
  const cvScores = cv.map(({ cals, order }) => score(order, cals));
  const mean = (k: keyof Score) => cvScores.reduce((s, x) => s + x[k], 0) / cvScores.length;
  console.log(line('calibrated, 10-fold CV (mean of 5)', { acc: mean('acc'), withheld: mean('withheld'), mae: mean('mae'), band: mean('band'), n: chips.length }));
  const candidatesFile = valueOf('--candidates');
  if (candidatesFile) candidateRows(chips, JSON.parse(readFileSync(candidatesFile, 'utf8')) as Record<string, { chips: CandidateRaw[]; msCpuPerChip: number }>);
  console.log(line('shipped calibration (in-sample)', score(chips, chips.map(() => CALIBRATION))));
  const { cals, order } = cv[0];
  console.log('\ncross-validated, by gender and age band (first shuffle):');
  for (const male of [true, false]) {
    const idx = order.map((_, i) => i).filter((i) => order[i].male === male);
    console.log(line(`  ${male ? 'male' : 'female'}`, score(idx.map((i) => order[i]), idx.map((i) => cals[i]))));
  }
  for (const band of AGE_BANDS) {
    const idx = order.map((_, i) => i).filter((i) => ageBand(order[i].age) === band);
    console.log(line(`  ${band}`, score(idx.map((i) => order[i]), idx.map((i) => cals[i]))));
  }
  if (args.has('--fit')) console.log(`\nfitted on all chips (src/faces/calibration.ts):\n${JSON.stringify(fitCalibration(chips, fit))}`);
}

async function main(): Promise<void> {
  if (args.has('--help')) {
    console.log('node dist/bench/demographics.js [--skip-worker] [--latency-only] [--fit] [--zooms Z,Z…] [--no-flip] [--max-withheld F] [--bias-ridge R] [--no-age-bias] [--candidates FILE]');
    return;
  }
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  const analyser = await FaceAnalyser.open({ threads: 1, flip, zooms });
  if (!args.has('--latency-only')) await accuracy(analyser);
  console.log('\nlatency per face:');
  const ffmpeg = await resolveFfmpeg({});
  const firstChip = readFileSync(path.join(data, 'faces', 'labels.csv'), 'utf8').split('\n')[1].split(',')[0];
  await latency(analyser, await decodeImage(ffmpeg, path.join(data, 'faces', firstChip)));
  await analyser.release();
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  if (args.has('--skip-worker') || args.has('--latency-only')) return;
  console.log('\nMOT17-09 (525 frames, 1920×1080), lines 0.3, 0.5 and 0.7:');
  for (const demographics of [false, true]) {
    const r = await worker(demographics);
    const share = demographics ? `, ${r.estimated} of ${r.crossings} crossings got an estimate (${pct(r.estimated / Math.max(1, r.crossings))})` : '';
    console.log(`  demographics ${demographics ? 'on ' : 'off'}: ${r.fps} fps, ${r.cpu}${share}; load ${loadavg()[0].toFixed(2)}`);
  }
}

await main();
