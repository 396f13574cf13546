import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpeg, vtest } from './footage.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = path.join(repoRoot, 'bin/pcount-tui.js');

/** Cuts `frames` frames of vtest.avi from each start second into a fresh temp folder (real footage, short runs). */
export function cutClips(starts: Record<string, number>, frames = 60): { dir: string; clips: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-clips-'));
  const clips: Record<string, string> = {};
  for (const [name, start] of Object.entries(starts)) {
    const file = path.join(dir, `${name}.avi`);
    execFileSync(ffmpeg, ['-v', 'error', '-ss', String(start), '-i', vtest, '-frames:v', String(frames), '-c:v', 'mpeg4', '-q:v', '3', '-an', file]);
    clips[name] = file;
  }
  return { dir, clips };
}

/** A two-video config over the clips, every task counting on the middle vertical line. */
export function writeClipConfig(dir: string, clips: Record<string, string>, extra: Record<string, unknown> = {}): string {
  const config = {
    parallel_config: { worker_count: 2, skip_frames: 1, confidence: 0.4, result_output: 'results/', log_level: 'INFO', ...extra },
    videos: Object.entries(clips).map(([id, file]) => ({ id, source: path.basename(file), lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] })),
  };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Pids of live processes whose command line mentions `needle` (a temp folder only this test uses). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = /\) (\w)/.exec(readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z') pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The live descendants of `root` (not itself), with their command lines as `ps` shows them. */
export function descendants(root: number): { pid: number; argv: string[] }[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: { pid: number; argv: string[] }[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const parent = stack.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      stack.push(pid);
      try {
        found.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) });
      } catch {
        // Gone already.
      }
    }
  }
  return found;
}
