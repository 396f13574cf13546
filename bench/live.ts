/**
 * npm run bench:live N — N live cameras at once, the way an operator runs them: N local ffmpeg servers each play a
 * looped 25 fps 768×576 H.264 stream made from vtest.avi over HTTP/MPEG-TS (one client each), and one headless
 * `pcount-tui run` counts them all (worker_count N, skip_frames 5, the default line) for 60 s. Prints per camera
 * the processed frames per second, dropped frames per second and detections per second over the steady part of the
 * run (after a warm-up), and the CPU time and peak RSS of the whole run (the pcount-tui process tree: parent,
 * workers and their ffmpeg readers; the servers, which stand in for cameras, are not counted), with the load average.
 *
 *   npm run bench:live -- 8 [--seconds 60 --warmup 15 --skip 5]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgressEvent, WorkerEvent } from '../src/protocol/events.js';
import { LineSplitter } from '../src/protocol/ndjson.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { listening, serve } from '../test/live-stream.js';
import { descendants } from '../test/real-clips.js';
import { freePort } from '../test/worker-harness.js';
import { DATA, liveStreamFile } from './clips.js';
import { args, argOf } from './bench-args.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cameras = Number(args.find((a) => /^\d+$/.test(a)) ?? 8);
const seconds = Number(argOf('--seconds') ?? 60);
const warmup = Number(argOf('--warmup') ?? 15);
const skip = Number(argOf('--skip') ?? 5);
const TICKS = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux)

/**
 * vtest.avi re-timed to 25 fps and encoded as H.264 in MPEG-TS, once, in a cache folder. The file holds the clip four
 * times (127 s): the server's `-re -stream_loop` loses about a second at each seam, which would otherwise fall inside
 * the measured part and lower every camera's rate below 25 frames a second whatever the workers do.
 */
