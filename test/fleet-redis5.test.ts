import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featuresFor, featuresOf, RedisConnection, type RedisReply } from '../src/fleet/connect.js';
import { EventReader } from '../src/fleet/event-reader.js';
import { entryFields, type FleetEntry } from '../src/fleet/entries.js';
import { CONTROLLER_GROUP, fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { RecordingSink, until } from './fleet-harness.js';
import { startRedis } from './redis-server.js';

/**
 * The event reader's two ways of taking over a dead controller's unacknowledged events and of trimming the stream:
 * XAUTOCLAIM and XTRIM MINID (Redis ≥ 6.2) and XPENDING + XCLAIM and XRANGE + XDEL (5.0–6.0). Only Redis 7 is
 * installable here, so the older way is forced on a real server through the connection's features.
 */

test('server versions: < 5.0 refused with the reason, 5.0–6.0 without XAUTOCLAIM, 6.2 on with it', () => {
  assert.throws(
    () => featuresFor([4, 0, 14], 'Redis at redis://h:1/0'),
    (e: Error & { code?: string }) => e.code === 'REDIS_TOO_OLD' && /Redis at redis:\/\/h:1\/0 is version 4\.0\.14; fleet mode needs Redis ≥ 5\.0 \(streams/.test(e.message),
  );
  assert.throws(() => featuresFor(null, 'Redis at x'), /is version unknown/);
  assert.deepEqual(featuresFor([5, 0, 0], 'x'), { autoclaim: false, trimMinId: false });
  assert.deepEqual(featuresOf([6, 0, 16]), { autoclaim: false, trimMinId: false });
  assert.deepEqual(featuresOf([6, 2, 0]), { autoclaim: true, trimMinId: true });
  assert.deepEqual(featuresOf([7, 0, 15]), { autoclaim: true, trimMinId: true });
});

const crossing = (run: string, n: number): FleetEntry => ({
  k: 'ev',
  task: 'cam',
  run,
  n,
  agent: 'a',
  event: { v: 1, type: 'crossing', task: 'cam', ts: n, line: 'door', track: n, direction: 'in', frame: n, pts: n / 10, seq: n },
});

for (const version of [[5, 0, 0], [7, 0, 0]] as const) {
  test(`Redis ${version[0]}.${version[1]} commands: a new controller takes over a dead one's pending events once each, and trims what it stored`, async (t) => {
    const redis = await startRedis();
    t.after(() => redis.dispose());
    const conn = await RedisConnection.open(parseRedisUrl(redis.url, {}), 'test');
    t.after(() => conn.close());
    conn.features = featuresOf(version);
    // Proof that the older way uses nothing newer: the commands it replaces are forbidden to this client.
    if (!conn.features.autoclaim) await conn.send(['ACL', 'SETUSER', 'default', '-xautoclaim', '-xtrim']);
    const blocking = await conn.duplicate('test-blocking');
    t.after(() => blocking.close());
    assert.deepEqual(blocking.features, conn.features);
    const keys = fleetKeys('f5');
    const send = (args: (string | number)[]) => conn.send(args);

    // A controller that read 700 entries (more than one batch) and died before acknowledging them; one of them was
    // deleted from the stream meanwhile, and 5 more entries were never read by anyone.
    await send(['XGROUP', 'CREATE', keys.events, CONTROLLER_GROUP, '0', 'MKSTREAM']);
    const ids: string[] = [];
    for (let n = 1; n <= 705; n++) ids.push(String(await send(['XADD', keys.events, '*', ...entryFields(crossing('r1', n))])));
    const read = (await send(['XREADGROUP', 'GROUP', CONTROLLER_GROUP, 'dead', 'COUNT', 700, 'STREAMS', keys.events, '>'])) as RedisReply[][];
    assert.equal((read[0][1] as RedisReply[]).length, 700);
    await send(['XDEL', keys.events, ids[9]]);

    const sink = new RecordingSink();
    const reader = new EventReader(conn, blocking, keys, 'ctl-2', sink, () => {}, (m) => m && assert.fail(m));
    reader.start();
    t.after(() => reader.close());
    await until('every entry stored', 20_000, () => sink.entries.length === 704);
    assert.deepEqual(
      sink.entries.map((e) => (e.k === 'ev' ? e.n : 0)),
      Array.from({ length: 705 }, (_, i) => i + 1).filter((n) => n !== 10),
    );
    const summary = (await send(['XPENDING', keys.events, CONTROLLER_GROUP])) as RedisReply[];
    assert.equal(Number(summary[0]), 0, 'nothing left pending, the deleted entry included');
    assert.equal(await send(['HGET', keys.acked, 'r1']), '705');
    // Trimmed up to the last entry the group delivered (nothing is pending), which stays as the trim's mark.
    await until('the stream trimmed', 10_000, async () => Number(await send(['XLEN', keys.events])) === 1);
    await send(['XADD', keys.events, '*', ...entryFields(crossing('r1', 706))]);
    await until('a later entry stored', 10_000, () => sink.entries.length === 705);
    await until('and trimmed too', 10_000, async () => {
      const left = (await send(['XRANGE', keys.events, '-', '+'])) as RedisReply[][];
      return left.length === 1 && left[0][0] !== ids[704];
    });
  });
}
