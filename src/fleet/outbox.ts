import type { RedisConnection } from './connect.js';
import { entryFields, type FleetEntry, type OutEntry, type RunEntry, type TailEntry } from './entries.js';
import type { Journal } from './journal.js';
import { replaces, slotOf } from './journal-tail.js';
import type { FleetKeys } from './keys.js';

const BATCH = 500;
/** Unsent entries kept in memory besides the journal; past that they are read back from the journal. */
const MEMORY_QUEUE = 10_000;

/**
 * The agent's way out for events: every run entry goes to the journal first (on disk, synchronously), then to the
 * events stream. While Redis answers, entries go out from memory in order; after a failure (Redis away) they are read
 * back from the journal, from each run's last entry known to have arrived. Notices (not run entries) are kept in
 * memory until they go out. A run's tail entry (its counting state; its progress while no controller follows)
 * replaces the older ones it makes useless (JournalTail) wherever they still are: waiting in memory or in the journal
 * (unsent), or in the stream (deleted there once the new one is in, unless the controller read it: then Redis keeps it
 * pending for it, without its fields).
 */
export class Outbox {
  private queue: OutEntry[] = [];
  private notices: FleetEntry[] = [];
  /** True while entries must come from the journal (something failed, or memory overflowed). */
  private fromJournal: boolean;
  private flushing: Promise<void> | null = null;
  private again = false;
  /** Runs whose events from `first` on must not be sent: another run took their task over (see supersede). */
  private readonly skipFrom = new Map<string, number>();

  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: FleetKeys,
    private readonly journal: Journal,
    private readonly agent: string,
  ) {
    this.fromJournal = journal.hasUnsent();
  }

  push(entry: RunEntry): void {
    for (const d of this.journal.append(entry)) {
      this.notice({ k: 'loss', task: d.task, run: d.run, agent: this.agent, first: d.first, last: d.last });
    }
    if (!this.fromJournal) {
      this.queue.push(entry);
      if (this.queue.length > MEMORY_QUEUE) this.spill();
    }
    this.kick();
  }

  /** A run's newest tail entry: on disk first, in place of those it makes useless. */
  pushTail(entry: TailEntry): void {
    this.journal.putTail(entry);
    if (!this.fromJournal) {
      const useless = replaces(slotOf(entry));
      this.queue = this.queue.filter((e) => e.k === 'ev' || e.k === 'end' || e.run !== entry.run || !useless.includes(slotOf(e)));
      this.queue.push(entry);
    }
    this.kick();
  }

  notice(entry: FleetEntry): void {
    this.notices.push(entry);
    this.kick();
  }

  /** Everything up to the acked mark may have been lost by a Redis restart: send it all again (the controller dedups). */
  resendUnacked(): void {
    this.journal.resendUnacked();
    this.spill();
    this.kick();
  }

  /**
   * The run's task went to another run while this agent could not reach Redis: events after `first` overlap the new
   * run's and are not sent. The controller is told the range, so that it does not wait for them.
   */
  supersede(run: string, task: string, first: number, last: number): void {
    if (first > last) return;
    this.skipFrom.set(run, first);
    this.notice({ k: 'loss', task, run, agent: this.agent, first, last });
  }

  get idle(): boolean {
    return this.flushing === null && this.queue.length === 0 && this.notices.length === 0 && !this.journal.hasUnsent();
  }

  /** Sends what is waiting; resolves when the attempt is over (sent, or failed and left for later). */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      // What came meanwhile goes in the round that starts when this one ends: the caller waits for that one too.
      return this.flushing.then(() => this.flushing ?? undefined);
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.flushing;
  }

  private kick(): void {
    if (this.conn.ready) void this.flush();
  }

  /** An entry counted after the run's lease had lapsed (see supersede); a tail entry, when taken after the first such entry. */
  private superseded(e: OutEntry): boolean {
    const from = this.skipFrom.get(e.run) ?? Infinity;
    if (e.k === 'st' || e.k === 'pg') return e.after + 1 >= from;
    return e.k === 'ev' && from <= e.n;
  }

  private spill(): void {
    this.queue = [];
    this.fromJournal = true;
  }

  private async drain(): Promise<void> {
    while (this.conn.ready) {
      const notices = this.notices.splice(0);
      const batch = this.fromJournal ? this.journal.unsent(BATCH) : this.queue.splice(0, BATCH);
      if (this.fromJournal && batch.length === 0) this.fromJournal = false;
      if (notices.length === 0 && batch.length === 0) return;
      const send = batch.filter((e) => !this.superseded(e));
      const results = await this.conn.pipeline([...notices, ...send].map((e) => ['XADD', this.keys.events, '*', ...entryFields(e)]));
      const failedNotices = notices.filter((_, i) => results[i] instanceof Error);
      this.notices.unshift(...failedNotices);
      const replies = new Map(send.map((e, i) => [e, results[notices.length + i]]));
      const broken = new Set<string>();
      const replaced: string[] = [];
      for (const e of batch) {
        if (broken.has(e.run)) continue;
        if (replies.get(e) instanceof Error) {
          broken.add(e.run);
          continue;
        }
        if (e.k === 'ev' || e.k === 'end') {
          this.journal.markSent(e.run, e.n);
          continue;
        }
        // Not sent when superseded: of no use to anyone, it is done with all the same.
        const id = replies.get(e);
        replaced.push(...this.journal.tailSent(e, typeof id === 'string' ? id : null));
      }
      // Best effort: an entry left behind (Redis away now) is only an older one, trimmed with the rest by the controller.
      if (replaced.length > 0) await this.conn.send(['XDEL', this.keys.events, ...replaced]).catch(() => undefined);
      if (broken.size > 0 || failedNotices.length > 0) {
        // Redis went away mid-batch: what did not arrive is read back from the journal later.
        this.spill();
        return;
      }
    }
  }
}
