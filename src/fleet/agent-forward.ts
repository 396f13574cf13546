import type { WorkerEvent } from '../protocol/events.js';
import type { AgentRun } from './agent-run.js';
import type { Journal } from './journal.js';
import type { Outbox } from './outbox.js';

/**
 * What an agent sends to the fleet of its runs' worker events, and as which entries: numbered run entries in the
 * run's sequence, the newest counting state outside it, and the run's `end`. Progress reports go in the sequence while
 * a controller follows the fleet; while none does (or Redis is away) they go outside it, where each replaces the one
 * before (entries.ts, `pg`), so that a run left counting for days costs the journal and the stream no more than a few
 * entries beside its crossings. Everything goes through the outbox (journal first, then the events stream).
 */
export class RunForwarder {
  /** Whether a controller followed the fleet when the agent last looked (each heartbeat); false while Redis is away. */
  followed = false;
  /** Runs whose worker's next progress is the one of the counting state just sent (its pair). */
  private readonly pairDue = new Set<string>();
  /** Per run: its last report's frame, and since when its reports have advanced without a stop (what a `pg` covers). */
  private readonly streaks = new Map<string, { frame: number; since: number }>();

  constructor(
    private readonly outbox: Outbox,
    private readonly journal: Journal,
    private readonly agent: string,
  ) {}

  event(run: AgentRun, ev: WorkerEvent): void {
    if (run.intent === 'lost') return;
    // Progress goes too: the controller's checkpoints (where a re-queued file resumes) and coverage come from it.
    if (ev.type === 'tracks' || ev.type === 'detections') return;
    if (ev.type === 'state') {
      const due = run.stateEntry(ev, this.agent);
      if (!due) return;
      // The worker writes its state just before the progress of the same frame.
      this.pairDue.add(run.run);
      return this.outbox.pushTail(due);
    }
    if (ev.type === 'hello') this.streaks.set(run.run, { frame: 0, since: ev.ts });
    if (ev.type === 'progress') {
      run.lastFrame = Math.max(run.lastFrame, ev.frame);
      const pair = this.pairDue.delete(run.run);
      const since = this.streak(run.run, ev.frame, ev.ts);
      if (!this.followed) return this.outbox.pushTail({ k: 'pg', task: run.task, run: run.run, agent: this.agent, after: run.n, since, event: ev, pair });
    }
    this.outbox.push({ k: 'ev', task: run.task, run: run.run, n: run.next(), agent: this.agent, event: ev });
  }

  /** The run's last entry, with its settlement's outcome: its journal file is closed. */
  end(run: AgentRun): void {
    this.outbox.push({ k: 'end', task: run.task, run: run.run, n: run.next(), agent: this.agent, outcome: run.settlement!.outcome });
    this.journal.endRun(run.run);
    this.pairDue.delete(run.run);
    this.streaks.delete(run.run);
  }

  /** Since when the run's frames have kept coming, up to this report of `frame` at `ts` (a report without a new frame ends a streak). */
  private streak(run: string, frame: number, ts: number): number {
    const s = this.streaks.get(run);
    const since = s && frame > s.frame ? s.since : ts;
    this.streaks.set(run, { frame, since });
    return since;
  }
}
