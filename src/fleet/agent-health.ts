import { freemem, hostname, loadavg, totalmem } from 'node:os';
import type { ResourceSampler } from '../orchestrator/resources.js';

/** What an agent knows of itself for its health hash. */
export interface AgentSelf {
  slots: number;
  used: number;
  usage: { cpu: number; rss: number };
  startedAt: number;
  journalBytes: number;
  stopping: boolean;
}

/** The fields of the agent's hash in Redis, as HSET's flat list; the controller reads them back in `agentHealth`. */
export function healthFields(self: AgentSelf): string[] {
  const fields: Record<string, string | number> = {
    host: hostname(),
    pid: process.pid,
    slots: self.slots,
    used: self.used,
    cpu: Math.round(self.usage.cpu),
    rss: self.usage.rss,
    mem_total: totalmem(),
    mem_free: freemem(),
    load: loadavg()[0].toFixed(2),
    started: self.startedAt,
    journal_bytes: self.journalBytes,
    state: self.stopping ? 'stopping' : 'up',
  };
  return Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);
}

/** CPU and memory of the agent's workers, summed. */
export function sumUsage(sampler: ResourceSampler, pids: number[]): { cpu: number; rss: number } {
  const usage = [...sampler.sample(pids, Date.now()).values()];
  return { cpu: usage.reduce((s, u) => s + u.cpuPercent, 0), rss: usage.reduce((s, u) => s + u.rssBytes, 0) };
}
