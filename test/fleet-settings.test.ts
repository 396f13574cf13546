import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RedisConnection } from '../src/fleet/connect.js';
import { FleetController } from '../src/fleet/controller.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { RecordingSink, startAgent, startProc, tempDir, until } from './fleet-harness.js';
import { freePort, startRedis } from './redis-server.js';
import { within } from './worker-harness.js';

/**
 * Bad Redis URLs and settings, each against a real redis-server configured to be wrong in that one way: the agent
 * exits non-zero with a message naming the problem, never with a stack trace, and never shows a password.
 */

async function agentFails(url: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const agent = startAgent({ url, name: 'bad-input', journal: tempDir('journal'), env });
  const { code } = await within(agent.exited, 30_000, 'the agent to exit');
  return { code, out: agent.lines.join('\n') + agent.stderr() };
}

function assertClean(out: string, secret?: string): void {
  assert.doesNotMatch(out, /\n\s+at .*\(.*:\d+:\d+\)/, `no stack trace:\n${out}`);
  if (secret) assert.ok(!out.includes(secret), `the password must not appear:\n${out}`);
}

test('malformed URLs and names: exit 2 with what is wrong', async () => {
  for (const [url, expected] of [
    ['http://127.0.0.1:6379/0', /scheme must be redis:\/\/ or rediss:\/\//],
    ['redis://127.0.0.1:6379/zero', /database must be a number/],
    ['not a url', /not a URL/],
    ['redis://user:hunter2@127.0.0.1:6379/0?x=1', /unexpected query/],
  ] as const) {
    const { code, out } = await agentFails(url);
    assert.equal(code, 2, out);
    assert.match(out, expected);
    assertClean(out, 'hunter2');
  }
  const badName = startProc([process.execPath, 'bin/pcount-tui.js', 'agent', '--redis', 'redis://127.0.0.1:1/0', '--name', 'a b']);
  assert.equal((await within(badName.exited, 30_000, 'exit')).code, 2);
  assert.match(badName.stderr(), /--name 'a b'/);
});

test('nothing listening: exit 1, connection refused', async () => {
  const port = await freePort();
  const { code, out } = await agentFails(`redis://127.0.0.1:${port}/0`);
  assert.equal(code, 1, out);
  assert.match(out, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0: connection refused`));
  assertClean(out);
});

test('passwords: a wrong one, a missing one, an ACL user; the right one from PCOUNT_REDIS_PASSWORD; never in output or ps', async (t) => {
  const redis = await startRedis(['--requirepass', 'sesame-7731'], { conf: ['user alice on >alice-pw-5519 ~* &* +@all'] });
  t.after(() => redis.dispose());
  const base = `127.0.0.1:${redis.port}/0`;

  let r = await agentFails(`redis://:wrong-pw-4410@${base}`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /refused the user name or password \(WRONGPASS\)/);
  assert.match(r.out, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
  assertClean(r.out, 'wrong-pw-4410');

  r = await agentFails(`redis://${base}`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /needs a password: put it in the environment variable PCOUNT_REDIS_PASSWORD/);

  r = await agentFails(`redis://alice:not-alices-pw@${base}`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /redis:\/\/alice:\*\*\*@127\.0\.0\.1.* refused the user name or password/);
  assertClean(r.out, 'not-alices-pw');

  // The right password in the environment: the agent runs, and its command line and output hold no password.
  const viaEnv = startAgent({ url: `redis://alice@${base}`, name: 'env-pw', journal: tempDir('journal'), env: { PCOUNT_REDIS_PASSWORD: 'alice-pw-5519' } });
  t.after(() => viaEnv.child.kill('SIGKILL'));
  await viaEnv.waitLine(/ready: fleet 'pcount' on redis:\/\/alice@127\.0\.0\.1/, 30_000);
  // In the URL: it works, warns, and `ps` no longer shows it once the agent runs.
  const inUrl = startAgent({ url: `redis://:sesame-7731@${base}`, name: 'url-pw', journal: tempDir('journal') });
  t.after(() => inUrl.child.kill('SIGKILL'));
  await inUrl.waitLine(/ready: fleet 'pcount' on redis:\/\/:\*\*\*@127\.0\.0\.1/, 30_000);
  const cmdline = readFileSync(`/proc/${inUrl.child.pid}/cmdline`, 'utf8');
  assert.ok(!cmdline.includes('sesame-7731'), `ps shows: ${cmdline}`);
  assert.ok(!execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes('sesame-7731'), 'no process shows the password');
  assert.match(inUrl.stderr(), /use PCOUNT_REDIS_PASSWORD instead/);
  for (const p of [viaEnv, inUrl]) {
    p.child.kill('SIGTERM');
    assert.equal((await within(p.exited, 30_000, 'agent exit')).code, 0);
    assertClean(p.lines.join('\n') + p.stderr(), 'sesame-7731');
    assertClean(p.lines.join('\n') + p.stderr(), 'alice-pw-5519');
  }
});

test('a Redis that may evict keys, or lacks a command fleet mode needs, is refused', async (t) => {
  const lru = await startRedis(['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
  t.after(() => lru.dispose());
  let r = await agentFails(lru.url);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /runs with maxmemory-policy allkeys-lru.*set maxmemory-policy noeviction/);

  const renamed = await startRedis(['--rename-command', 'XAUTOCLAIM', '']);
  t.after(() => renamed.dispose());
  r = await agentFails(renamed.url);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /does not offer XAUTOCLAIM \(disabled or renamed/);
});

test('TLS: rediss:// to a TLS port works; redis:// to it says to use rediss://', async (t) => {
  const dir = tempDir('tls');
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const port = await freePort();
  const redis = await startRedis(['--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'], { port });
  t.after(() => redis.dispose());
  const plain = await agentFails(`redis://127.0.0.1:${port}/0`);
  assert.equal(plain.code, 1, plain.out);
  assert.match(plain.out, /closed the connection during the handshake \(does it expect TLS\? then use rediss:\/\/\)/);
  const tls = startAgent({ url: `rediss://127.0.0.1:${port}/0`, name: 'tls', journal: tempDir('journal'), env: { NODE_EXTRA_CA_CERTS: cert } });
  t.after(() => tls.child.kill('SIGKILL'));
  await tls.waitLine(/ready: fleet 'pcount' on rediss:\/\/127\.0\.0\.1/, 30_000);
  tls.child.kill('SIGTERM');
  assert.equal((await within(tls.exited, 30_000, 'agent exit')).code, 0);
});

test('two live agents with one name: the second is refused', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const first = startAgent({ url: redis.url, name: 'twin', journal: tempDir('journal') });
  t.after(() => first.child.kill('SIGKILL'));
  await first.waitLine(/ready/, 30_000);
  const second = startAgent({ url: redis.url, name: 'twin', journal: tempDir('journal') });
  const { code } = await within(second.exited, 30_000, 'the second agent to exit');
  assert.equal(code, 1);
  assert.match(second.stderr(), /an agent named 'twin' is already running in fleet 'pcount'; give this one another --name/);
  first.child.kill('SIGTERM');
  await within(first.exited, 30_000, 'agent exit');
});

test('an agent runs nothing from a task spec that fails the config schema (whoever wrote it into Redis)', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const conn = await RedisConnection.open(parseRedisUrl(redis.url, {}), 'test');
  t.after(() => conn.close());
  const ctl = await FleetController.attach({ conn, fleet: 'pcount' });
  t.after(() => ctl.detach());
  const sink = new RecordingSink();
  await ctl.read(sink);
  const line = [{ name: 'door', points: [0.5, 0, 0.5, 1] as [number, number, number, number] }];
  await ctl.submit([{ id: 'gone', kind: 'video', source: '/nowhere/lobby.mp4', lines: line, options: { skip_frames: 1, confidence: 0.3 } }]);
  // A rogue writer: a task with a key the schema does not know, queued by hand.
  const keys = fleetKeys('pcount');
  await conn.send(['HSET', keys.task('rogue'), 'spec', JSON.stringify({ kind: 'camera', task: { id: 'rogue', source: 'rtsp://cam/s', lines: line, exec: 'sh -c "touch /tmp/pwned"' } }), 'kind', 'camera', 'want', 'run', 'state', 'queued', 'gen', '0']);
  await conn.send(['SADD', keys.tasks, 'rogue']);
  await conn.send(['ZADD', keys.queue, '0', 'rogue']);
  const agent = startAgent({ url: redis.url, name: 'strict', journal: tempDir('journal') });
  t.after(() => agent.alive() && agent.child.kill('SIGKILL'));
  const failed = await until('both tasks refused', 60_000, async () => {
    const tasks = await ctl.tasks();
    return tasks.every((x) => x.state === 'failed') && tasks;
  });
  const notes = Object.fromEntries(failed.map((x) => [x.id, x.note]));
  assert.match(notes.gone, /^agent strict refused the task: \$\.videos\[0\]\.source: file not found: \/nowhere\/lobby\.mp4/);
  assert.match(notes.rogue, /^agent strict refused the task: \$\.cameras\[0\]\.exec: is not a known property/);
  await until('the refusals read', 30_000, () => sink.entries.filter((e) => e.k === 'end' && e.outcome.kind === 'rejected').length === 2);
  agent.child.kill('SIGTERM');
  assert.equal((await within(agent.exited, 30_000, 'agent exit')).code, 0);
  assert.ok(!agent.lines.some((l) => /started \(run/.test(l)), 'no worker was started');
});

test('a second signal while the agent hands back leaves at once, with that signal\'s exit status (128 + n)', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.dispose());
  for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const agent = startAgent({ url: redis.url, name: `twice-${status}`, journal: tempDir('journal') });
    t.after(() => agent.child.kill('SIGKILL'));
    await agent.waitLine(/ready/, 30_000);
    // Redis paused: the hand-back waits on it (its commands time out after 5 s), so the second signal comes during it.
    redis.process.kill('SIGSTOP');
    agent.child.kill(signal);
    await agent.waitLine(/shutting down/, 10_000);
    agent.child.kill(signal);
    const { code } = await within(agent.exited, 10_000, 'the agent to exit');
    redis.process.kill('SIGCONT');
    assert.equal(code, status, `a second ${signal}`);
  }
});
