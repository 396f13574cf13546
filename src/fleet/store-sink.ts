import { FleetMarks } from '../store/fleet-marks.js';
import type { Store } from '../store/store.js';
import type { FleetEntry, RunEntry, TailEntry } from './entries.js';

/**
 * Where the controller's event reader puts what it reads. `storeBatch` stores a batch of stream entries, in stream
 * order, and must have made them durable when it returns: only then are they acknowledged in Redis and dropped from
 * the agents' journals.
 */
export interface FleetSink {
  /** For each entry, whether it was new (false: a run entry stored before, a redelivery or an agent's replay). */
  storeBatch(entries: FleetEntry[]): boolean[];
  /** Highest n such that 1..n of the run are all stored or settled (0 when none). */
  storedThrough(run: string): number;
}

/** Where the entries go once the sink has marked them: the controller's tasks (FleetTransport). */
export interface EntryRoute {
  /**
   * A run entry, new, or one of a run's tail (a counting state, a progress report sent outside the sequence): stored by
   * the task's own path (a crossing is in the store when this returns). Returns what shows it, run once the batch is
   * committed.
   */
  entry(entry: RunEntry | TailEntry): () => void;
  /** A notice (claim, lost, state, agent, loss), in stream order among the run entries. Returns what shows it. */
  notice(entry: FleetEntry): () => void;
  /** Why the store takes no writes, or null: nothing is acknowledged then (the agents keep it in their journals). */
  storeFailure(): string | null;
  /** A batch's own write failed (its commit, its sync): reported as the store's failure; returns why. */
  storeFailed(err: unknown): string;
}

/** Thrown when a batch could not be stored: the reader acknowledges nothing of it and tries again later. */
export class SinkFailure extends Error {}

/**
 * The FleetSink of a controller with a SQLite store: each batch is one transaction in which every new run entry is
 * marked stored, exactly once by (run, n), together with what it stores (FleetMarks), and then synced to disk before
 * the reader acknowledges it. Entries are shown only after the commit.
 */
export class StoreSink implements FleetSink {
  private readonly marks: FleetMarks;

  constructor(
    private readonly store: Store,
    private readonly route: EntryRoute,
  ) {
    this.marks = new FleetMarks(store);
  }

  storeBatch(entries: FleetEntry[]): boolean[] {
    // Refused before anything of it is taken: the route counts a crossing in memory as it stores it, and the reader
    // offers the same batch again every second while the store stays failed (it would be counted once per offer).
    const failed = this.route.storeFailure();
    if (failed) throw new SinkFailure(`cannot store fleet events: ${failed}`);
    const shows: (() => void)[] = [];
    let fresh: boolean[];
    try {
      fresh = this.store.transaction(() =>
        entries.map((entry) => {
          const isNew = this.put(entry, shows);
          const failed = this.route.storeFailure();
          if (failed) throw new SinkFailure(`cannot store fleet events: ${failed}`);
          return isNew;
        }),
      );
      this.store.sync();
    } catch (err) {
      // A failure inside the recorder's writes was reported by them; one of the batch itself (the commit, the sync) is
      // reported here, the same way: the store has failed, and the whole batch stays unacknowledged.
      if (err instanceof SinkFailure) throw err;
      throw new SinkFailure(`cannot store fleet events: ${this.route.storeFailed(err)}`);
    }
    for (const show of shows) show();
    return fresh;
  }

  storedThrough(run: string): number {
    return this.marks.throughOf(run);
  }

  private put(entry: FleetEntry, shows: (() => void)[]): boolean {
    switch (entry.k) {
      case 'ev':
      case 'end':
        if (!this.marks.take(entry.run, entry.task, entry.n)) return false;
        if (entry.k === 'ev' && entry.event.type === 'hello') {
          this.marks.setFps(entry.run, entry.task, entry.event.fps);
          if (entry.from) this.marks.began(entry.run, entry.task, entry.from);
        }
        shows.push(this.route.entry(entry));
        return true;
      case 'st':
      case 'pg':
        // Outside the run's sequence: it follows entry `after` of its run, stored before it in stream order. One that
        // comes after newer entries were stored (an agent's resend brings its newest tail again) is of an older point
        // than the store holds: a state's progress, with which the store keeps it, is stored already, and an older
        // progress would be taken for a stall.
        if (entry.after < this.marks.throughOf(entry.run)) return false;
        shows.push(this.route.entry(entry));
        return true;
      case 'loss':
        this.marks.skip(entry.run, entry.task, entry.first, entry.last);
        shows.push(this.route.notice(entry));
        return true;
      default:
        shows.push(this.route.notice(entry));
        return true;
    }
  }
}
