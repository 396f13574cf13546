import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory of the workers, read from /proc (Linux) with no extra dependency. A worker's figures include its
 * descendants (its ffmpeg), since that is what the task costs. Elsewhere the figures stay at zero.
 */

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat, fixed at 100 by the Linux user-space ABI. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function readRssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function allStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return stats;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  return stats;
}

function descendants(root: number, stats: Map<number, ProcStat>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (!stats.has(pid)) continue;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface Usage {
  cpuPercent: number;
  rssBytes: number;
}

/** Turns successive CPU-tick readings into a CPU percentage per worker (100 = one full core). */
export class ResourceSampler {
  private previous = new Map<number, { ticks: number; at: number }>();

  /** Usage of each root pid's process tree at time `now` (ms). */
  sample(roots: number[], now: number): Map<number, Usage> {
    const result = new Map<number, Usage>();
    if (roots.length === 0) {
      this.previous.clear();
      return result;
    }
    const stats = allStats();
    const next = new Map<number, { ticks: number; at: number }>();
    for (const root of roots) {
      const tree = descendants(root, stats);
      const ticks = tree.reduce((sum, pid) => sum + (stats.get(pid)?.ticks ?? 0), 0);
      const rssBytes = tree.reduce((sum, pid) => sum + readRssBytes(pid), 0);
      const before = this.previous.get(root);
      const seconds = before ? (now - before.at) / 1000 : 0;
      const cpuPercent = before && seconds > 0 ? Math.max(0, ((ticks - before.ticks) / TICKS_PER_SECOND / seconds) * 100) : 0;
      result.set(root, { cpuPercent, rssBytes });
      next.set(root, { ticks, at: now });
    }
    this.previous = next;
    return result;
  }
}
