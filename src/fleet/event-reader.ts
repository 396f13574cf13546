import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection, RedisReply } from './connect.js';
import { parseEntry, type FleetEntry } from './entries.js';
import { CONTROLLER_GROUP, type FleetKeys } from './keys.js';
import { SinkFailure, type FleetSink } from './store-sink.js';

const BATCH = 500;
const BLOCK_MS = 1000;
const TRIM_EVERY_MS = 1000;

/** An entry as the reader hands it on after storing; `fresh` is false for a run entry that was stored before. */
export interface Delivered {
  id: string;
  entry: FleetEntry;
  fresh: boolean;
}

/** A stream entry; its fields are null when it was deleted while pending (a redelivery of a trimmed entry). */
type StreamEntry = [string, string[] | null];
type StreamReply = [string, StreamEntry[]][] | null;

/**
 * Reads the events stream in the controller's consumer group, exactly once into the sink: store (durably), then
 * XACK, then publish the stored mark per run so that agents trim their journals. On attach it takes over what a
 * previous controller had been given but not acknowledged (XAUTOCLAIM, or XPENDING + XCLAIM before Redis 6.2), and
 * re-reads its own pending entries after every reconnect; the sink drops the duplicates these redeliveries and the
 * agents' replays produce.
 */
export class EventReader {
  private closed = false;
  private lastTrim = 0;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly conn: RedisConnection,
    /** A second connection: XREADGROUP BLOCK holds its connection for up to a second. */
    private readonly blocking: RedisConnection,
    private readonly keys: FleetKeys,
    private readonly consumer: string,
    private readonly sink: FleetSink,
    private readonly deliver: (items: Delivered[]) => void,
    /** The sink could not store a batch (reported once per failure, not per retry). */
    private readonly onFailure: (message: string | null) => void,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let recovering = true;
    while (!this.closed) {
      try {
        if (!this.blocking.ready || !this.conn.ready) {
          recovering = true;
          await sleep(100);
          continue;
        }
        if (recovering) {
          await this.recover();
          recovering = false;
        }
        const reply = (await this.blocking.send([
          'XREADGROUP', 'GROUP', CONTROLLER_GROUP, this.consumer, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.keys.events, '>',
        ])) as StreamReply;
        await this.handle(reply?.[0]?.[1] ?? []);
        await this.trim();
      } catch (err) {
        // NOGROUP: Redis lost the group (restarted without its data); a sink failure: nothing was acknowledged, the
        // agents keep it; anything else: the connection went away.
        recovering = true;
        if (err instanceof SinkFailure) {
          this.onFailure(err.message);
          await sleep(1000);
        } else if (!/NOGROUP/.test((err as Error).message)) await sleep(200);
      }
    }
  }

  /** (Re)creates the group, takes over other consumers' pending entries, and re-reads this consumer's own. */
  private async recover(): Promise<void> {
    await this.conn.send(['XGROUP', 'CREATE', this.keys.events, CONTROLLER_GROUP, '0', 'MKSTREAM']).catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    if (this.conn.features.autoclaim) await this.autoclaim();
    else await this.claimPending();
    for (;;) {
      const reply = (await this.conn.send(['XREADGROUP', 'GROUP', CONTROLLER_GROUP, this.consumer, 'COUNT', BATCH, 'STREAMS', this.keys.events, '0'])) as StreamReply;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0 || this.closed) break;
      await this.handle(entries);
    }
    const consumers = (await this.conn.send(['XINFO', 'CONSUMERS', this.keys.events, CONTROLLER_GROUP])) as RedisReply[][];
    for (const c of consumers) {
      const info = new Map(pairs(c));
      if (info.get('name') !== this.consumer && Number(info.get('pending')) === 0) {
        await this.conn.send(['XGROUP', 'DELCONSUMER', this.keys.events, CONTROLLER_GROUP, String(info.get('name'))]);
      }
    }
  }

  private async autoclaim(): Promise<void> {
    let cursor = '0-0';
    do {
      const reply = (await this.conn.send(['XAUTOCLAIM', this.keys.events, CONTROLLER_GROUP, this.consumer, 0, cursor, 'COUNT', BATCH])) as RedisReply[];
      cursor = String(reply[0]);
      await this.handle((reply[1] as StreamEntry[]) ?? []);
    } while (cursor !== '0-0' && !this.closed);
  }

  /**
   * Redis 5.0–6.0: lists the group's pending entries and claims those of other consumers. Each batch is handled (and
   * so acknowledged) before the next listing, which therefore starts from the beginning again; an entry deleted from
   * the stream while pending comes back without fields and is acknowledged as nothing.
   */
  private async claimPending(): Promise<void> {
    while (!this.closed) {
      const pending = (await this.conn.send(['XPENDING', this.keys.events, CONTROLLER_GROUP, '-', '+', BATCH])) as [string, string, number, number][];
      const theirs = pending.filter(([, consumer]) => consumer !== this.consumer).map(([id]) => id);
      if (theirs.length === 0) return;
      const claimed = (await this.conn.send(['XCLAIM', this.keys.events, CONTROLLER_GROUP, this.consumer, 0, ...theirs])) as (StreamEntry | null)[];
      const got = new Set(claimed.flatMap((e) => (e ? [e[0]] : [])));
      await this.handle([...claimed.filter((e): e is StreamEntry => e !== null), ...theirs.filter((id) => !got.has(id)).map((id): StreamEntry => [id, null])]);
    }
  }

  private async handle(raw: StreamEntry[]): Promise<void> {
    // Read after close (a blocked read that returned since): stored by no one here, but left pending in the group for
    // the next controller, which takes them over. A controller that left its tasks running stores nothing after that.
    if (raw.length === 0 || this.closed) return;
    const parsed = raw.map(([id, fields]) => ({ id, entry: fields ? parseEntry(fields) : null })).filter((p): p is { id: string; entry: FleetEntry } => p.entry !== null);
    const fresh = this.sink.storeBatch(parsed.map((p) => p.entry));
    this.onFailure(null);
    const delivered: Delivered[] = parsed.map((p, i) => ({ ...p, fresh: fresh[i] }));
    const touched = new Set(parsed.flatMap(({ entry }) => (entry.k === 'ev' || entry.k === 'end' || entry.k === 'loss' ? [entry.run] : [])));
    // Stored for good: now the stream and the agents may forget them.
    await this.conn.send(['XACK', this.keys.events, CONTROLLER_GROUP, ...raw.map(([id]) => id)]);
    if (touched.size > 0) {
      await this.conn.send(['HSET', this.keys.acked, ...[...touched].flatMap((run) => [run, this.sink.storedThrough(run)])]);
    }
    this.deliver(delivered);
  }

  /** Deletes acknowledged entries from the stream (it would otherwise grow for ever). */
  private async trim(): Promise<void> {
    const now = Date.now();
    if (now - this.lastTrim < TRIM_EVERY_MS) return;
    this.lastTrim = now;
    const summary = (await this.conn.send(['XPENDING', this.keys.events, CONTROLLER_GROUP])) as RedisReply[];
    const groups = (await this.conn.send(['XINFO', 'GROUPS', this.keys.events])) as RedisReply[][];
    const group = groups.map((g) => new Map(pairs(g))).find((g) => g.get('name') === CONTROLLER_GROUP);
    const lastDelivered = group?.get('last-delivered-id');
    const minId = Number(summary[0]) > 0 ? String(summary[1]) : lastDelivered ? String(lastDelivered) : null;
    if (!minId || minId === '0-0') return;
    if (this.conn.features.trimMinId) await this.conn.send(['XTRIM', this.keys.events, 'MINID', minId]);
    else await this.deleteBefore(minId);
  }

  /** XTRIM MINID before Redis 6.2: deletes the entries before `minId`, a batch at a time. */
  private async deleteBefore(minId: string): Promise<void> {
    for (;;) {
      const entries = (await this.conn.send(['XRANGE', this.keys.events, '-', minId, 'COUNT', BATCH])) as StreamEntry[];
      const ids = entries.map(([id]) => id).filter((id) => id !== minId);
      if (ids.length > 0) await this.conn.send(['XDEL', this.keys.events, ...ids]);
      if (entries.length < BATCH || this.closed) return;
    }
  }
}

function pairs(flat: RedisReply[]): [string, RedisReply][] {
  const out: [string, RedisReply][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
