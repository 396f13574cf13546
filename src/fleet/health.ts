import type { Usage } from '../orchestrator/resources.js';
import type { FleetAgentView, FleetView } from '../orchestrator/types.js';
import { AGENT_SILENT_MS } from './timing.js';

/** One agent as the controller sees it. `silent`: no heartbeat for AGENT_SILENT_MS; `lost`: its leases lapsed. */
export type AgentHealth = FleetAgentView;

export type FleetHealth = Omit<FleetView, 'fleet' | 'notes'>;

/** A task as Redis holds it. */
export interface FleetTaskView {
  id: string;
  kind: 'camera' | 'video';
  state: 'queued' | 'running' | 'completed' | 'failed' | 'stopped' | 'cancelled';
  want: 'run' | 'stop' | 'cancel';
  agent: string | null;
  run: string | null;
  note: string;
  attempt: number;
  /** A file's next run counts from this frame (the controller's last checkpoint), else null. */
  startFrame: number | null;
  /** The run that ended last (null before one did), its agent, and the sequence number of its `end` entry. */
  lastRun: string | null;
  lastAgent: string | null;
  lastN: number;
}

/** An agent's hash (HGETALL) at Redis time `now`. */
export function agentHealth(name: string, h: Record<string, string>, now: number): AgentHealth {
  const num = (k: string) => Number(h[k] ?? 0) || 0;
  const age = Math.max(0, now - num('seen'));
  const stored = h.state as AgentHealth['state'] | undefined;
  const state: AgentHealth['state'] =
    stored === 'stopped' || stored === 'lost' ? stored : age > AGENT_SILENT_MS ? 'silent' : stored === 'stopping' ? 'stopping' : 'up';
  return {
    name,
    host: h.host ?? '?',
    pid: num('pid'),
    state,
    slotsUsed: num('used'),
    slots: num('slots'),
    cpuPercent: num('cpu'),
    rssBytes: num('rss'),
    memTotalBytes: num('mem_total'),
    memFreeBytes: num('mem_free'),
    load1: num('load'),
    heartbeatAgeMs: age,
    journalBytes: num('journal_bytes'),
    tasks: taskUsageField(h.tasks),
  };
}

/** The agent's per-task usage (written by healthFields); anything unreadable (an older agent) is none. */
function taskUsageField(text: string | undefined): AgentHealth['tasks'] {
  try {
    const parsed = JSON.parse(text ?? '{}') as Record<string, { cpuPercent?: unknown; rssBytes?: unknown }>;
    const out: AgentHealth['tasks'] = {};
    for (const [task, u] of Object.entries(parsed ?? {})) out[task] = { cpuPercent: Number(u?.cpuPercent) || 0, rssBytes: Number(u?.rssBytes) || 0 };
    return out;
  } catch {
    return {};
  }
}

/** Each task's worker usage across the agents that can be running it (a stopped or lost agent's figures are stale). */
export function fleetTaskUsage(agents: readonly AgentHealth[]): Map<string, Usage> {
  const out = new Map<string, Usage>();
  for (const a of agents) if (a.state === 'up' || a.state === 'silent' || a.state === 'stopping') for (const [task, u] of Object.entries(a.tasks)) out.set(task, u);
  return out;
}

export function taskView(id: string, h: Record<string, string>): FleetTaskView {
  return {
    id,
    kind: h.kind === 'camera' ? 'camera' : 'video',
    state: (h.state ?? 'queued') as FleetTaskView['state'],
    want: (h.want ?? 'run') as FleetTaskView['want'],
    agent: h.agent || null,
    run: h.run || null,
    note: h.note ?? '',
    attempt: Number(h.attempt ?? 0) || 0,
    startFrame: Number(h.start_frame) > 0 ? Number(h.start_frame) : null,
    lastRun: h.last_run || null,
    lastAgent: h.last_agent || null,
    lastN: Number(h.last_n ?? 0) || 0,
  };
}
