/** A `pcount-tui worker` run for bench:resume: its events, in order; rejects when it exits with another status than 0. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';

export type Ev = Record<string, any>;

const root = fileURLToPath(new URL('../../', import.meta.url));

export function runWorkerEvents(workerArgs: string[]): Promise<Ev[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/pcount-tui.js'), 'worker', ...workerArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    const events: Ev[] = [];
    const splitter = new LineSplitter();
    child.stdout.on('data', (c: Buffer) => splitter.push(c).forEach((l) => events.push(JSON.parse(l) as Ev)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(events) : reject(new Error(`worker ${workerArgs.join(' ')} exited ${code}`))));
  });
}
