/** Runs the real `pcount-tui worker` CLI on a clip and collects what bench:count scores. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MotRow } from '../src/metrics/gt.js';
import type { CrossingEvent, DoneEvent, HelloEvent, WorkerEvent } from '../src/protocol/events.js';
import { LineSplitter } from '../src/protocol/ndjson.js';
import type { LineSpec } from '../src/vision/types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerRun {
  hello: HelloEvent;
  done: DoneEvent;
  crossings: CrossingEvent[];
  /** Confirmed tracks of every frame, as MOT rows. */
  tracks: MotRow[];
  /** Wall-clock seconds of the run. */
  seconds: number;
}

export function runWorker(video: string, lines: readonly LineSpec[], skip: number, extraArgs: readonly string[]): Promise<WorkerRun> {
  const lineArgs = lines.flatMap((l) => ['--line', `${l.points.join(',')},${l.name}`]);
  const args = [path.join(root, 'bin/pcount-tui.js'), 'worker', '--source', video, '--skip-frames', String(skip), '--emit-tracks',
    '--log-level', 'warn', ...lineArgs, ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = performance.now();
  const splitter = new LineSplitter();
  const crossings: CrossingEvent[] = [];
  const tracks: MotRow[] = [];
  let done: DoneEvent | null = null;
  let hello: HelloEvent | null = null;
  const onLine = (text: string) => {
    const e = JSON.parse(text) as WorkerEvent;
    if (e.type === 'tracks') for (const t of e.tracks) tracks.push({ frame: e.frame, id: t.id, box: t.box, conf: 1 });
    else if (e.type === 'crossing') crossings.push(e);
    else if (e.type === 'done') done = e;
    else if (e.type === 'hello') hello = e;
    else if (e.type === 'error') process.stderr.write(`worker error ${e.code}: ${e.message}\n`);
  };
  child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      splitter.end().forEach(onLine);
      if (code !== 0 || !done || !hello) reject(new Error(`worker on ${video} --skip-frames ${skip} exited ${code}`));
      else resolve({ hello, done, crossings, tracks, seconds: (performance.now() - started) / 1000 });
    });
  });
}
