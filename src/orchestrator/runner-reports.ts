import type { LogLevel } from '../protocol/events.js';
import type { EventIntake } from './event-intake.js';
import type { Recorder } from './recorder.js';
import type { RunnerEnd, RunnerHandlers } from './runner.js';
import type { TaskEvent } from './task-machine.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerSlots } from './worker-slots.js';

/** What the supervisor lends the handlers of a task's runner. */
export interface ReportTarget {
  slots: WorkerSlots;
  recorder: Recorder;
  intake: EventIntake;
  dispatch(rec: TaskRecord, event: TaskEvent): boolean;
  note(rec: TaskRecord, level: LogLevel, message: string): void;
  /** A line for the task's log that is also a `log` event. */
  announce(rec: TaskRecord, message: string): void;
  exit(rec: TaskRecord, end: RunnerEnd): void;
}

/**
 * What a transport reports about one task, turned into the task machine's events, the store's runs and log lines.
 * `token` tells the current runner from an earlier one of the task: a late report of a replaced runner changes nothing.
 */
export function runnerHandlers(s: ReportTarget, rec: TaskRecord, token: symbol): RunnerHandlers {
  return {
    worker: (place) => {
      if (place.fleetRun === null) return s.note(rec, 'debug', `worker started, pid ${place.pid ?? '?'}`);
      rec.agent = place.agent;
      // A run this count follows where it runs (found running with the task's spec) is this count's, whatever came before.
      rec.count.earlier?.runs.delete(place.fleetRun);
      if (!place.claim) return s.announce(rec, `running on agent ${place.agent} (run ${place.fleetRun})`);
      if (rec.runnerToken === token && rec.state.kind === 'waiting') s.dispatch(rec, { type: 'claimed' });
      const voided = s.recorder.claimRun(rec.spec, rec.count, place.fleetRun, place.startFrame, place.resumeMark ?? null);
      for (const c of voided) rec.results.retract(c);
      const from = place.startFrame ? ` from frame ${place.startFrame}` : '';
      const again = voided.length > 0 ? `; ${voided.length} crossing${voided.length === 1 ? '' : 's'} of earlier runs from that frame on will be counted again` : '';
      s.announce(rec, `claimed by agent ${place.agent} (run ${place.fleetRun})${from}${again}`);
    },
    record: (place, ev, coveredSince) => s.intake.receive(rec, place, ev, coveredSince),
    started: () => {
      if (rec.runnerToken !== token || (rec.state.kind !== 'starting' && rec.state.kind !== 'waiting')) return;
      s.slots.hello(rec.slot!);
      s.dispatch(rec, { type: 'hello' });
    },
    noise: (line) => s.note(rec, 'warn', line),
    workerEnded: (place, end) => s.intake.ended(rec, place, end),
    waiting: () => {
      if (rec.runnerToken === token && rec.state.kind === 'starting') s.dispatch(rec, { type: 'queued' });
    },
    moved: (why) => {
      if (rec.runnerToken !== token) return;
      rec.agent = null;
      s.dispatch(rec, { type: 'moved', why });
    },
    exit: (end) => rec.runnerToken === token && s.exit(rec, end),
  };
}
