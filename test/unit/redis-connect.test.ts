import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { RedisConnection } from '../../src/fleet/connect.js';
import { parseRedisUrl } from '../../src/fleet/redis-url.js';

test('a port that accepts but never answers the handshake: a clear error within the connect time-out, not a hang', async (t) => {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  const started = Date.now();
  const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 15 s'), 15_000).unref());
  const opened = RedisConnection.open(parseRedisUrl(`redis://:s3cret@127.0.0.1:${port}/0`, {}), 'pcount-test').then(
    () => 'opened',
    (err: Error) => err.message,
  );
  const outcome = await Promise.race([opened, hung]);
  assert.equal(outcome, `cannot reach Redis at redis://:***@127.0.0.1:${port}/0: no answer within 5 s`);
  assert.ok(Date.now() - started < 8000, `gave up after ${Date.now() - started} ms`);
});
