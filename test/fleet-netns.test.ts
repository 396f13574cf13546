import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskSpec } from '../src/config/types.js';
import type { FleetEntry } from '../src/fleet/entries.js';
import { controllerScript, makeLiveClip, startAgent, startLiveStream, startProc, tempDir, until, type Proc } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { within } from './worker-harness.js';

/**
 * Nothing in fleet mode may assume one host: an agent runs in its own network namespace (its own interfaces and
 * loopback, joined to this host by a veth pair), reaching Redis and its camera over that link only. Then the link is
 * cut: the agent on this host takes the camera over, and when the link comes back the cut-off agent learns it lost
 * the lease and ends its run. (CI runs as root, which `ip netns` needs.)
 */

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

test('an agent in its own network namespace runs a camera; cutting its link moves the camera to another agent', { timeout: 300_000 }, async (t) => {
  const id = (process.pid % 200) + 20;
  const ns = `pcount-fleet-${process.pid}`;
  const [hostIf, nsIf] = [`pcf${process.pid}h`.slice(0, 15), `pcf${process.pid}n`.slice(0, 15)];
  const [hostAddr, nsAddr] = [`10.231.${id}.1`, `10.231.${id}.2`];
  ip('netns', 'add', ns);
  t.after(() => {
    try {
      ip('netns', 'del', ns);
    } catch {
      // Already gone.
    }
    try {
      ip('link', 'del', hostIf);
    } catch {
      // Deleting the namespace took the pair with it.
    }
  });
  ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
  ip('link', 'set', nsIf, 'netns', ns);
  ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
  ip('link', 'set', hostIf, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
  ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

  const dir = tempDir('fleet-netns');
  // Redis refuses other hosts without a password (protected mode): the fleet's hosts share one, from the environment.
  const redis = await startRedis(['--requirepass', 'netns-pw-2291'], { host: hostAddr });
  process.env.PCOUNT_REDIS_PASSWORD = 'netns-pw-2291';
  t.after(() => delete process.env.PCOUNT_REDIS_PASSWORD);
  t.after(() => redis.dispose());
  const cam = await startLiveStream(await makeLiveClip(dir, 200), hostAddr);
  t.after(() => cam.stop());
  const procs: Proc[] = [];
  t.after(() => procs.forEach((p) => p.alive() && p.child.kill('SIGKILL')));

  // The remote agent first, alone, so that it takes the camera.
  const remote = startAgent({ url: redis.url, name: 'remote', journal: path.join(dir, 'journal-remote'), prefix: ['ip', 'netns', 'exec', ns] });
  procs.push(remote);
  await remote.waitLine(new RegExp(`ready: fleet 'pcount' on redis://${esc(hostAddr)}`), 60_000);
  const tasks = path.join(dir, 'tasks.json');
  const spec: TaskSpec = { id: 'cam', kind: 'camera', source: cam.url, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.3 } };
  writeFileSync(tasks, JSON.stringify([spec]));
  const ctl = startProc([process.execPath, controllerScript, redis.url, 'pcount', path.join(dir, 'ledger.ndjson'), tasks]);
  procs.push(ctl);
  const claimLine = await ctl.waitLine(/^notice \{"k":"claim","task":"cam"/, 60_000);
  const first = JSON.parse(claimLine.slice(7)) as Extract<FleetEntry, { k: 'claim' }>;
  assert.equal(first.agent, 'remote');
  await ctl.waitLine(new RegExp(`^stored cam ${esc(first.run)}#\\d+ hello`), 120_000);
  const local = startAgent({ url: redis.url, name: 'local', journal: path.join(dir, 'journal-local') });
  procs.push(local);
  await local.waitLine(/ready/, 60_000);

  // Cut the link: the remote agent can reach neither Redis nor the camera; its lease lapses and the local agent takes over.
  const from = ctl.lines.length;
  ip('link', 'set', hostIf, 'down');
  await ctl.waitLine(/^notice \{"k":"lost","task":"cam".*agent remote stopped renewing its lease/, 60_000, from);
  const second = JSON.parse((await ctl.waitLine(/^notice \{"k":"claim","task":"cam"/, 60_000, from)).slice(7)) as Extract<FleetEntry, { k: 'claim' }>;
  assert.equal(second.agent, 'local');
  await ctl.waitLine(new RegExp(`^stored cam ${esc(second.run)}#\\d+ hello`), 120_000, from);

  // The link comes back: the remote agent finds its lease gone, kills its worker, and reports the run as lost.
  ip('link', 'set', hostIf, 'up');
  await remote.waitLine(/cam: lease lost/, 60_000);
  await ctl.waitLine(new RegExp(`^stored cam ${esc(first.run)}#\\d+ end \\{"kind":"lost"`), 60_000, from);
  // Health, as the controller reads it: both agents up; the camera on the local one only (one runner).
  type Health = { agents: { name: string; state: string; slotsUsed: number }[] };
  const health = async () => {
    const at = ctl.lines.length;
    ctl.child.stdin!.write('health\n');
    return JSON.parse((await ctl.waitLine(/^health /, 30_000, at)).slice(7)) as Health;
  };
  const settled = await until('health shows the camera on the local agent only', 30_000, async () => {
    const h = await health();
    const used = Object.fromEntries(h.agents.map((a) => [a.name, a.slotsUsed]));
    return used.local === 1 && used.remote === 0 && h;
  });
  assert.deepEqual(
    settled.agents.map((a) => [a.name, a.state]),
    [['local', 'up'], ['remote', 'up']],
  );
  for (const p of [remote, local]) p.child.kill('SIGTERM');
  for (const p of [remote, local]) assert.equal((await within(p.exited, 60_000, 'agent exit')).code, 0);
});
