import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import type { StateEntry } from './entries.js';

const SUFFIX = '.state.json';

interface Held {
  entry: StateEntry;
  bytes: number;
  /** It reached Redis (since this process started, and since Redis last restarted). */
  sent: boolean;
}

/**
 * The journal's counting states: the newest of each run only, in its own file (`<run>.state.json`) that the next one
 * replaces whole, so that a run's states cost the journal one state whatever the time without a controller. Only the
 * newest is of use (where the file goes on from, entries.ts `st`); an older one that never reached Redis is replaced
 * without loss. The segments' reader skips these files (they do not end in `.ndjson`), so an older agent's journal
 * and this one read each other's segments.
 */
export class JournalStates {
  private readonly held = new Map<string, Held>();
  private total = 0;

  constructor(private readonly dir: string) {}

  /** Reads the states an earlier agent process left (not sent yet, as far as this one knows). */
  load(): void {
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      // A write cut short between the temporary file and its rename: the previous state stays.
      if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(file, { force: true });
      if (!name.endsWith(SUFFIX)) continue;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
        const entry = JSON.parse(text) as StateEntry;
        if (entry.k !== 'st') throw new Error('not a state');
        this.keep(entry, Buffer.byteLength(text));
      } catch {
        // Torn by a power cut before its rename reached the disk: the run resumes from an older point, never wrongly.
        rmSync(file, { force: true });
      }
    }
  }

  /** Replaces the run's state by a newer one (on disk first). */
  put(entry: StateEntry): void {
    const text = JSON.stringify(entry);
    writeFileAtomicSync(this.file(entry.run), text, { mode: 0o600 });
    this.keep(entry, Buffer.byteLength(text));
  }

  /** The run's newest state while it has not reached Redis, else null. */
  unsent(run: string): StateEntry | null {
    const h = this.held.get(run);
    return h && !h.sent ? h.entry : null;
  }

  /** `entry` reached Redis; nothing changes when a newer one replaced it meanwhile (that one still has to go). */
  markSent(entry: StateEntry): void {
    const h = this.held.get(entry.run);
    if (h?.entry === entry) h.sent = true;
  }

  /** Redis may have lost what it had (it restarted): every state goes again. */
  resend(): void {
    for (const h of this.held.values()) h.sent = false;
  }

  runs(): string[] {
    return [...this.held.keys()];
  }

  /** The run is done (or unknown to the journal): its state goes with it. */
  drop(run: string): void {
    const h = this.held.get(run);
    if (!h) return;
    this.total -= h.bytes;
    this.held.delete(run);
    rmSync(this.file(run), { force: true });
  }

  get bytes(): number {
    return this.total;
  }

  private keep(entry: StateEntry, bytes: number): void {
    this.total += bytes - (this.held.get(entry.run)?.bytes ?? 0);
    this.held.set(entry.run, { entry, bytes, sent: false });
  }

  private file(run: string): string {
    return path.join(this.dir, `${run}${SUFFIX}`);
  }
}
