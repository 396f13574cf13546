import { freemem, hostname, loadavg, totalmem } from 'node:os';
import type { ResourceSampler, Usage } from '../orchestrator/resources.js';
import { monotonic } from './clock.js';

/** What an agent knows of itself for its health hash. */
export interface AgentSelf {
  slots: number;
  used: number;
  /** CPU and memory of each task's worker (with its ffmpeg), by task id, as a local pool samples its own. */
  tasks: Record<string, Usage>;
  startedAt: number;
  journalBytes: number;
  stopping: boolean;
}

/** The fields of the agent's hash in Redis, as HSET's flat list; the controller reads them back in `agentHealth`. */
export function healthFields(self: AgentSelf): string[] {
  const usage = Object.values(self.tasks);
  const tasks = Object.fromEntries(Object.entries(self.tasks).map(([task, u]) => [task, { cpuPercent: Math.round(u.cpuPercent), rssBytes: u.rssBytes }]));
  const fields: Record<string, string | number> = {
    host: hostname(),
    pid: process.pid,
    slots: self.slots,
    used: self.used,
    cpu: Math.round(usage.reduce((s, u) => s + u.cpuPercent, 0)),
    rss: usage.reduce((s, u) => s + u.rssBytes, 0),
    tasks: JSON.stringify(tasks),
    mem_total: totalmem(),
    mem_free: freemem(),
    load: loadavg()[0].toFixed(2),
    started: self.startedAt,
    journal_bytes: self.journalBytes,
    state: self.stopping ? 'stopping' : 'up',
  };
  return Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);
}

/** CPU and memory of the agent's workers, by task (`workers`: task → its worker's pid). */
export function taskUsage(sampler: ResourceSampler, workers: Map<string, number>): Record<string, Usage> {
  const byPid = sampler.sample([...workers.values()], monotonic());
  return Object.fromEntries([...workers].map(([task, pid]) => [task, byPid.get(pid) ?? { cpuPercent: 0, rssBytes: 0 }]));
}
