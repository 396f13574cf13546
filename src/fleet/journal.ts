import { closeSync, fdatasyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../common/make-folder.js';
import type { OutEntry, RunEntry, TailEntry } from './entries.js';
import { JournalTail } from './journal-tail.js';

/** The journal's default bound (README: "Fleet mode"). */
export const DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024;
const SEGMENT_BYTES = 1024 * 1024;

/** Events of a run that never reached Redis and were dropped to keep the journal within its bound. */
export interface Dropped {
  run: string;
  task: string;
  first: number;
  last: number;
}

interface Segment {
  file: string;
  first: number;
  last: number;
  bytes: number;
}

interface RunLog {
  task: string;
  segments: Segment[];
  /** Highest n written, sent to Redis (contiguously), and stored by the controller. */
  last: number;
  sent: number;
  acked: number;
  fd: number | null;
}

/**
 * The agent's on-disk copy of every run event until the controller has stored it: append-only segments of NDJSON
 * per run (`<run>@<first n>.ndjson`), written synchronously as each event arrives (a killed agent loses nothing it
 * had read), flushed to disk once a second. Segments the controller acknowledged are deleted (or moved to `acked/`
 * with keepAcked, for audits); a new agent with the same journal folder resends whatever was left.
 *
 * Bounded: past `maxBytes`, the oldest segment already in Redis is dropped first; only if none is does a segment
 * that never reached Redis go, and its events are reported as lost. A run's entries outside its sequence (its
 * counting states, and its progress while no controller follows) are not in its segments: only the newest of each
 * kind is kept, beside them (JournalTail), and goes out after the entry it follows.
 */
export class Journal {
  private readonly runs = new Map<string, RunLog>();
  private dirty = new Set<number>();
  /** The segments' bytes (the tail's are counted by `tail`). */
  private total = 0;
  private readonly tail: JournalTail;

  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_JOURNAL_BYTES,
    private readonly keepAcked = false,
  ) {
    makeFolder(dir, 0o700);
    this.tail = new JournalTail(dir);
    this.load();
  }

  /** Runs with entries on disk (left by an earlier agent process, or not yet acknowledged). */
  runIds(): string[] {
    return [...this.runs.keys()];
  }

  taskOf(run: string): string | undefined {
    return this.runs.get(run)?.task;
  }

  get bytes(): number {
    return this.total + this.tail.bytes;
  }

  /** Appends one entry; returns how many events overflow dropped to make room (0 normally). */
  append(entry: RunEntry): Dropped[] {
    const line = `${JSON.stringify(entry)}\n`;
    const size = Buffer.byteLength(line);
    const dropped = this.makeRoom(size, entry.run);
    const log = this.logOf(entry.run, entry.task);
    let seg = log.segments.at(-1);
    if (!seg || log.fd === null || seg.bytes + size > SEGMENT_BYTES) {
      this.closeRun(log);
      seg = { file: path.join(this.dir, `${entry.run}@${entry.n}.ndjson`), first: entry.n, last: entry.n, bytes: 0 };
      log.segments.push(seg);
      log.fd = openSync(seg.file, 'a', 0o600);
    }
    writeSync(log.fd!, line);
    this.dirty.add(log.fd!);
    seg.last = entry.n;
    seg.bytes += size;
    log.last = Math.max(log.last, entry.n);
    this.total += size;
    return dropped;
  }

  /** Keeps `entry` in its run's tail, in place of the one(s) it makes useless (sent or not: they are of no more use). */
  putTail(entry: TailEntry): void {
    this.logOf(entry.run, entry.task);
    this.tail.put(entry);
  }

  /** The tail entry reached Redis as stream entry `id` (null: not sent, superseded); returns the stream ids it makes useless (JournalTail.sent). */
  tailSent(entry: TailEntry, id: string | null): string[] {
    return this.tail.sent(entry, id);
  }

  /** Everything up to `n` of the run reached Redis. */
  markSent(run: string, n: number): void {
    const log = this.runs.get(run);
    if (log && n > log.sent) log.sent = n;
  }

  /** Whether every numbered entry of the run reached Redis (true once the journal holds nothing of it: all stored). */
  allSent(run: string): boolean {
    const log = this.runs.get(run);
    return !log || log.sent >= log.last;
  }

  /** Forget what reached Redis (after Redis restarted, it may have lost its last second): resend from the acked mark. */
  resendUnacked(): void {
    for (const log of this.runs.values()) log.sent = log.acked;
    this.tail.resend();
  }

  /** The controller stored everything up to `n`: drop whole segments up to it. True when the run is fully done. */
  ack(run: string, n: number, ended: boolean): boolean {
    const log = this.runs.get(run);
    if (!log) return true;
    log.acked = Math.max(log.acked, n);
    log.sent = Math.max(log.sent, log.acked);
    while (log.segments.length > 0 && log.segments[0].last <= log.acked && (log.segments.length > 1 || ended)) {
      if (log.segments.length === 1) this.closeRun(log);
      this.retire(log.segments.shift()!, 'acked');
    }
    if (ended && log.segments.length === 0 && log.acked >= log.last) {
      this.runs.delete(run);
      this.tail.drop(run);
      return true;
    }
    return false;
  }

  /**
   * Entries of every run after its sent mark, read back from disk, oldest first within each run, with the run's tail
   * entries that have not gone out, each in its place: after the entry it follows (at the front when that one went out
   * already).
   */
  unsent(limit: number): OutEntry[] {
    const out: OutEntry[] = [];
    for (const [run, log] of this.runs) {
      const tail = this.tail.unsent(run);
      if (log.sent >= log.last && tail.length === 0) continue;
      const place = (before: number) => {
        while (tail.length > 0 && tail[0].after < before) out.push(tail.shift()!);
      };
      place(log.sent + 1);
      for (const seg of log.segments) {
        if (seg.last <= log.sent) continue;
        for (const entry of readSegment(seg.file)) {
          if (entry.n <= log.sent) continue;
          place(entry.n);
          if (out.length >= limit) return out;
          out.push(entry);
          if (out.length >= limit) return out;
        }
      }
      place(Infinity);
      if (out.length >= limit) return out;
    }
    return out;
  }

  hasUnsent(): boolean {
    return [...this.runs].some(([run, l]) => l.sent < l.last || this.tail.unsent(run).length > 0);
  }

  /** The run will get no more entries (its worker ended): close its file. */
  endRun(run: string): void {
    const log = this.runs.get(run);
    if (log) this.closeRun(log);
  }

  /** Flushes written entries to the disk itself (a power cut, not just a killed agent, then loses at most this interval). */
  sync(): void {
    for (const fd of this.dirty) {
      try {
        fdatasyncSync(fd);
      } catch {
        // Closed meanwhile: closing flushed it.
      }
    }
    this.dirty.clear();
  }

  close(): void {
    this.sync();
    for (const log of this.runs.values()) this.closeRun(log);
  }

  private closeRun(log: RunLog): void {
    if (log.fd === null) return;
    this.dirty.delete(log.fd);
    fdatasyncSync(log.fd);
    closeSync(log.fd);
    log.fd = null;
  }

  private retire(seg: Segment, why: 'acked' | 'dropped'): void {
    this.total -= seg.bytes;
    if (this.keepAcked) {
      const to = path.join(this.dir, why);
      makeFolder(to);
      renameSync(seg.file, path.join(to, path.basename(seg.file)));
    } else {
      rmSync(seg.file, { force: true });
    }
  }

  private makeRoom(size: number, writing: string): Dropped[] {
    const dropped: Dropped[] = [];
    while (this.total + size > this.maxBytes) {
      // Oldest first: a segment already in Redis, else one that is not, never the segment being written.
      const candidates = [...this.runs.entries()].flatMap(([run, log]) =>
        log.segments.filter((_, i) => !(run === writing && i === log.segments.length - 1)).map((seg) => ({ run, log, seg })),
      );
      if (candidates.length === 0) break;
      const inRedis = candidates.filter((c) => c.seg.last <= c.log.sent);
      const pick = (inRedis.length > 0 ? inRedis : candidates).reduce((a, b) => (mtime(a.seg.file) <= mtime(b.seg.file) ? a : b));
      if (pick.seg.last > pick.log.sent) {
        dropped.push({ run: pick.run, task: pick.log.task, first: Math.max(pick.seg.first, pick.log.sent + 1), last: pick.seg.last });
        pick.log.sent = pick.seg.last;
      }
      pick.log.segments.splice(pick.log.segments.indexOf(pick.seg), 1);
      if (pick.log.segments.length === 0) this.closeRun(pick.log);
      this.retire(pick.seg, 'dropped');
    }
    return dropped;
  }

  private logOf(run: string, task: string): RunLog {
    let log = this.runs.get(run);
    if (!log) {
      log = { task, segments: [], last: 0, sent: 0, acked: 0, fd: null };
      this.runs.set(run, log);
    }
    return log;
  }

  private load(): void {
    const files = readdirSync(this.dir).filter((f) => f.endsWith('.ndjson'));
    for (const name of files) {
      const m = /^(.+)@(\d+)\.ndjson$/.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      const entries = readSegment(file);
      if (entries.length === 0) {
        rmSync(file, { force: true });
        continue;
      }
      const log = this.logOf(m[1], entries[0].task);
      const bytes = statSync(file).size;
      log.segments.push({ file, first: entries[0].n, last: entries.at(-1)!.n, bytes });
      log.last = Math.max(log.last, entries.at(-1)!.n);
      this.total += bytes;
    }
    for (const log of this.runs.values()) log.segments.sort((a, b) => a.first - b.first);
    this.tail.load();
    // A tail whose run has no segment left (its run was done, and the agent stopped before deleting the tail).
    for (const run of this.tail.runs()) if (!this.runs.has(run)) this.tail.drop(run);
  }
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The entries of one segment; a torn last line (the agent killed mid-write) is skipped. */
function readSegment(file: string): RunEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: RunEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as RunEntry);
    } catch {
      // Torn line.
    }
  }
  return out;
}
