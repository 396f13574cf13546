/**
 * npm run bench:preview — what the live picture costs.
 *
 *   worker   the real worker CLI on vtest.avi, runs interleaved round by round: `off` (never asked), `on` (a 100×60
 *            picture every 500 ms, what a 100×30 preview pane asks for) and `on→off` (asked, then told to stop at
 *            once: the path a closed preview leaves). Each run's done.avg_fps (start-up excluded) and the CPU time of
 *            the worker and its ffmpeg (GNU time), per 1000 frames; medians over the rounds. Then what one picture
 *            costs the worker's main thread (shrink, base64, the event), timed alone on a real frame.
 *   parent   redrawing a 100×30 preview from a real picture: the renderer alone (canvas + terminal lines, each colour
 *            mode), and the whole dashboard (React in production mode, as `run` loads it, + Ink layout + output to a
 *            terminal) per new picture, as CPU time of this process.
 *
 * The machine is shared: the load average is printed before and after, and CPU times next to the rates.
 *
 *   npm run bench:preview [-- --rounds 3 --source path/to/video --only worker|parent]
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { DoneEvent, PreviewEvent, WorkerEvent } from '../src/protocol/events.js';
import { FakePool, fakeTask } from '../src/tui/dev/fake-pool.js';
import { encodeCanvas, type ColourMode } from '../src/tui/preview/halfblock.js';
import { decodePicture, sceneFor } from '../src/tui/preview/preview-scene.js';
import { buildCanvas } from '../src/tui/preview/scene.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { probeSource } from '../src/worker/ffmpeg-probe.js';
import { PreviewTap } from '../src/worker/preview.js';
import { argOf } from './bench-args.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shared = path.resolve(root, '../shared/data/vtest.avi');
const source = argOf('--source') ?? (existsSync(shared) ? shared : path.join(root, 'test/fixtures/footage/vtest-480.avi'));
const rounds = Number(argOf('--rounds') ?? 3);
const only = argOf('--only');
const PANE = { cols: 100, rows: 30 };
const LINE = '0.5,0,0.5,1,door';

type Variant = 'off' | 'on' | 'on→off';
const VARIANTS: Variant[] = ['off', 'on', 'on→off'];

interface Run {
  fps: number;
  frames: number;
  cpuSeconds: number;
  previews: number;
  lastPreview: PreviewEvent | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** One worker run under GNU time, which reports the user + system CPU of the worker and the ffmpeg it waited for. */
function workerRun(variant: Variant, extra: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', source, '--line', LINE, ...extra], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const events: WorkerEvent[] = [];
    const splitter = new LineSplitter();
    let stderr = '';
    let lastPreview: PreviewEvent | null = null;
    let previews = 0;
    child.stdout.on('data', (c: Buffer) =>
      splitter.push(c).forEach((l) => {
        const e = JSON.parse(l) as WorkerEvent;
        if (e.type === 'preview') {
          previews++;
          lastPreview = e;
        } else events.push(e);
      }),
    );
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const picture = { cmd: 'preview', on: true, width: PANE.cols, height: PANE.rows * 2, interval_ms: 500 };
    if (variant !== 'off') child.stdin.write(`${JSON.stringify(picture)}\n`);
    if (variant === 'on→off') child.stdin.write('{"cmd":"preview","on":false}\n');
    child.on('close', (code) => {
      const done = events.find((e): e is DoneEvent => e.type === 'done');
      const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !done || !cpu) return reject(new Error(`worker (${variant}) exited ${code}: ${stderr.slice(-500)}`));
      resolve({ fps: done.avg_fps, frames: done.frames, cpuSeconds: Number(cpu[1]) + Number(cpu[2]), previews, lastPreview });
    });
  });
}

/** A terminal for Ink without a terminal: a TTY of the given size that keeps what is written. */
class Terminal extends EventEmitter {
  readonly isTTY = true;
  written = 0;
  writes = 0;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.written += chunk.length;
    this.writes += 1;
    this.emit('wrote');
    return true;
  }
}

/** Keys for Ink as a TTY in raw mode delivers them: `readable`, then `read()`. */
class Keyboard extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];
  type(keys: string): void {
    this.queue.push(keys);
    this.emit('readable');
  }
  setRawMode() {
    return this;
  }
  setEncoding() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  read() {
    return this.queue.shift() ?? null;
  }
}

