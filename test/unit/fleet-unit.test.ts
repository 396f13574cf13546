import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskSpec } from '../../src/config/types.js';
import type { ChildExit } from '../../src/orchestrator/child-runner.js';
import { exitOutcome } from '../../src/orchestrator/exit-policy.js';
import type { ExitOutcome } from '../../src/orchestrator/task-machine.js';
import { infoField, parseVersion } from '../../src/fleet/connect.js';
import { entryFields, parseEntry, type FleetEntry, type RunEntry } from '../../src/fleet/entries.js';
import { Journal, type Dropped } from '../../src/fleet/journal.js';
import { checkName, parseRedisUrl } from '../../src/fleet/redis-url.js';
import { HEALTHY_RUN_MS, settleRun } from '../../src/fleet/run-settle.js';
import { specToWire, wireToSpec } from '../../src/fleet/task-wire.js';
import { redactSource } from '../../src/sources/credentials.js';
import { tempDir, vtest480 } from '../fleet-harness.js';

/** The pure parts of fleet mode and the agent's journal. */

test('redactSource hides the password of any URL and leaves the rest alone', () => {
  assert.equal(redactSource('rtsp://admin:s3cret@cam.local:554/stream'), 'rtsp://admin:***@cam.local:554/stream');
  assert.equal(redactSource('redis://:pw@host:6379/0'), 'redis://:***@host:6379/0');
  assert.equal(redactSource('redis://user@host/0'), 'redis://user@host/0');
  assert.equal(redactSource('/videos/a:b@c.mp4'), '/videos/a:b@c.mp4');
});

test('Redis URLs: parts, TLS, the password from the URL or the environment, display without it', () => {
  const t = parseRedisUrl('rediss://alice:p%40ss@redis.example:6380/3', {});
  assert.deepEqual(
    { tls: t.tls, host: t.host, port: t.port, db: t.db, user: t.username, pw: t.password, display: t.display, inUrl: t.passwordInUrl },
    { tls: true, host: 'redis.example', port: 6380, db: 3, user: 'alice', pw: 'p@ss', display: 'rediss://alice:***@redis.example:6380/3', inUrl: true },
  );
  const env = parseRedisUrl('redis://10.0.0.5', { PCOUNT_REDIS_PASSWORD: 'from-env' });
  assert.deepEqual([env.port, env.db, env.password, env.display, env.passwordInUrl], [6379, 0, 'from-env', 'redis://10.0.0.5/0', false]);
  for (const bad of ['http://h:1/0', 'redis://h:1/x', 'redis:///0', 'redis://h/0#frag']) {
    assert.throws(() => parseRedisUrl(bad, {}), (e: Error & { code?: string }) => e.code === 'BAD_REDIS_URL');
  }
  assert.throws(() => parseRedisUrl('redis://u:topsecret@h:1/x', {}), (e: Error) => !e.message.includes('topsecret'));
  assert.equal(checkName('--fleet', 'site-1.cams'), 'site-1.cams');
  assert.throws(() => checkName('--fleet', 'a:b'), /--fleet 'a:b'/);
});

test('server checks read the version and fields of INFO', () => {
  assert.deepEqual(parseVersion('# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n'), [7, 0, 15]);
  assert.deepEqual(parseVersion('redis_version:6.2\r\n'), [6, 2, 0]);
  assert.equal(parseVersion('valkey_version:8.0.1'), null);
  assert.equal(infoField('used_memory:1\r\nmaxmemory_policy:allkeys-lru\r\n', 'maxmemory_policy'), 'allkeys-lru');
});

test('stream entries round-trip through their field lists', () => {
  const entries: FleetEntry[] = [
    { k: 'ev', task: 'cam', run: 'a.x.1', n: 3, agent: 'a', event: { v: 1, type: 'crossing', task: 'cam', ts: 5, line: 'door', track: 2, direction: 'in', frame: 9, pts: 0.9, seq: 1 } },
    { k: 'end', task: 'cam', run: 'a.x.1', n: 4, agent: 'a', outcome: { kind: 'failed', code: 'WORKER_EXIT', reason: 'x', retryInMs: 900 } },
    { k: 'claim', task: 'cam', run: 'a.x.1', agent: 'a', startFrame: null, mark: null },
    { k: 'claim', task: 'v', run: 'a.x.2', agent: 'a', startFrame: 481, mark: null },
    { k: 'claim', task: 'v', run: 'a.x.3', agent: 'b', startFrame: 481, mark: { run: 'a.x.2', seq: 7 } },
    { k: 'lost', task: 'cam', run: 'a.x.1', agent: 'a', note: 'n' },
    { k: 'state', task: 'cam', state: 'queued', note: 'n', agent: null, run: null },
    { k: 'agent', agent: 'a', state: 'lost', note: 'n' },
    { k: 'loss', task: 'cam', run: 'a.x.1', agent: 'a', first: 4, last: 9 },
  ];
  for (const e of entries) assert.deepEqual(parseEntry(entryFields(e)), e);
  // A mark is the state's only at its own frame: one left behind with another frame (an older agent moved the state
  // without it) is none.
  const stale = entryFields({ k: 'claim', task: 'v', run: 'a.x.3', agent: 'b', startFrame: 481, mark: { run: 'a.x.2', seq: 7 } }).map((f) => (f === '481|7|a.x.2' ? '301|7|a.x.2' : f));
  assert.deepEqual(parseEntry(stale), { k: 'claim', task: 'v', run: 'a.x.3', agent: 'b', startFrame: 481, mark: null });
  assert.equal(parseEntry(['k', 'ev', 'e', '{broken']), null);
  assert.equal(parseEntry(['k', 'other']), null);
});

