import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../src/protocol/ndjson.js';

/** `pcount-tui run` as a real process, with its NDJSON read as it comes (for kill tests). */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = path.join(repoRoot, 'bin/pcount-tui.js');
export const vtest480 = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');

export interface RunProcess {
  child: ChildProcess;
  events: Record<string, any>[];
  stderr(): string;
  /** Resolves once `pred` holds for the events so far; rejects after `ms` (naming `what`). */
  until(pred: (events: Record<string, any>[]) => boolean, ms: number, what: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `prefix` runs the command through another (e.g. a shell that sets a limit first). */
export function startRun(args: string[], env: Record<string, string> = {}, opts: { uid?: number; gid?: number } = {}, prefix: string[] = []): RunProcess {
  const command = [...prefix, process.execPath, binPath, 'run', ...args, '--no-tui'];
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, PCOUNT_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'pcount-prefs-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...opts,
  });
  const events: Record<string, any>[] = [];
  let stderr = '';
  const waiters: { pred: (e: Record<string, any>[]) => boolean; resolve: () => void }[] = [];
  const splitter = new LineSplitter();
  const onLine = (line: string) => {
    try {
      events.push(JSON.parse(line) as Record<string, any>);
    } catch {
      events.push({ type: 'not-json', line });
    }
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].pred(events)) waiters.splice(i, 1)[0].resolve();
  };
  child.stdout!.on('data', (c: Buffer) => splitter.push(c).forEach(onLine));
  child.stdout!.on('end', () => splitter.end().forEach(onLine));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    events,
    stderr: () => stderr,
    exited,
    until(pred, ms, what) {
      if (pred(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; stderr: ${stderr}`)), ms);
        const stop = () => reject(new Error(`the run exited while waiting for ${what}; stderr: ${stderr}`));
        child.once('close', stop);
        waiters.push({
          pred,
          resolve: () => {
            clearTimeout(timer);
            child.off('close', stop);
            resolve();
          },
        });
      });
    },
  };
}

export const crossingsOf = (events: Record<string, any>[]) => events.filter((e) => e.type === 'crossing');

/** Waits until `check` is true, polling every 100 ms; throws naming `what` after `ms`. */
export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
