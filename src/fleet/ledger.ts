import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FleetEntry, RunEntry } from './entries.js';
import type { FleetSink } from './store-sink.js';

interface RunMarks {
  through: number;
  ahead: Set<number>;
}

type LedgerLine = { entry: RunEntry } | { skip: [string, number, number] };

/**
 * A FleetSink in one append-only NDJSON file, read back at start: the controller's record of every run entry it
 * received, which survives a controller restart.
 */
export class FileLedger implements FleetSink {
  private readonly marks = new Map<string, RunMarks>();
  private readonly fd: number;
  private readonly stored: RunEntry[] = [];

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // A new ledger.
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let parsed: LedgerLine;
      try {
        parsed = JSON.parse(line) as LedgerLine;
      } catch {
        continue; // A line torn by a crash: its entry was never acknowledged, so it comes again.
      }
      if ('entry' in parsed) this.record(parsed.entry);
      else this.mark(parsed.skip[0], parsed.skip[1], parsed.skip[2]);
    }
    this.fd = openSync(file, 'a', 0o600);
  }

  /** Everything stored, in arrival order. */
  entries(): readonly RunEntry[] {
    return this.stored;
  }

  storeBatch(entries: FleetEntry[]): boolean[] {
    const fresh = entries.map((e) => {
      if (e.k === 'ev' || e.k === 'end') return this.put(e);
      if (e.k === 'loss') this.skip(e.run, e.first, e.last);
      return true;
    });
    fdatasyncSync(this.fd);
    return fresh;
  }

  private put(entry: RunEntry): boolean {
    if (this.has(entry.run, entry.n)) return false;
    writeSync(this.fd, `${JSON.stringify({ entry })}\n`);
    this.record(entry);
    return true;
  }

  private skip(run: string, first: number, last: number): void {
    writeSync(this.fd, `${JSON.stringify({ skip: [run, first, last] })}\n`);
    this.mark(run, first, last);
  }

  storedThrough(run: string): number {
    return this.marks.get(run)?.through ?? 0;
  }

  close(): void {
    fdatasyncSync(this.fd);
    closeSync(this.fd);
  }

  private has(run: string, n: number): boolean {
    const m = this.marks.get(run);
    return m !== undefined && (n <= m.through || m.ahead.has(n));
  }

  private record(entry: RunEntry): void {
    if (this.has(entry.run, entry.n)) return;
    this.stored.push(entry);
    this.mark(entry.run, entry.n, entry.n);
  }

  private mark(run: string, first: number, last: number): void {
    let m = this.marks.get(run);
    if (!m) {
      m = { through: 0, ahead: new Set() };
      this.marks.set(run, m);
    }
    for (let n = first; n <= last; n++) if (n > m.through) m.ahead.add(n);
    while (m.ahead.has(m.through + 1)) m.ahead.delete(++m.through);
  }
}
