import type { RedisConnection } from './connect.js';
import type { Journal } from './journal.js';
import type { FleetKeys } from './keys.js';

/** Drops from the journal what the controller has stored; `live` says which runs' workers still run once Redis has answered. */
export async function trimJournal(conn: RedisConnection, keys: FleetKeys, journal: Journal, live: () => Set<string>): Promise<void> {
  const ids = journal.runIds();
  if (ids.length === 0) return;
  const acked = (await conn.send(['HMGET', keys.acked, ...ids])) as (string | null)[];
  const running = live();
  const done: string[] = [];
  ids.forEach((id, i) => {
    if (journal.ack(id, Number(acked[i] ?? 0), !running.has(id))) done.push(id);
  });
  if (done.length > 0) await conn.send(['HDEL', keys.acked, ...done]);
}
