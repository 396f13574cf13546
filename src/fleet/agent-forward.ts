import type { WorkerEvent } from '../protocol/events.js';
import type { AgentRun } from './agent-run.js';
import type { Journal } from './journal.js';
import type { Outbox } from './outbox.js';

/**
 * What an agent sends to the fleet of its runs' worker events, and as which entries: numbered run entries in the
 * run's sequence, the newest counting state outside it, and the run's `end`. Everything goes through the outbox
 * (journal first, then the events stream).
 */
export class RunForwarder {
  constructor(
    private readonly outbox: Outbox,
    private readonly journal: Journal,
    private readonly agent: string,
  ) {}

  event(run: AgentRun, ev: WorkerEvent): void {
    if (run.intent === 'lost') return;
    // Progress goes too: the controller's checkpoints (where a re-queued file resumes) and coverage come from it.
    if (ev.type === 'tracks' || ev.type === 'detections') return;
    if (ev.type === 'progress') run.lastFrame = Math.max(run.lastFrame, ev.frame);
    if (ev.type === 'state') {
      const due = run.stateEntry(ev, this.agent);
      return due ? this.outbox.pushState(due) : undefined;
    }
    this.outbox.push({ k: 'ev', task: run.task, run: run.run, n: run.next(), agent: this.agent, event: ev });
  }

  /** The run's last entry, with its settlement's outcome: its journal file is closed. */
  end(run: AgentRun): void {
    this.outbox.push({ k: 'end', task: run.task, run: run.run, n: run.next(), agent: this.agent, outcome: run.settlement!.outcome });
    this.journal.endRun(run.run);
  }
}
