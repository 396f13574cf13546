import type { FleetAgentView } from '../orchestrator/types.js';

/** A headless controller says it has no agent this long after it attached or its last agent went: a starting agent's first heartbeat comes well before. */
export const NO_AGENT_GRACE_MS = 5000;
/** And again this often while there still is none: a reminder in a log, not a flood. */
export const NO_AGENT_REPEAT_MS = 60_000;

/** Since when the fleet has had no live agent (null: it has one) and when that was last said. */
export interface NoAgentWatch {
  since: number | null;
  said: number | null;
}

export const noAgentWatch = (now: number): NoAgentWatch => ({ since: now, said: null });

/** Agents that can take a task: an agent stopped, or lost with its leases, cannot. */
export function liveAgents(agents: readonly FleetAgentView[]): number {
  return agents.filter((a) => a.state === 'up' || a.state === 'silent' || a.state === 'stopping').length;
}

/**
 * After each health read: whether to say (now) that the fleet has no agent. Pure: the watch, how many agents are
 * live, the time. Said once the grace is over, then every NO_AGENT_REPEAT_MS while none comes; an agent resets it.
 */
export function watchAgents(w: NoAgentWatch, live: number, now: number): { watch: NoAgentWatch; say: boolean } {
  if (live > 0) return { watch: { since: null, said: null }, say: false };
  const since = w.since ?? now;
  const due = w.said === null ? now - since >= NO_AGENT_GRACE_MS : now - w.said >= NO_AGENT_REPEAT_MS;
  return { watch: { since, said: due ? now : w.said }, say: due };
}

/** What a headless controller says when its fleet has no agent, with the command that starts one (no password in it). */
export function noAgentLine(fleet: string, redisDisplay: string, waiting: number, forSeconds: number): string {
  const tasks = `${waiting} task${waiting === 1 ? '' : 's'} wait${waiting === 1 ? 's' : ''} in its queue`;
  return `no agent in fleet '${fleet}' for ${forSeconds} s: ${tasks}; start one on a host that can read the sources: pcount-tui agent --redis ${redisDisplay} --fleet ${fleet} --slots N`;
}
