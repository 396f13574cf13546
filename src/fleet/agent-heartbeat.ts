import type { AgentRun } from './agent-run.js';
import { leaseLossNote, type LeaseLoss } from './run-settle.js';

/** What the agent does with a heartbeat's answer, besides renewing leases. */
export interface HeartbeatActions {
  /** This agent's name. */
  agent: string;
  say(line: string): void;
  /** Another run holds the task now (or it was queued for one): this run must end. */
  lost(run: AgentRun, loss: LeaseLoss): void;
  /** Redis lost the task (and with it, likely, the events stream): the run goes on, what it sent must go again. */
  gone(run: AgentRun): void;
}

/**
 * Follows the heartbeat script's answer, one `[task, status, want, gen]` row per task this agent holds (for 'lost',
 * the 4th is the agent whose run holds the lease now, or ''): a lease renewed from `sentAt` on (the time the
 * heartbeat was sent, so that a slow answer never overstates the lease), or lost (lapsed, or, while it should still
 * hold, lost by Redis with the claim: see LeaseLoss); a stop or cancel the controller
 * wants, or a restart (a new generation). A task Redis lost ('gone') keeps its run: the lease is the run's again,
 * and once the controller has submitted the task again the run takes the generation the new hash starts from. A task
 * whose key holds another type ('broken', the 3rd saying which) is not renewed, and said once while it stays so.
 */
export function followHeartbeat(rows: readonly string[][], runs: ReadonlyMap<string, AgentRun>, sentAt: number, leaseMs: number, on: HeartbeatActions): void {
  for (const [task, status, want, gen] of rows) {
    const run = runs.get(task);
    if (!run) continue;
    if (status === 'broken') {
      // Not renewed: its crossings after the lease lapses are marked late, and nobody else can claim it either.
      if (run.broken !== want) on.say(`${task}: its lease cannot be renewed (run ${run.run}): ${want}; the agent's other tasks are not affected`);
      run.broken = want;
      continue;
    }
    run.broken = null;
    if (status === 'lost') {
      // Redis counts a lease from when it ran the renewal, after it was sent: a lease lost before leaseUntil was not lapsed.
      const loss: LeaseLoss = { holder: gen || null, lapsed: sentAt >= run.leaseUntil };
      on.say(`${task}: lease lost (run ${run.run}): ${leaseLossNote(on.agent, loss)}`);
      on.lost(run, loss);
      continue;
    }
    run.renewed(sentAt, leaseMs);
    if (status === 'gone') {
      if (!run.regained) {
        on.say(`${task}: Redis lost the task (restarted without its data, or flushed): run ${run.run} goes on and keeps its lease until the controller submits it again`);
        on.gone(run);
      }
      run.regained = true;
      continue;
    }
    if (run.regained) {
      run.regained = false;
      run.gen = gen;
      on.say(`${task}: submitted again; still run ${run.run}`);
    }
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