const fullSpec: TaskSpec = {
  id: 'cam-1',
  kind: 'camera',
  source: 'rtsp://u:p@cam/stream',
  lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }],
  options: { skip_frames: 2, confidence: 0.35, model: fileURLToPath(import.meta.url), model_format: 'yolox', input_size: '416x320', anchor: 'center', stall_timeout: 7 },
  occupancyReset: '04:00',
  occupancyFloor: 0,
};

test('task specs travel in config form and come back identical after the schema check', () => {
  const back = wireToSpec(specToWire(fullSpec));
  assert.deepEqual(back, { ok: true, spec: fullSpec });
  const file: TaskSpec = { id: 'v', kind: 'video', source: vtest480, lines: fullSpec.lines, options: { skip_frames: 1, confidence: 0.3 } };
  const fileBack = wireToSpec(specToWire(file));
  assert.ok(fileBack.ok);
  assert.equal(fileBack.ok && fileBack.spec.source, vtest480);
});

test('an agent refuses task specs that fail the config schema or could be read as options', () => {
  const wire = (task: Record<string, unknown>, kind = 'camera') => JSON.stringify({ kind, task });
  const line = [{ name: 'door', points: [0.5, 0, 0.5, 1] }];
  const cases: [string, RegExp][] = [
    ['not json', /not valid JSON/],
    [JSON.stringify({ kind: 'shell', task: {} }), /not \{kind: camera\|video/],
    [wire({ id: 'x', source: '--help', lines: line }), /starts with '-'/],
    [wire({ id: 'x', source: 'relative.mp4', lines: line }, 'video'), /not an absolute path/],
    [wire({ id: 'x', source: '/nowhere/missing.mp4', lines: line }, 'video'), /file not found/],
    [wire({ id: 'x y', source: 'rtsp://cam/s', lines: line }), /\$\.cameras\[0\]\.id/],
    [wire({ id: 'x', source: 'rtsp://cam/s', lines: line, exec: 'rm -rf /' }), /exec.*not a known property/],
    [wire({ id: 'x', source: 'rtsp://cam/s', lines: [{ name: 'door', points: [0, 0, 2, 1] }] }), /points\[2\]/],
  ];
  for (const [text, expected] of cases) {
    const r = wireToSpec(text);
    assert.equal(r.ok, false, text);
    assert.match(!r.ok ? r.problem : '', expected);
  }
});

const exit = (over: Partial<ChildExit> = {}): ExitOutcome => exitOutcome({
  code: 0,
  signal: null,
  stall: null,
  killedAfterStop: false,
  sawDone: true,
  reachedEnd: true,
  lastError: null,
  tail: [],
  spawnError: null,
  ...over,
});

test('settleRun: what the end of a run means for the fleet', () => {
  const half = () => 0.5;
  assert.deepEqual(settleRun(exit(), null, 'video', 0, 1000, 'a', half).disposition, 'completed');
  const stopped = settleRun(exit({ killedAfterStop: true }), 'stop', 'camera', 2, 1000, 'a', half);
  assert.deepEqual([stopped.disposition, stopped.note, stopped.outcome], ['stopped', 'stopped by user (killed after the stop time-out)', { kind: 'stopped', killed: true }]);
  assert.equal(settleRun(exit(), 'cancel', 'camera', 0, 1000, 'a').disposition, 'cancelled');
  assert.deepEqual(settleRun(exit(), 'restart', 'camera', 3, 1000, 'a').disposition, 'requeue');
  const back = settleRun(exit(), 'handback', 'video', 1, 1000, 'a');
  assert.deepEqual([back.disposition, back.attempt, back.outcome.kind], ['requeue', 1, 'handed-back']);
  assert.equal(settleRun(exit({ signal: 'SIGKILL' }), 'lost', 'camera', 0, 1000, 'a').disposition, null);
  const requeued = settleRun(exit({ signal: 'SIGKILL' }), 'lost', 'video', 0, 1000, 'a', half, { holder: null, lapsed: false });
  assert.deepEqual(requeued.outcome, { kind: 'lost', reason: "Redis lost agent a's claim of the task (it restarted or failed over without its last writes) and queued the task again" });
  assert.doesNotMatch(requeued.note, /another run/, 'no other run took it');
  const taken = settleRun(exit({ signal: 'SIGKILL' }), 'lost', 'video', 0, 1000, 'a', half, { holder: 'b', lapsed: true });
  assert.equal(taken.note, 'agent a lost its lease (no heartbeat reached Redis in time); agent b runs it now');
  // A file that fails stays failed; a camera is retried for ever, with a growing backoff that restarts after a healthy run.
  const fileFail = settleRun(exit({ code: 1, sawDone: false }), null, 'video', 0, 1000, 'a');
  assert.deepEqual([fileFail.disposition, fileFail.outcome.kind === 'failed' && fileFail.outcome.retryInMs], ['failed', null]);
  const cam1 = settleRun(exit({ code: 1, sawDone: false }), null, 'camera', 0, 1000, 'a', half);
  const cam4 = settleRun(exit({ code: 1, sawDone: false }), null, 'camera', 3, 1000, 'a', half);
  const healthy = settleRun(exit({ code: 1, sawDone: false }), null, 'camera', 3, HEALTHY_RUN_MS, 'a', half);
  assert.deepEqual([cam1.disposition, cam1.attempt, cam4.attempt, healthy.attempt], ['retry', 1, 4, 1]);
  assert.ok(cam4.delayMs > cam1.delayMs && healthy.delayMs === cam1.delayMs);
  assert.match(cam1.note, /worker exited with code 1 \(on agent a\); retry 1 in \d+\.\d s/);
  // A camera worker that ends by itself has lost its stream: a failure, not a completion.
  assert.equal(settleRun(exit(), null, 'camera', 0, 1000, 'a').disposition, 'retry');
});

const ev = (run: string, n: number, ts = n): RunEntry => ({
  k: 'ev',
  task: 't',
  run,
  n,
  agent: 'a',
  event: { v: 1, type: 'crossing', task: 't', ts, line: 'door', track: n, direction: 'in', frame: n, pts: n / 10, seq: n },
});

test('journal: entries survive a restart until acknowledged; acknowledged segments go; resend from the acked mark', () => {
  const dir = tempDir('journal');
  const j = new Journal(dir, 64 * 1024 * 1024, false);
  for (let n = 1; n <= 5; n++) j.append(ev('r1', n));
  j.markSent('r1', 3);
  assert.deepEqual(j.unsent(100).map((e) => 'n' in e && e.n), [4, 5]);
  j.close();
  // A new agent process on the same folder: nothing is known to have been sent.
  appendFileSync(path.join(dir, readdirSync(dir)[0]), '{"k":"ev","torn');
  const again = new Journal(dir, 64 * 1024 * 1024, false);
  assert.deepEqual(again.unsent(100).map((e) => 'n' in e && e.n), [1, 2, 3, 4, 5]);
  again.markSent('r1', 5);
  assert.equal(again.hasUnsent(), false);
  again.resendUnacked();
  assert.equal(again.unsent(100).length, 5);
  assert.equal(again.ack('r1', 5, true), true, 'a finished run that is all stored is forgotten');
  assert.deepEqual(readdirSync(dir), []);
});

test('journal: bounded; over the bound it drops what Redis already has first, then reports what it loses', () => {
  const dir = tempDir('journal-bound');
  const size = Buffer.byteLength(`${JSON.stringify(ev('r1', 1))}\n`);
  // Room for about 2.5 MiB: three 1 MiB segments do not fit.
  const j = new Journal(dir, Math.floor(2.5 * 1024 * 1024), true);
  const perSegment = Math.floor((1024 * 1024) / size);
  let n = 0;
  const dropped: Dropped[] = [];
  while (n < perSegment * 2 + 10) dropped.push(...j.append(ev('r1', ++n)));
  assert.equal(dropped.length, 0);
  j.markSent('r1', perSegment); // the first segment reached Redis
  while (n < perSegment * 3 + 10) dropped.push(...j.append(ev('r1', ++n)));
  assert.equal(dropped.length, 0, 'the segment already in Redis made room');
  assert.ok(j.bytes <= 2.5 * 1024 * 1024);
  while (n < perSegment * 4 + 10) dropped.push(...j.append(ev('r1', ++n)));
  assert.equal(dropped.length, 1, 'then an unsent segment had to go');
  assert.equal(dropped[0].run, 'r1');
  assert.equal(dropped[0].first, perSegment + 1);
  assert.ok(dropped[0].last > dropped[0].first);
  assert.ok(readdirSync(path.join(dir, 'dropped')).length === 2, 'with keepAcked, dropped segments are kept aside for audits');
  j.close();
});
