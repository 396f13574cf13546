import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentPool, assertNotOnCommandLine, assertSecretKept, countedCrossings, journalEntries, makeShortFile, outputOf, redisCli, sleep, startProc, tempDir, until, writeFleetTasks, type Proc } from './fleet-harness.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { cliBin, within } from './worker-harness.js';

/**
 * Stalls with real processes (redis-server with a password, two agents, their workers, `run --no-tui --redis` as the
 * controller with its store), each compared with an uninterrupted run of the same clip: the store's counted crossings
 * are exactly the same (line, direction, frame, track), none twice. The password is in no output, file or `ps` line.
 */

const SECRET = 'chaos-Pw-7f3a91';
process.env.PCOUNT_REDIS_PASSWORD = SECRET;
const middle = [{ name: 'middle', points: [0.5, 0, 0.5, 1] }];
const clipDir = tempDir('fleet-chaos');
const clip = makeShortFile(clipDir, 'clip', 240);
const claimed = /"message":"claimed by agent (\w+) \(run /;

interface Site {
  redis: TestRedis;
  agents: AgentPool;
  run: Proc;
}

/** The clip counted by a fleet of two agents, `disturb` done to it once its second crossing is out: the counted crossings. */
async function count(t: { after(fn: () => unknown): void }, name: string, disturb?: (s: Site) => Promise<void>): Promise<string[]> {
  const redis = await startRedis(['--requirepass', SECRET]);
  t.after(() => redis.dispose());
  const dir = tempDir(`fleet-chaos-${name}`);
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  await Promise.all(['a', 'b'].map((n) => agents.spawn(n).waitLine(/ready/, 60_000)));
  const { config, db } = writeFleetTasks(dir, redis.url, { videos: [{ id: 'clip', source: await clip, lines: middle }] });
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  if (disturb) {
    await run.waitLine(/"type":"crossing","task":"clip".*"seq":2,/, 120_000);
    assertNotOnCommandLine(SECRET);
    await disturb({ redis, agents, run });
  }
  const { code } = await within(run.exited, 180_000, 'the run to end');
  assert.equal(code, 0, run.stderr());
  for (const p of agents.agents.values()) p.child.kill('SIGTERM');
  for (const p of agents.agents.values()) await within(p.exited, 30_000, 'agent exit');
  assertSecretKept(SECRET, dir, [run, ...agents.agents.values()].map(outputOf));
  return countedCrossings(db);
}

let uninterrupted: Promise<string[]> | null = null;
const reference = (t: { after(fn: () => unknown): void }) => (uninterrupted ??= count(t, 'reference'));

test('Redis paused (SIGSTOP) past the lease time mid-file: every lease looks lapsed when it is back; the count is the uninterrupted run\'s', { timeout: 300_000 }, async (t) => {
  const expected = await reference(t);
  assert.ok(expected.length >= 3, `the clip has crossings: ${expected.length}`);
  const got = await count(t, 'redis-paused', async ({ redis }) => {
    redis.process.kill('SIGSTOP');
    await sleep(8000);
    redis.process.kill('SIGCONT');
  });
  assert.deepEqual(got, expected);
});

test('the agent counting the file stalls (SIGSTOP) past its lease: the other takes the file over from its state, the stalled one drops what it counted after; the count is the uninterrupted run\'s', { timeout: 300_000 }, async (t) => {
  const expected = await reference(t);
  let taker = '';
  const got = await count(t, 'agent-stalled', async ({ agents, run }) => {
    const holder = claimed.exec(run.lines.find((l) => claimed.test(l))!)![1];
    const stalled = agents.get(holder).child;
    stalled.kill('SIGSTOP');
    const from = run.lines.length;
    taker = claimed.exec(await run.waitLine(claimed, 30_000, from))![1];
    stalled.kill('SIGCONT');
    await agents.get(holder).waitLine(/lease lost/, 30_000);
  });
  assert.notEqual(taker, '');
  assert.deepEqual(got, expected);
});

test('the agent counting the file hands it back (SIGTERM) while the stream refuses its entries (XADD denied), and is not started again: the fleet does not resume the file past what reached the controller; the count is the uninterrupted run\'s', { timeout: 300_000 }, async (t) => {
  const expected = await reference(t);
  const got = await count(t, 'handback-unsent', async ({ redis, agents, run }) => {
    const holder = claimed.exec(run.lines.find((l) => claimed.test(l))!)![1];
    // Stands for the agent killed between its release and its last entries: the release's script ran, they never came.
    redisCli(redis, SECRET, 'ACL', 'SETUSER', 'default', '-xadd');
    const stored = () => Math.max(0, ...run.lines.flatMap((l) => /"type":"crossing","task":"clip".*"seq":(\d+),/.exec(l)?.slice(1).map(Number) ?? []));
    await until('a crossing in the holder\'s journal that the controller did not get', 60_000, () =>
      journalEntries(agents.journal(holder)).some((e) => e.k === 'ev' && e.event.type === 'crossing' && e.event.seq > stored()),
    );
    agents.get(holder).child.kill('SIGTERM');
    await within(agents.get(holder).exited, 30_000, 'the holder to exit');
    redisCli(redis, SECRET, 'ACL', 'SETUSER', 'default', '+xadd');
  });
  assert.deepEqual(got, expected);
});
