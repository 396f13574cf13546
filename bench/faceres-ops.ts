/**
 * `node dist/bench/faceres-ops.js [--runs 1,2,8,16] [--rounds 12]`: where FaceRes's time goes, and whether a bigger
 * onnxruntime batch makes an image cheaper. Two measurements, both with the analyser's session options (one thread):
 *   - CPU per image of whole runs at each run size, runs of all sizes interleaved, min and median over the rounds;
 *   - onnxruntime's profiler per node (min over the runs, per image), grouped as the network is (stem, depthwise and
 *     pointwise convs, head), with the arithmetic rate of the convs (GFLOP/s): a group near this core's peak cannot
 *     get cheaper by sharing weight reads across a batch;
 *   - that peak as onnxruntime reaches it: one large MatMul (1024 × 1024 by 1024 × 4096) on the same thread.
 * Run it under the timing lock; the figures are per image (a face is two: as it is and mirrored).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { FACERES_ONNX } from '../src/models/faces.js';
import { encodeModel } from '../src/models/onnx-proto.js';
import { resolveBuiltinModel } from '../src/models/registry.js';
import { createSession } from '../src/models/telemetry.js';
import { sessionOptions } from '../src/worker/detector.js';

const argv = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
};
const runs = (valueOf('--runs') ?? '1,2,8,16').split(',').map(Number);
const rounds = Number(valueOf('--rounds') ?? 12);
const { size, input } = FACERES_ONNX;
const plane = size * size * 3;

interface NodeEvent {
  cat: string;
  name: string;
  dur: number;
  args: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function feed(n: number): Record<string, ort.Tensor> {
  let s = 7;
  const data = Float32Array.from({ length: n * plane }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 255 - 120);
  return { [input]: new ort.Tensor('float32', data, [n, size, size, 3]) };
}

/** Multiply-adds × 2 of a Conv node from its profiled shapes (input [n,C,h,w], weight [K,C/g,kh,kw], output [n,K,H,W]). */
function convFlops(e: NodeEvent): number {
  const [, w] = (e.args.input_type_shape ?? []).map((o) => Object.values(o)[0]);
  const out = Object.values(e.args.output_type_shape?.[0] ?? {})[0];
  if (!w || !out) return 0;
  return 2 * out.reduce((a, b) => a * b, 1) * w.slice(1).reduce((a, b) => a * b, 1);
}

/** The network's parts, by node name (MobileNet v1 layer names kept by the converter). */
function groupOf(name: string, op: string): string {
  if (op !== 'Conv') return 'head and layout (transpose, pooling, dense)';
  if (name.startsWith('conv1')) return 'stem conv 3×3 (112×112)';
  const m = /conv_(dw|pw)_(\d+)/.exec(name);
  if (!m) return 'other conv';
  const layer = Number(m[2]);
  const res = layer <= 1 ? '112×112' : layer <= 3 ? '56×56' : layer <= 5 ? '28×28' : layer <= 11 ? '14×14' : '7×7';
  return `${m[1] === 'dw' ? 'depthwise 3×3' : 'pointwise 1×1'} at ${res}`;
}

async function wholeRuns(model: string): Promise<void> {
  const session = await createSession(model, sessionOptions(1));
  const feeds = runs.map(feed);
  for (const f of feeds) for (let i = 0; i < 2; i++) await session.run(f);
  const per = runs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, f] of feeds.entries()) {
      const c0 = cpuMs();
      await session.run(f);
      per[i].push((cpuMs() - c0) / runs[i]);
    }
  }
  await session.release();
  console.log('whole runs, ms CPU per image (min / median):');
  runs.forEach((n, i) => {
    const v = per[i].sort((a, b) => a - b);
    console.log(`  run of ${String(n).padStart(2)}: ${v[0].toFixed(2)} / ${v[v.length >> 1].toFixed(2)}`);
  });
}

async function profiled(model: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceres-ops-'));
  const groups = new Map<string, { ms: number[]; flops: number }>();
  try {
    for (const [k, n] of runs.entries()) {
      const session = await createSession(model, { ...sessionOptions(1), enableProfiling: true, profileFilePrefix: path.join(dir, `run${n}`) });
      const f = feed(n);
      const count = Math.max(6, Math.round(48 / n));
      for (let i = 0; i <= count; i++) await session.run(f);
      session.endProfiling();
      await session.release();
      const file = readdirSync(dir).find((x) => x.startsWith(`run${n}_`));
      if (!file) throw new Error('onnxruntime wrote no profile');
      const events = (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as NodeEvent[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
      const byNode = new Map<string, NodeEvent[]>();
      for (const e of events) byNode.set(e.name, [...(byNode.get(e.name) ?? []), e]);
      for (const [name, list] of byNode) {
        const g = groupOf(name, list[0].args.op_name ?? '');
        const entry = groups.get(g) ?? { ms: runs.map(() => 0), flops: 0 };
        // The first run of a session allocates; the least of the others is the kernel's own cost.
        entry.ms[k] += Math.min(...list.slice(1).map((e) => e.dur)) / 1000 / n;
        if (k === 0 && list[0].args.op_name === 'Conv') entry.flops += convFlops(list[0]) / runs[0];
        groups.set(g, entry);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nper node (onnxruntime profiler, least of the runs), ms per image at runs of ${runs.join(', ')}; GFLOP/s at the first:`);
  const total = runs.map(() => 0);
  for (const [g, { ms, flops }] of groups) {
    ms.forEach((v, i) => (total[i] += v));
    const rate = flops ? `  ${(flops / ms[0] / 1e6).toFixed(0).padStart(4)} GFLOP/s` : '';
    console.log(`  ${g.padEnd(44)} ${ms.map((v) => v.toFixed(3).padStart(6)).join(' ')}${rate}`);
  }
  console.log(`  ${'all kernels'.padEnd(44)} ${total.map((v) => v.toFixed(3).padStart(6)).join(' ')}`);
}

async function gemmPeak(): Promise<void> {
  const [m, k, n] = [1024, 1024, 4096];
  const model = encodeModel({
    opset: 14,
    producerVersion: 'bench',
    docString: '',
    metadata: {},
    graph: {
      name: 'peak',
      nodes: [{ name: 'mm', opType: 'MatMul', inputs: ['w', 'x'], outputs: ['y'], attrs: {} }],
      initializers: new Map([['w', { dtype: 'float32', shape: [m, k], data: new Float32Array(m * k).fill(0.001) }]]),
      inputs: [{ name: 'x', elemType: 'float32', dims: [k, n] }],
      outputs: [{ name: 'y', elemType: 'float32', dims: [m, n] }],
    },
  });
  const session = await createSession(model, sessionOptions(1));
  const x = { x: new ort.Tensor('float32', new Float32Array(k * n).fill(1), [k, n]) };
  await session.run(x);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const c0 = cpuMs();
    await session.run(x);
    best = Math.min(best, cpuMs() - c0);
  }
  await session.release();
  console.log(`\nreference: one MatMul ${m}×${k} by ${k}×${n} runs at ${((2 * m * k * n) / best / 1e6).toFixed(0)} GFLOP/s (least of 6)`);
}

console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const { path: model } = await resolveBuiltinModel('faceres');
await wholeRuns(model);
await profiled(model);
await gemmPeak();
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
