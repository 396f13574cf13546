import type { AgentRun } from './agent-run.js';

/** What the agent does with a heartbeat's answer, besides renewing leases. */
export interface HeartbeatActions {
  say(line: string): void;
  /** Another agent holds the task's lease now. */
  lost(run: AgentRun): void;
}

/**
 * Follows the heartbeat script's answer, one `[task, status, want, gen]` row per task this agent holds: a lease
 * renewed from `sentAt` on (the time the heartbeat was sent, so that a slow answer never overstates the lease), or
 * lost; a stop or cancel the controller wants, or a restart (a new generation).
 */
export function followHeartbeat(rows: readonly string[][], runs: ReadonlyMap<string, AgentRun>, sentAt: number, leaseMs: number, on: HeartbeatActions): void {
  for (const [task, status, want, gen] of rows) {
    const run = runs.get(task);
    if (!run) continue;
    if (status === 'lost') {
      on.say(`${task}: lease lost (run ${run.run}); another agent runs it now`);
      on.lost(run);
      continue;
    }
    run.renewed(sentAt, leaseMs);
    if (!run.running || run.intent) continue;
    if (want === 'stop' || want === 'cancel') {
      on.say(`${task}: ${want} requested`);
      run.end(want);
    } else if (gen !== run.gen) {
      on.say(`${task}: restart requested`);
      run.end('restart');
    }
  }
}
