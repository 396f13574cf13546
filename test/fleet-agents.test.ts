import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskSpec } from '../src/config/types.js';
import type { FleetEntry, RunEntry } from '../src/fleet/entries.js';
import type { FleetTaskView } from '../src/fleet/health.js';
import { LEASE_MS } from '../src/fleet/timing.js';
import {
  AgentPool,
  controllerScript,
  journalEntries,
  makeLiveClip,
  makeShortFile,
  sleep,
  startAgent,
  startLiveStream,
  startProc,
  tempDir,
  until,
  type Proc,
} from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { within } from './worker-harness.js';

/**
 * Real agents running real `pcount-tui worker` children on the test footage (a live camera served over HTTP from
 * it, and short files), a real Redis, and the controller in its own process: leases, takeover, hand-back, and
 * exactly-once storage of crossings across agent death, controller restart and Redis restart.
 */

const line = { name: 'door', points: [0.5, 0, 0.5, 1] as [number, number, number, number] };
const camera = (id: string, source: string): TaskSpec => ({ id, kind: 'camera', source, lines: [line], options: { skip_frames: 1, confidence: 0.3 } });
const video = (id: string, source: string): TaskSpec => ({ id, kind: 'video', source, lines: [line], options: { skip_frames: 1, confidence: 0.3 } });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function startController(url: string, ledger: string, tasks?: TaskSpec[]): Proc {
  const args = [process.execPath, controllerScript, url, 'pcount', ledger];
  if (tasks) {
    const file = path.join(path.dirname(ledger), `tasks-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(tasks));
    args.push(file);
  }
  return startProc(args);
}

const notice = (l: string) => JSON.parse(l.slice('notice '.length)) as FleetEntry;
const claimOf = (task: string) => new RegExp(`^notice \\{"k":"claim","task":"${task}"`);

/** Sends a line to the controller process and returns the text of its reply line (after `prefix `). */
async function ask(ctl: Proc, command: string, prefix: string): Promise<string> {
  const from = ctl.lines.length;
  ctl.child.stdin!.write(`${command}\n`);
  const reply = await ctl.waitLine(new RegExp(`^${prefix} `), 30_000, from);
  return reply.slice(prefix.length + 1);
}

const fleetTasks = async (ctl: Proc) => JSON.parse(await ask(ctl, 'tasks', 'tasks')) as FleetTaskView[];

/** Run entries in the controller's ledger file, line by line (duplicates would show here). */
function ledgerEntries(file: string): RunEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { entry?: RunEntry })
    .filter((l) => l.entry)
    .map((l) => l.entry!);
}

const crossings = (entries: RunEntry[]) => entries.filter((e) => e.k === 'ev' && e.event.type === 'crossing').map((e) => `${e.run}#${e.n}`);

/** A Redis and a live camera for one test, both gone after it. */
async function fleetSite(t: { after(fn: () => unknown): void }, prefix: string) {
  const dir = tempDir(prefix);
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const cam = await startLiveStream(await makeLiveClip(dir, 200));
  t.after(() => cam.stop());
  return { dir, redis, cam };
}

test('a camera runs on one agent; kill -9 of it → another agent takes it over; a stopping agent hands it back at once', { timeout: 300_000 }, async (t) => {
  const { dir, redis, cam } = await fleetSite(t, 'fleet-takeover');
  const agents = new Map<string, Proc>();
  const spawnAgent = (name: string) => {
    const p = startAgent({ url: redis.url, name, journal: path.join(dir, `journal-${name}`) });
    agents.set(name, p);
    return p;
  };
  t.after(() => [...agents.values()].forEach((p) => p.alive() && p.child.kill('SIGKILL')));
  await Promise.all(['a', 'b'].map((n) => spawnAgent(n).waitLine(/ready/, 60_000)));
  const ctl = startController(redis.url, path.join(dir, 'ledger.ndjson'), [camera('cam', cam.url)]);
  t.after(() => ctl.alive() && ctl.child.kill('SIGKILL'));

  const first = notice(await ctl.waitLine(claimOf('cam'), 60_000)) as Extract<FleetEntry, { k: 'claim' }>;
  await ctl.waitLine(new RegExp(`^stored cam ${esc(first.run)}#\\d+ hello`), 120_000);
  const holder = first.agent;
  const other = holder === 'a' ? 'b' : 'a';

  let from = ctl.lines.length;
  const killedAt = Date.now();
  agents.get(holder)!.child.kill('SIGKILL');
  const lostLine = await ctl.waitLine(/^notice \{"k":"lost","task":"cam"/, 60_000, from);
  const claimLine = await ctl.waitLine(claimOf('cam'), 60_000, from);
  const second = notice(claimLine) as Extract<FleetEntry, { k: 'claim' }>;
  assert.equal(second.agent, other, 'the surviving agent took the camera');
  assert.match(lostLine, new RegExp(`agent ${holder} stopped renewing its lease: re-queued`));
  // One runner at a time: the old run was declared lost (its lease lapsed) before the new run was claimed.
  assert.ok(ctl.lines.indexOf(lostLine) < ctl.lines.indexOf(claimLine));
  await ctl.waitLine(new RegExp(`^stored cam ${esc(second.run)}#\\d+ hello`), 120_000, from);
  t.diagnostic(`kill -9 of agent ${holder} → camera counting on agent ${other} after ${((Date.now() - killedAt) / 1000).toFixed(1)} s (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);

  await spawnAgent('c').waitLine(/ready/, 60_000);
  from = ctl.lines.length;
  const stoppingAt = Date.now();
  agents.get(other)!.child.kill('SIGTERM');
  await ctl.waitLine(new RegExp(`^notice \\{"k":"state","task":"cam","state":"queued","note":"handed back by agent ${other}, which is shutting down"`), 60_000, from);
  const third = notice(await ctl.waitLine(claimOf('cam'), 60_000, from)) as Extract<FleetEntry, { k: 'claim' }>;
  assert.equal(third.agent, 'c');
  await ctl.waitLine(new RegExp(`^stored cam ${esc(second.run)}#\\d+ end \\{"kind":"handed-back"`), 30_000, from);
  assert.equal((await within(agents.get(other)!.exited, 30_000, 'the stopped agent to exit')).code, 0);
  t.diagnostic(`SIGTERM of agent ${other} → claimed by agent c after ${((Date.now() - stoppingAt) / 1000).toFixed(1)} s (a lapsed lease would take ≥ ${LEASE_MS / 1000} s)`);
  await ctl.waitLine(new RegExp(`^stored cam ${esc(third.run)}#\\d+ hello`), 120_000, from);

  // Remote commands: stop reaches the worker on agent c, which ends the run and settles the task.
  assert.equal(await ask(ctl, 'stop cam', 'command'), 'stop cam ok stopping on its agent');
  await ctl.waitLine(new RegExp(`^stored cam ${esc(third.run)}#\\d+ end \\{"kind":"stopped","killed":false\\}`), 60_000, from);
  const [task] = await fleetTasks(ctl);
  assert.equal(task.state, 'stopped');
  assert.equal(task.note, 'stopped by user');
});

test('exactly once: every crossing the workers reported is stored once, across agent kill, controller restart and Redis restart', { timeout: 420_000 }, async (t) => {
  const { dir, redis, cam } = await fleetSite(t, 'fleet-once');
  const file = await makeShortFile(dir, 'lobby', 300);
  const agents = new AgentPool(redis.url, dir, 2);
  const procs: Proc[] = [];
  t.after(() => [agents.killAll(), ...procs.map((p) => p.alive() && p.child.kill('SIGKILL'))]);
  await Promise.all(['a', 'b'].map((n) => agents.spawn(n).waitLine(/ready/, 60_000)));
  const ledger = path.join(dir, 'ledger.ndjson');
  const storedCrossings = (ctl: Proc, from = 0) => ctl.lines.slice(from).filter((l) => /^stored \S+ \S+ crossing$/.test(l)).length;

  // 1. The first controller stores a few crossings, then dies without detaching.
  const ctl1 = startController(redis.url, ledger, [camera('cam', cam.url), video('lobby', file)]);
  procs.push(ctl1);
  await until('two crossings stored', 180_000, () => storedCrossings(ctl1) >= 2);
  ctl1.child.kill('SIGKILL');
  await ctl1.exited;
  await sleep(3000);

  // 2. A new controller attaches to the same ledger and catches up (the dead one's unacknowledged entries too).
  const ctl2 = startController(redis.url, ledger);
  procs.push(ctl2);
  await ctl2.waitLine(/^attached$/, 60_000);

  // 3. The agent that runs the camera is killed; the other takes the camera over.
  const holder = (await fleetTasks(ctl2)).find((x) => x.id === 'cam')!.agent!;
  const from = ctl2.lines.length;
  agents.get(holder).child.kill('SIGKILL');
  await agents.get(holder).exited;
  const claim = notice(await ctl2.waitLine(claimOf('cam'), 90_000, from)) as Extract<FleetEntry, { k: 'claim' }>;
  assert.notEqual(claim.agent, holder);
  await ctl2.waitLine(new RegExp(`^stored cam ${esc(claim.run)}#\\d+ hello`), 120_000, from);
  // The killed agent comes back with its journal and resends whatever it had not sent.
  await agents.spawn(holder).waitLine(/ready/, 60_000);

  // 4. Redis crashes (its append-only file keeps all but up to its last second) and comes back a while later; the
  // workers keep counting into the journals meanwhile, and the agents resend what Redis may have lost.
  const beforeOutage = storedCrossings(ctl2);
  await redis.crash();
  await sleep(6000);
  await redis.restart();
  await ctl2.waitLine(/^redis up$/, 60_000, from);
  await until('crossings stored after the Redis restart', 180_000, () => storedCrossings(ctl2) > beforeOutage);

  // 5. Stop the fleet's tasks, let the agents finish and leave, and compare.
  await ask(ctl2, 'stopall', 'stopall');
  await until('every task settled', 120_000, async () => (await fleetTasks(ctl2)).every((x) => x.state !== 'running' && x.state !== 'queued'));
  for (const p of agents.agents.values()) if (p.alive()) p.child.kill('SIGTERM');
  for (const p of agents.agents.values()) await within(p.exited, 60_000, 'agent exit');
  const emitted = new Set(crossings(['a', 'b'].flatMap((n) => journalEntries(agents.journal(n)))));
  await until('the controller stored everything the agents sent', 60_000, () => crossings(ledgerEntries(ledger)).length >= emitted.size);
  ctl2.child.kill('SIGTERM');
  await within(ctl2.exited, 30_000, 'controller exit');

  const stored = crossings(ledgerEntries(ledger));
  assert.equal(new Set(stored).size, stored.length, 'no crossing stored twice');
  assert.deepEqual(new Set(stored), emitted, 'every crossing the workers reported is stored, and nothing else');
  const duplicates = ctl2.lines.filter((l) => l.startsWith('duplicate ')).length;
  t.diagnostic(`${emitted.size} crossings from ${new Set([...emitted].map((k) => k.split('#')[0])).size} runs, each stored once; ${duplicates} redelivered entries dropped as duplicates`);
  assert.ok(emitted.size >= 3);
});
