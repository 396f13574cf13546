import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveAgents, NO_AGENT_GRACE_MS, NO_AGENT_REPEAT_MS, noAgentLine, noAgentWatch, watchAgents } from '../../src/fleet/no-agent.js';
import type { FleetAgentView } from '../../src/orchestrator/types.js';

/** A headless controller without agents: when it says so (the dashboard's fleet panel shows it all the time). */

const agent = (name: string, state: FleetAgentView['state']): FleetAgentView => ({
  name, host: 'h', pid: 1, state, slotsUsed: 0, slots: 1, cpuPercent: 0, rssBytes: 0, memTotalBytes: 0, memFreeBytes: 0, load1: 0, heartbeatAgeMs: 0, journalBytes: 0, tasks: {},
});

test('watchAgents: said once the grace is over, then once a minute while no agent comes; an agent resets it', () => {
  let w = noAgentWatch(0);
  const said: number[] = [];
  for (let t = 0; t <= 130_000; t += 1000) {
    const live = t >= 100_000 && t < 110_000 ? 1 : 0;
    const r = watchAgents(w, live, t);
    w = r.watch;
    if (r.say) said.push(t);
  }
  // Attached at 0: said at the end of the grace, a minute later; an agent from 100 s to 110 s; gone again: after the grace.
  assert.deepEqual(said, [NO_AGENT_GRACE_MS, NO_AGENT_GRACE_MS + NO_AGENT_REPEAT_MS, 110_000 + NO_AGENT_GRACE_MS]);
});

test('liveAgents counts only agents that can take a task', () => {
  assert.equal(liveAgents([agent('a', 'up'), agent('b', 'silent'), agent('c', 'stopping'), agent('d', 'stopped'), agent('e', 'lost')]), 3);
  assert.equal(liveAgents([agent('d', 'stopped')]), 0);
});

test('noAgentLine names the fleet and the command that starts an agent, without a password', () => {
  assert.equal(
    noAgentLine('site', 'redis://:***@redis.local:6379/0', 1, 5),
    "no agent in fleet 'site' for 5 s: 1 task waits in its queue; start one on a host that can read the sources: pcount-tui agent --redis redis://:***@redis.local:6379/0 --fleet site --slots N",
  );
  assert.match(noAgentLine('site', 'redis://h:6379/0', 3, 65), /3 tasks wait in its queue/);
});