function rendererMs(ev: PreviewEvent, mode: ColourMode): number {
  const picture = decodePicture(ev);
  const task = fakeTask('lawn', { lineSpecs: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], lines: [{ name: 'door', in: 3, out: 2 }] });
  const once = () => encodeCanvas(buildCanvas(sceneFor(task, ev, picture, null), PANE.cols, PANE.rows, true), mode, true);
  for (let i = 0; i < 20; i++) once();
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** CPU of this process per dashboard redraw caused by a new picture, the picture area being 100×30 cells. */
async function dashboardMs(ev: PreviewEvent, mode: ColourMode): Promise<{ cpuMs: number; bytes: number }> {
  // As `pcount-tui run` loads the dashboard: React's production build.
  process.env.NODE_ENV ??= 'production';
  const { renderDashboard } = await import('../src/tui/render.js');
  const pool = new FakePool([fakeTask('lawn', { state: 'processing', lineSpecs: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], lines: [{ name: 'door', in: 3, out: 2 }] })], 1);
  // Header 2, table header and 1 row, preview title, 30 picture rows, footer 1, and Ink's spare last row.
  const terminal = new Terminal(PANE.cols, PANE.rows + 7);
  const keyboard = new Keyboard();
  const exited = renderDashboard(pool, {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: keyboard as unknown as NodeJS.ReadStream,
    alternateScreen: false,
    refreshMs: 0,
    colourMode: mode,
    preferences: { preview: true },
  });
  const settle = () => new Promise((r) => setTimeout(r, 60));
  await settle();
  const picture = (frame: number): PreviewEvent => ({ ...ev, task: 'lawn', frame, ts: Date.now() });
  for (let i = 0; i < 10; i++) {
    pool.showPicture(picture(i + 1));
    await settle();
  }
  const n = 60;
  const bytes0 = terminal.written;
  let cpu = 0;
  for (let i = 0; i < n; i++) {
    const before = process.cpuUsage();
    const wrote = new Promise((r) => terminal.once('wrote', r));
    pool.showPicture(picture(100 + i));
    await wrote;
    // Whatever React and Ink still do after the write belongs to this redraw too.
    await new Promise((r) => setImmediate(r));
    const used = process.cpuUsage(before);
    cpu += (used.user + used.system) / 1000;
    await settle();
  }
  keyboard.type('\u0003');
  await exited;
  return { cpuMs: cpu / n, bytes: (terminal.written - bytes0) / n };
}

async function main(): Promise<void> {
  console.log(`bench:preview on ${path.relative(process.cwd(), source)}, ${rounds} rounds; load average before: ${loadavg()}`);
  const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
  if (only !== 'parent') await workerBench(runs);
  const ev = runs.get('on')!.find((x) => x.lastPreview)?.lastPreview ?? (await workerRun('on', ['--max-frames', '40'])).lastPreview;
  if (only !== 'worker') await parentBench(ev);
  console.log(`\nload average after: ${loadavg()} (2 cores, shared machine: rates are indicative, CPU times less load-sensitive)`);
}

async function workerBench(runs: Map<Variant, Run[]>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const v of VARIANTS) {
      const run = await workerRun(v);
      runs.get(v)!.push(run);
      console.log(`  round ${r + 1} ${v.padEnd(6)} ${run.fps.toFixed(1)} fps, ${((run.cpuSeconds / run.frames) * 1000).toFixed(1)} CPU s/1000 frames, ${run.previews} pictures`);
    }
  }
  const base = median(runs.get('off')!.map((x) => x.fps));
  const baseCpu = median(runs.get('off')!.map((x) => (x.cpuSeconds / x.frames) * 1000));
  console.log('\nworker                 fps (median)   vs off   CPU s/1000 frames   vs off   pictures');
  for (const v of VARIANTS) {
    const rs = runs.get(v)!;
    const fps = median(rs.map((x) => x.fps));
    const cpu = median(rs.map((x) => (x.cpuSeconds / x.frames) * 1000));
    const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
    console.log(
      `  preview ${v.padEnd(8)} ${fps.toFixed(1).padStart(12)}   ${pct(fps, base).padStart(7)}   ${cpu.toFixed(1).padStart(17)}   ${pct(cpu, baseCpu).padStart(7)}   ${median(rs.map((x) => x.previews))}`,
    );
  }
  console.log('  target: preview on → fps drops ≤ 5 %; off → unchanged');
  const ms = await pictureMs();
  console.log(`  one picture alone: ${ms.toFixed(2)} ms of the worker's main thread (median of 200), ${((ms * 2) / 10).toFixed(2)} % of a core at 2 a second`);
}

/** A picture from a real frame as the worker has it (yuv420p at the source's size, as the crop planner reads it), timed alone. */
async function pictureMs(): Promise<number> {
  const ffmpeg = await resolveFfmpeg({});
  const info = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source });
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: source, output: { kind: 'native', maxSide: Math.max(info.width, info.height) }, maxFrames: 1 });
  const raw = await reader.next();
  reader.close();
  if (!raw) throw new Error('no frame');
  const frame = { number: 1, pts: 0, detect: true, data: raw.data, width: raw.width, height: raw.height };
  const tap = new PreviewTap();
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    tap.set({ cmd: 'preview', on: true, width: PANE.cols, height: PANE.rows * 2 });
    const t0 = performance.now();
    const body = tap.offer(frame, 0, { width: info.width, height: info.height }, () => [{ id: 1, box: [10, 20, 30, 90] }], () => [{ name: 'door', points: [0.5, 0, 0.5, 1], in: 1, out: 2 }]);
    JSON.stringify(body);
    if (i >= 20) times.push(performance.now() - t0);
  }
  return median(times);
}

async function parentBench(ev: PreviewEvent | null): Promise<void> {
  if (!ev) throw new Error('no picture from the worker');
  console.log(`\nparent: a ${PANE.cols}×${PANE.rows} preview of a ${ev.width}×${ev.height} picture`);
  for (const mode of ['256', 'truecolor', 'none'] as ColourMode[]) console.log(`  renderer alone, ${mode.padEnd(9)} ${rendererMs(ev, mode).toFixed(2)} ms (median of 200)`);
  for (const mode of ['256', 'truecolor'] as ColourMode[]) {
    const d = await dashboardMs(ev, mode);
    console.log(`  whole dashboard redraw, ${mode.padEnd(9)} ${d.cpuMs.toFixed(1)} ms CPU per new picture, ${(d.bytes / 1024).toFixed(0)} KB to the terminal`);
  }
  console.log('  target: a redraw of a 100×30 preview < 20 ms');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
