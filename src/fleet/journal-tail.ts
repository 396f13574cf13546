import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import type { TailEntry } from './entries.js';

/**
 * A run's entries outside its sequence, one of each: its newest counting state (`state`), the progress of that state's
 * frame (`pair`: the store keeps the state with it as a checkpoint) and its newest progress (`progress`).
 */
const SLOTS = ['state', 'pair', 'progress'] as const;
export type TailSlot = (typeof SLOTS)[number];

export function slotOf(entry: TailEntry): TailSlot {
  return entry.k === 'st' ? 'state' : entry.pair ? 'pair' : 'progress';
}

/**
 * The slots an entry of `slot` makes useless: its own older one, and a newer state the previous state's pair, a pair
 * (the newest progress then) the progress before it.
 */
export function replaces(slot: TailSlot): TailSlot[] {
  return slot === 'state' ? ['state', 'pair'] : slot === 'pair' ? ['pair', 'progress'] : ['progress'];
}

interface Held {
  entry: TailEntry;
  bytes: number;
  /** It reached Redis (since this process started, and since Redis last restarted). */
  sent: boolean;
}

/**
 * The journal's tail of each run (TailSlot), each entry in its own file (`<run>.state.json`, `.pair.json`,
 * `.progress.json`) that the next of its slot replaces whole, so that a run costs the journal one state and two
 * progress reports whatever the time without a controller; an older one that never reached Redis is replaced without
 * loss. Also where each slot's copy in the events stream is (`<run>.ids.json`), so that the next one deletes it there,
 * also when it was sent by an earlier agent process. The segments' reader skips these files (they do not end in
 * `.ndjson`), so an older agent's journal and this one read each other's segments (an agent before progress slots
 * leaves their files alone).
 */
export class JournalTail {
  private readonly held = new Map<string, Map<TailSlot, Held>>();
  /** The stream id of each slot's entry sent last, by run. */
  private readonly ids = new Map<string, Partial<Record<TailSlot, string>>>();
  private total = 0;

  constructor(private readonly dir: string) {}

  /** Reads what an earlier agent process left (not sent yet, as far as this one knows). */
  load(): void {
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      // A write cut short between the temporary file and its rename: the previous entry stays.
      if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(file, { force: true });
      const m = /^(.+)\.(state|pair|progress|ids)\.json$/.exec(name);
      if (!m) continue;
      try {
        const text = readFileSync(file, 'utf8');
        const value = JSON.parse(text) as TailEntry | Partial<Record<TailSlot, string>>;
        if (m[2] === 'ids') {
          this.ids.set(m[1], value as Partial<Record<TailSlot, string>>);
          continue;
        }
        const entry = value as TailEntry;
        if ((entry.k !== 'st' && entry.k !== 'pg') || slotOf(entry) !== m[2]) throw new Error('not a tail entry');
        this.keep(entry, Buffer.byteLength(text));
      } catch {
        // Torn by a power cut before its rename reached the disk: an older point, never a wrong one.
        rmSync(file, { force: true });
      }
    }
  }

  /** Keeps the entry in its slot, and drops what it makes useless (on disk first). */
  put(entry: TailEntry): void {
    const text = JSON.stringify(entry);
    const slot = slotOf(entry);
    writeFileAtomicSync(this.file(entry.run, slot), text, { mode: 0o600 });
    for (const s of replaces(slot)) if (s !== slot) this.dropSlot(entry.run, s);
    this.keep(entry, Buffer.byteLength(text));
  }

  /** The run's entries that have not reached Redis, in the order they go out (see unsentOrder). */
  unsent(run: string): TailEntry[] {
    return [...(this.held.get(run)?.values() ?? [])].filter((h) => !h.sent).map((h) => h.entry).sort(unsentOrder);
  }

  /**
   * `entry` reached Redis as stream entry `id`, or is done with unsent (null: superseded); nothing changes in the
   * journal when a newer one replaced it meanwhile (that one still has to go). Returns the stream ids it makes useless
   * there (the older of its slot and those it replaces, sent by this process or an earlier one).
   */
  sent(entry: TailEntry, id: string | null): string[] {
    const h = this.held.get(entry.run)?.get(slotOf(entry));
    if (h?.entry === entry) h.sent = true;
    if (id === null) return [];
    const ids = this.ids.get(entry.run) ?? {};
    const slot = slotOf(entry);
    const old = replaces(slot).flatMap((s) => (ids[s] && ids[s] !== id ? [ids[s]] : []));
    for (const s of replaces(slot)) delete ids[s];
    ids[slot] = id;
    this.ids.set(entry.run, ids);
    try {
      // Best effort, not flushed: lost, it leaves an older copy in the stream until the controller trims it.
      writeFileSync(this.file(entry.run, 'ids'), JSON.stringify(ids), { mode: 0o600 });
    } catch {
      // The journal's folder is gone or full: the entries themselves are what matters.
    }
    return old;
  }

  /** Redis may have lost what it had (it restarted): everything goes again. */
  resend(): void {
    for (const slots of this.held.values()) for (const h of slots.values()) h.sent = false;
  }

  runs(): string[] {
    return [...new Set([...this.held.keys(), ...this.ids.keys()])];
  }

  /** The run is done (or unknown to the journal): its tail goes with it. */
  drop(run: string): void {
    for (const s of SLOTS) this.dropSlot(run, s);
    this.held.delete(run);
    this.ids.delete(run);
    rmSync(this.file(run, 'ids'), { force: true });
  }

  get bytes(): number {
    return this.total;
  }

  private dropSlot(run: string, slot: TailSlot): void {
    const slots = this.held.get(run);
    const h = slots?.get(slot);
    if (!slots || !h) return;
    this.total -= h.bytes;
    slots.delete(slot);
    rmSync(this.file(run, slot), { force: true });
  }

  private keep(entry: TailEntry, bytes: number): void {
    const slot = slotOf(entry);
    let slots = this.held.get(entry.run);
    if (!slots) this.held.set(entry.run, (slots = new Map()));
    this.total += bytes - (slots.get(slot)?.bytes ?? 0);
    slots.set(slot, { entry, bytes, sent: false });
  }

  private file(run: string, slot: TailSlot | 'ids'): string {
    return path.join(this.dir, `${run}.${slot}.json`);
  }
}

/**
 * The order of a run's tail entries: by the entry they follow, then by frame (a progress before a newer state has an
 * older frame), a state before its pair before a progress of the same frame.
 */
function unsentOrder(a: TailEntry, b: TailEntry): number {
  return a.after - b.after || a.event.frame - b.event.frame || SLOTS.indexOf(slotOf(a)) - SLOTS.indexOf(slotOf(b));
}
