import { PROTOCOL_VERSION, type WorkerEvent } from '../protocol/events.js';
import type { TaskRunJournal } from '../store/journal.js';
import type { TaskRunEnd } from '../store/rows.js';
import type { Exporter } from './exporter.js';
import type { Listeners } from './listeners.js';
import type { EarlierCount, Recorder } from './recorder.js';
import { logEntryFor } from './results.js';
import type { RunFolders } from './run-folder.js';
import type { WorkerPlace } from './runner.js';
import type { TaskLog } from './task-log.js';
import type { TaskRecord } from './task-record.js';
import type { Timers } from './timers.js';

export interface IntakeDeps {
  recorder: Recorder;
  runs: RunFolders | null;
  exporter: Exporter;
  log: TaskLog;
  timers: Timers;
  events: Listeners<WorkerEvent>;
  changes: Listeners<void>;
}

/** Where a task's worker events go, in the order that keeps counts safe: the store, then results, logs and listeners. */
export class EventIntake {
  constructor(private readonly deps: IntakeDeps) {}

  /**
   * Every worker event passes here, whatever runner delivered it: the recorder stores it first (a crossing is in the
   * store before anything shows it), then the results, the logs and the listeners (dashboard, NDJSON) see it.
   */
  receive(rec: TaskRecord, place: WorkerPlace, raw: WorkerEvent, coveredSince?: number): () => void {
    const received = { ...raw, task: rec.id } as WorkerEvent;
    // Pictures are for whoever watches the task: not part of its results, the store or the merged event stream.
    if (received.type === 'preview') {
      rec.preview = received;
      return () => this.deps.changes.emit();
    }
    const earlier = place.fleetRun !== null && rec.count.earlier?.runs.has(place.fleetRun) ? rec.count.earlier : null;
    if (earlier) return this.receiveEarlier(rec, place, earlier, received);
    const journal = this.journalFor(rec, place);
    // The counting state goes with the checkpoint the next progress event makes, and nowhere else.
    if (received.type === 'state') {
      journal?.countingState(received.frame, JSON.stringify(received.state), received.seq);
      return () => undefined;
    }
    if (received.type === 'done' && received.reason === 'end') journal?.finished();
    if (received.type === 'progress' && coveredSince !== undefined) journal?.coveredSince(coveredSince);
    const shown = this.deps.recorder.receive(journal, rec.count, received);
    return () => this.show(rec, shown);
  }

  /** Events the store has taken, to the results, the task's log and the listeners. */
  private show(rec: TaskRecord, shown: WorkerEvent[]): void {
    for (const ev of shown) {
      this.deps.exporter.touch();
      rec.results.apply(ev);
      if (ev.type === 'progress') rec.results.sample(this.deps.timers.now(), 'processing');
      const entry = logEntryFor(ev);
      if (entry) this.deps.log.write(rec, entry, ev.ts);
      this.deps.events.emit(ev);
    }
    this.deps.changes.emit();
  }

  /**
   * A worker is gone: its task run in the store ends. A fleet run that read its file to the end has its end recorded
   * even when this controller stored nothing else of it (an earlier one stored the rest): a task run is begun for it,
   * so that the store holds the count complete, and the next controller starts a new count instead of taking the run
   * in again.
   */
  ended(rec: TaskRecord, place: WorkerPlace, end: TaskRunEnd): void {
    let journal = rec.journals.get(place.key) ?? null;
    if (!journal && end === 'end' && place.fleetRun !== null) {
      const earlier = rec.count.earlier?.runs.has(place.fleetRun) ? rec.count.earlier : null;
      journal = earlier
        ? this.journalFor(rec, place, { ...rec.spec, lines: earlier.lines }, this.deps.recorder.earlierCount(rec.spec, earlier))
        : this.journalFor(rec, place);
    }
    const settled = this.deps.recorder.endTaskRun(journal, end);
    rec.journals.delete(place.key);
    if (settled.length > 0) this.show(rec, settled);
  }

  /**
   * An event of a fleet run of the task's earlier count (its lines changed since): stored with that count, on its
   * lines, and shown nowhere but in a log line at its first event: this run's count neither counts nor voids it.
   */
  private receiveEarlier(rec: TaskRecord, place: WorkerPlace, earlier: EarlierCount, ev: WorkerEvent): () => void {
    const first = !rec.journals.has(place.key);
    const count = this.deps.recorder.earlierCount(rec.spec, earlier);
    const journal = this.journalFor(rec, place, { ...rec.spec, lines: earlier.lines }, count);
    if (ev.type === 'done' && ev.reason === 'end') journal?.finished();
    this.deps.recorder.receive(journal, count, ev);
    if (!first) return () => {};
    const message = `run ${place.fleetRun} counted on the lines before the change: what it reports is stored with the earlier count, not in this one`;
    return () => {
      this.deps.log.write(rec, { level: 'info', message }, ev.ts);
      this.deps.events.emit({ v: PROTOCOL_VERSION, type: 'log', task: rec.id, ts: ev.ts, level: 'info', message });
      this.deps.changes.emit();
    };
  }

  /** The task run in the store of one of the task's workers, begun with its first event. */
  private journalFor(rec: TaskRecord, place: WorkerPlace, spec = rec.spec, count = rec.count): TaskRunJournal | null {
    let journal = rec.journals.get(place.key) ?? null;
    if (!journal) {
      const worker = place.fleetRun === null ? null : { fleetRun: place.fleetRun, startFrame: place.startFrame };
      journal = this.deps.recorder.beginTaskRun(spec, count, this.deps.runs?.forChanges() ?? null, worker);
      if (journal) rec.journals.set(place.key, journal);
    }
    return journal;
  }
}
