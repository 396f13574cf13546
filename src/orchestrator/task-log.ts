import type { LogLevel } from '../protocol/events.js';
import type { LogFiles } from './log-files.js';
import { levelAtLeast, type LogEntry } from './results.js';
import type { TaskRecord } from './task-record.js';

/** Where a task's log lines go: its bounded log pane, the log file of its worker slot and, for a camera, its own file. */
export class TaskLog {
  constructor(
    private readonly files: LogFiles | null,
    private readonly threshold: LogLevel,
  ) {}

  /** Messages may quote a child or a source: they are cleaned (secrets hidden, control characters escaped) first. */
  write(rec: TaskRecord, entry: LogEntry, ts: number): void {
    if (!levelAtLeast(entry.level, this.threshold)) return;
    const message = rec.clean(entry.message);
    rec.results.log(ts, { level: entry.level, message });
    const line = `${entry.level.toUpperCase().padEnd(5)} [${rec.id}] ${message}`;
    if (rec.slot !== null) this.files?.worker(rec.slot, line);
    if (rec.spec.kind === 'camera') this.files?.camera(rec.id, line);
  }

  close(): Promise<void> {
    return this.files?.close() ?? Promise.resolve();
  }
}
