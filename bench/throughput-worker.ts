/**
 * bench:throughput's runs of the real worker CLI (see throughput.ts): the plan of every pass (untimed), and the timed
 * end-to-end run with its peak memory and CPU.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { CropsInfo, DoneEvent, WorkerEvent } from '../src/protocol/events.js';
import type { Tile } from '../src/vision/crop-plan.js';
import { WINDOW_MS } from './throughput-model.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(root, 'bin/pcount-tui.js');

/** Peak resident memory (kB) of a process and of its children, sampled until it exits. */
function readHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) of a process so far, ms; 0 once it is gone. */
function readCpuMs(pid: number): number {
  try {
    // The fields after the command name's closing parenthesis: utime and stime are the 12th and 13th, in ticks of 10 ms.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The plan of every detection pass the worker makes on this source at this skip, from an untimed run with
 * `--emit-tracks` (one tracks event a frame, in order). The crops event of a new plan comes while frame N is counted,
 * after frame N+1 was read (and sent to the detector with the old plan, if it is a detection frame): the new one
 * runs from frame N+2. Tiles come in source pixels, rounded; they are put back into the pixels of the frames the
 * worker reads (`frame`), as the planner made them.
 */
export async function planSchedule(source: string, skip: number, frame: { width: number; height: number }, info: { width: number }): Promise<Tile[][]> {
  const f = info.width / frame.width;
  const child = spawn(process.execPath, [cli, 'worker', '--source', source, '--skip-frames', String(skip), '--emit-tracks'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const toTiles = (c: CropsInfo): Tile[] =>
    c.tiles.map((t) => {
      const x = Math.max(0, t.x / f);
      const y = Math.max(0, t.y / f);
      const w = Math.min(frame.width - x, t.w / f);
      const h = Math.min(frame.height - y, t.h / f);
      const scale = t.scale * f;
      const scaled = (length: number, input: number) => Math.min(input, Math.max(1, Math.round(length * scale)));
      return { x, y, w, h, inputWidth: t.input_width, inputHeight: t.input_height, scaledWidth: scaled(w, t.input_width), scaledHeight: scaled(h, t.input_height) };
    });
  const passes: Tile[][] = [];
  let current: Tile[] = [];
  let next: { tiles: Tile[]; from: number } | null = null;
  let lastFrame = 0;
  const splitter = new LineSplitter();
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'hello') current = toTiles(e.crops);
    if (e.type === 'crops') {
      const tiles = toTiles(e);
      // The first plan (hello), or one made for a new frame size, is in force from the frame read next; one made
      // while frame N is counted (the one after the last tracks event), from frame N+2.
      if (e.reason === 'frame size') current = tiles;
      else next = { tiles, from: lastFrame + 3 };
    }
    if (e.type === 'tracks') {
      lastFrame = e.frame;
      if (next && e.frame >= next.from) {
        current = next.tiles;
        next = null;
      }
      // ffmpeg passes frames 1, 1 + skip, 1 + 2·skip…: the detection passes; the tracker only predicts the others.
      if ((e.frame - 1) % skip === 0) passes.push(current);
    }
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      splitter.end().forEach(onLine);
      if (code !== 0 || passes.length === 0) reject(new Error(`worker --skip-frames ${skip} --emit-tracks exited ${code}`));
      else resolve(passes);
    });
  });
}

/** Highest frame rate over any stretch of at least `WINDOW_MS` between two progress events. */
function bestWindow(progress: { frame: number; ts: number }[]): number {
  let best = 0;
  for (let i = 0; i < progress.length; i++) {
    for (let j = i + 1; j < progress.length; j++) {
      const ms = progress[j].ts - progress[i].ts;
      if (ms < WINDOW_MS) continue;
      best = Math.max(best, ((progress[j].frame - progress[i].frame) / ms) * 1000);
      break;
    }
  }
  return best;
}

export interface EndToEnd {
  done: DoneEvent;
  best: number;
  /**
   * Frames a second from the first progress event (a second in) to the end: the run without its start, whose first
   * passes on each session are slow (onnxruntime prepares a new input shape on its first runs), as the model-only
   * rigs are warmed up before they are timed. At high skips the run is shorter than a window, so `best` keeps them.
   */
  steady: number;
  rssMb: number;
  ffmpegRssMb: number;
  /** CPU a source frame from the first progress event to the last (start-up left out): the worker process, its ffmpeg. */
  workerCpu: number;
  ffmpegCpu: number;
}

export function endToEnd(source: string, skip: number): Promise<EndToEnd> {
  const child = spawn(process.execPath, [cli, 'worker', '--source', source, '--skip-frames', String(skip)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let hwm = 0;
  let ffmpegHwm = 0;
  // ffmpeg exits before the worker's last frames are counted: its CPU is the last value sampled.
  let ffmpegCpu = 0;
  const sampler = setInterval(() => {
    hwm = Math.max(hwm, readHwm(child.pid!));
    const cpu = childrenOf(child.pid!).reduce((sum, c) => {
      ffmpegHwm = Math.max(ffmpegHwm, readHwm(c));
      return sum + readCpuMs(c);
    }, 0);
    if (cpu > 0) ffmpegCpu = cpu;
  }, 100);
  let from: { frame: number; worker: number; ffmpeg: number } | null = null;
  let to: { frame: number; worker: number } | null = null;
  const splitter = new LineSplitter();
  let done: DoneEvent | null = null;
  let doneTs = 0;
  const progress: { frame: number; ts: number }[] = [];
  const onLine = (line: string) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.type === 'progress') {
      progress.push({ frame: e.frame, ts: e.ts });
      from ??= { frame: e.frame, worker: readCpuMs(child.pid!), ffmpeg: childrenOf(child.pid!).reduce((sum, c) => sum + readCpuMs(c), 0) };
      to = { frame: e.frame, worker: readCpuMs(child.pid!) };
    }
    if (e.type === 'done') {
      done = e;
      doneTs = e.ts;
      // VmHWM is a high-water mark: the value just before exit is the peak.
      hwm = Math.max(hwm, readHwm(child.pid!));
    }
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      splitter.end().forEach(onLine);
      if (code !== 0 || !done) reject(new Error(`worker --skip-frames ${skip} exited ${code}`));
      // A run shorter than one window (high skip values) is its own best window.
      else {
        const frames = from && to ? to.frame - from.frame : 0;
        resolve({
          done,
          best: bestWindow(progress) || done.avg_fps,
          steady: progress.length > 0 && doneTs > progress[0].ts ? ((done.frames - progress[0].frame) / (doneTs - progress[0].ts)) * 1000 : NaN,
          rssMb: hwm / 1024,
          ffmpegRssMb: ffmpegHwm / 1024,
          workerCpu: frames > 0 ? (to!.worker - from!.worker) / frames : NaN,
          ffmpegCpu: frames > 0 ? (ffmpegCpu - from!.ffmpeg) / frames : NaN,
        });
      }
    });
  });
}