function makeStream(ffmpeg: string): string {
  const file = liveStreamFile();
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial.ts`;
  const made = spawnSync(ffmpeg, ['-v', 'error', '-y', '-stream_loop', '3', '-i', path.join(DATA, 'vtest.avi'), '-vf', 'settb=1/25,setpts=N', '-r', '25', '-c:v', 'libx264',
    '-preset', 'veryfast', '-crf', '20', '-g', '50', '-pix_fmt', 'yuv420p', '-an', '-f', 'mpegts', partial]);
  if (made.status !== 0) throw new Error(`cannot make the stream: ${String(made.stderr)}`);
  renameSync(partial, file);
  return file;
}

/** Which part of the pcount-tui tree a process is: the run's parent, a worker (Node), or a worker's ffmpeg reader. */
type Role = 'parent' | 'workers' | 'ffmpeg';

/** CPU seconds (user + system) and resident MB of one process, or null once it is gone. */
function usage(pid: number): { cpu: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu: (Number(f[11]) + Number(f[12])) / TICKS, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const ffmpeg = (await resolveFfmpeg()).path;
  const stream = makeStream(ffmpeg);
  const ports: number[] = [];
  const servers: ChildProcess[] = [];
  process.on('exit', () => servers.forEach((s) => s.kill('SIGKILL')));
  for (let i = 0; i < cameras; i++) {
    const port = await freePort();
    ports.push(port);
    servers.push(serve(ffmpeg, stream, port));
  }
  await Promise.all(ports.map((p) => listening(p, 10_000)));

  const loadStart = loadavg();
  const sources = ports.flatMap((p) => ['--source', `http://127.0.0.1:${p}/x`]);
  // A store of its own: the default one (in the working folder) would carry counts over between runs whose servers
  // happened to get the same ports.
  const storeDir = mkdtempSync(path.join(tmpdir(), 'pcount-bench-live-'));
  process.on('exit', () => rmSync(storeDir, { recursive: true, force: true }));
  const run = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'run', '--no-tui', '--worker-count', String(cameras), '--skip-frames',
    String(skip), '--line', '0.5,0,0.5,1,line', '--db', path.join(storeDir, 'pcount.db'), ...sources], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI: '1' } });
  const started = performance.now();
  const progress = new Map<string, { at: number; e: ProgressEvent }[]>();
  const splitter = new LineSplitter();
  run.stdout.on('data', (c: Buffer) => {
    for (const line of splitter.push(c)) {
      const e = JSON.parse(line) as WorkerEvent | { type: 'summary' };
      if (e.type === 'progress') {
        const list = progress.get(e.task) ?? [];
        list.push({ at: (performance.now() - started) / 1000, e });
        progress.set(e.task, list);
      } else if (e.type === 'error') process.stderr.write(`${e.task}: ${e.code} ${e.message}\n`);
    }
  });

  // The whole tree's CPU and memory, sampled every second (a process's CPU time is kept from its last sample).
  const cpuOf = new Map<number, number>();
  const roleOf = new Map<number, Role>([[run.pid!, 'parent']]);
  const cpuOfRole = (role: Role) => [...cpuOf].filter(([pid]) => roleOf.get(pid) === role).reduce((s, [, v]) => s + v, 0);
  let peakRss = 0;
  const sample = () => {
    let rss = 0;
    const tree = descendants(run.pid!);
    for (const d of tree) if (!roleOf.has(d.pid)) roleOf.set(d.pid, /ffmpeg/.test(d.argv[0] ?? '') ? 'ffmpeg' : 'workers');
    for (const pid of [run.pid!, ...tree.map((d) => d.pid)]) {
      const u = usage(pid);
      if (!u) continue;
      cpuOf.set(pid, u.cpu);
      rss += u.rssMb;
    }
    peakRss = Math.max(peakRss, rss);
  };
  const sampler = setInterval(sample, 1000);
  // CPU by role at the end of the warm-up: the steady part's CPU per pass leaves out start-up (model loading).
  let atWarmup = new Map<Role, number>();
  const warmupTimer = setTimeout(() => {
    sample();
    atWarmup = new Map((['parent', 'workers', 'ffmpeg'] as const).map((r) => [r, cpuOfRole(r)]));
  }, warmup * 1000);
  const exited = new Promise<void>((resolve) => run.on('close', () => resolve()));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  sample();
  const loadEnd = loadavg();
  const wall = (performance.now() - started) / 1000;
  run.kill('SIGINT');
  await exited;
  clearInterval(sampler);
  clearTimeout(warmupTimer);
  servers.forEach((s) => s.kill('SIGKILL'));

  const rows: string[] = [];
  let worst = Infinity;
  let worstDrop = 0;
  for (const [task, list] of [...progress.entries()].sort()) {
    const steady = list.filter((p) => p.at >= warmup);
    const a = steady[0];
    const b = steady.at(-1);
    if (!a || !b || b.at - a.at < 5) {
      rows.push(`| ${task} | – | – | – | too few progress events after the warm-up |`);
      worst = 0;
      continue;
    }
    const span = b.at - a.at;
    const fps = steady.slice(1).reduce((s, p) => s + p.e.fps, 0) / Math.max(1, steady.length - 1);
    const arriving = (b.e.frame - a.e.frame) / span;
    const dropped = (b.e.dropped - a.e.dropped) / span;
    const dets = ((b.e.detections ?? 0) - (a.e.detections ?? 0)) / span;
    worst = Math.min(worst, fps);
    worstDrop = Math.max(worstDrop, dropped);
    rows.push(`| ${task} | ${fps.toFixed(1)} | ${dropped.toFixed(2)} | ${dets.toFixed(1)} | ${arriving.toFixed(1)} |`);
  }
  const cpu = [...cpuOf.values()].reduce((s, v) => s + v, 0);
  const split = (['parent', 'workers', 'ffmpeg'] as const).map((role) => `${role} ${((100 * cpuOfRole(role)) / wall).toFixed(0)} %`);
  // CPU per detection pass is less sensitive to the machine's other load than frames per second: it tells what a
  // camera costs, where fps only tells whether this machine, as loaded, kept up.
  const passes = [...progress.values()].reduce((s, list) => {
    const steady = list.filter((p) => p.at >= warmup);
    const [a, b] = [steady[0]?.e, steady.at(-1)?.e];
    return s + (a && b ? (b.frame - b.dropped - (a.frame - a.dropped)) / skip : 0);
  }, 0);
  const steadyCpu = (role: Role) => cpuOfRole(role) - (atWarmup.get(role) ?? 0);
  console.log(`bench:live ${cameras} cameras (768x576 H.264 at 25 fps over HTTP/MPEG-TS), --skip-frames ${skip}, ${seconds} s, steady part after ${warmup} s`);
  console.log(`load average: start ${loadStart.map((v) => v.toFixed(2)).join(' ')}, end ${loadEnd.map((v) => v.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  console.log('\n| camera | processed fps | dropped frames/s | detections/s | frames arriving/s |\n| --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
  console.log(
    `\nwhole run: CPU ${cpu.toFixed(1)} s in ${wall.toFixed(1)} s wall = ${((100 * cpu) / wall).toFixed(0)} % of one core ` +
      `(${((100 * cpu) / wall / cpus().length).toFixed(0)} % of the machine: ${split.join(', ')} of one core); peak RSS ${peakRss.toFixed(0)} MB`,
  );
  if (passes > 0) {
    const per = (role: Role) => `${((1000 * steadyCpu(role)) / passes).toFixed(1)} ms`;
    console.log(`CPU per detection pass in the steady part (${passes.toFixed(0)} passes): workers ${per('workers')} (main thread, detector thread, GC), ffmpeg ${per('ffmpeg')}`);
  }
  console.log(`slowest camera ${worst.toFixed(2)} fps, most drops ${worstDrop.toFixed(2)}/s: ${worst >= 24.5 && worstDrop <= 1 ? 'keeps up' : 'does not keep up'} (target ≥ 24.5 fps, ≤ 1 dropped/s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:live: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
