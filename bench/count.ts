/**
 * npm run bench:count — counting and tracking quality of the real worker on vtest.avi.
 *
 * For --skip-frames 1, 2, 5 and 10 the real CLI child (`pcount-tui worker --emit-tracks`) runs on the whole clip with
 * three lines at once: the main line 0.5,0,0.5,1 (ground truth 18 in, 13 out, ../shared/data/README.md), a horizontal
 * and a diagonal one. Counts of the other lines are compared with what the same LineCounter finds on the gt.txt
 * boxes. MOTA and IDF1 come from the worker's confirmed tracks (one `tracks` event per frame) against gt.txt.
 *
 *   npm run bench:count [-- --skip 1,2 --source path]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMotFile, type MotRow } from '../src/metrics/gt.js';
import { evaluateMot } from '../src/metrics/mot.js';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { DoneEvent, HelloEvent, WorkerEvent } from '../src/protocol/events.js';
import { LineCounter, type LineCount } from '../src/vision/line-counter.js';
import type { LineSpec } from '../src/vision/types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const data = path.resolve(root, '../shared/data');
const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const source = argOf('--source') ?? path.join(data, 'vtest.avi');
const gtFile = path.join(data, 'PETS09-S2L1', 'gt.txt');
const skips = (argOf('--skip') ?? '1,2,5,10').split(',').map(Number);

const LINES: LineSpec[] = [
  { name: 'main', points: [0.5, 0, 0.5, 1] },
  { name: 'horizontal', points: [0, 0.5, 1, 0.5] },
  { name: 'diagonal', points: [0, 0, 1, 1] },
];
const MAIN_TRUTH = { in: 18, out: 13 };

interface Run {
  done: DoneEvent;
  hello: HelloEvent;
  hyp: MotRow[];
  seconds: number;
}

function runWorker(skip: number): Promise<Run> {
  const lineArgs = LINES.flatMap((l) => ['--line', `${l.points.join(',')},${l.name}`]);
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--skip-frames', String(skip), '--emit-tracks', ...lineArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const started = performance.now();
  const splitter = new LineSplitter();
  const hyp: MotRow[] = [];
  let done: DoneEvent | null = null;
  let hello: HelloEvent | null = null;
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'tracks') for (const t of e.tracks) hyp.push({ frame: e.frame, id: t.id, box: t.box, conf: 1 });
    else if (e.type === 'done') done = e;
    else if (e.type === 'hello') hello = e;
    else if (e.type === 'error') process.stderr.write(`worker error ${e.code}: ${e.message}\n`);
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      splitter.end().forEach(onLine);
      if (code !== 0 || !done || !hello) reject(new Error(`worker --skip-frames ${skip} exited ${code}`));
      else resolve({ done, hello, hyp, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Counts of the annotated people on each line, by the counter the worker uses. */
function truthCounts(gt: readonly MotRow[], width: number, height: number): LineCount[] {
  const counter = new LineCounter(LINES, { width, height });
  const byFrame = new Map<number, MotRow[]>();
  for (const r of gt) byFrame.set(r.frame, [...(byFrame.get(r.frame) ?? []), r]);
  const last = Math.max(...byFrame.keys());
  for (let f = 1; f <= last; f++) {
    counter.update((byFrame.get(f) ?? []).map((r) => ({ id: r.id, box: r.box, confirmed: true })), f, f);
  }
  return counter.counts();
}

const countError = (got: { in: number; out: number }, truth: { in: number; out: number }) =>
  (Math.abs(got.in - truth.in) + Math.abs(got.out - truth.out)) / (truth.in + truth.out);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const gt = readMotFile(gtFile);
  const truth = truthCounts(gt, 768, 576);
  const main = truth.find((l) => l.name === 'main')!;
  if (main.in !== MAIN_TRUTH.in || main.out !== MAIN_TRUTH.out) {
    throw new Error(`gt.txt gives ${main.in}/${main.out} on the main line, README says ${MAIN_TRUTH.in}/${MAIN_TRUTH.out}`);
  }
  console.log(`source ${source}; ground truth: ${truth.map((l) => `${l.name} ${l.in} in / ${l.out} out`).join(', ')}`);
  console.log('skip | main in/out | count err | MOTA  | IDF1  | IDSW | horizontal err | diagonal err | frames | worker fps');
  for (const skip of skips) {
    const r = await runWorker(skip);
    const m = evaluateMot(gt, r.hyp);
    const got = new Map(r.done.lines.map((l) => [l.name, l]));
    const err = (name: string) => countError(got.get(name)!, truth.find((l) => l.name === name)!);
    const g = got.get('main')!;
    const other = (name: string) => `${got.get(name)!.in}/${got.get(name)!.out} ${pct(err(name))}`;
    console.log(
      [
        String(skip).padStart(4),
        `${g.in}/${g.out}`.padStart(11),
        pct(err('main')).padStart(9),
        m.mota.toFixed(3),
        m.idf1.toFixed(3),
        String(m.idsw).padStart(4),
        other('horizontal').padStart(14),
        other('diagonal').padStart(12),
        String(r.done.frames).padStart(6),
        r.done.avg_fps.toFixed(1).padStart(10),
      ].join(' | '),
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:count: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
