import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../common/make-folder.js';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export interface LogFileOptions {
  /** Rotate when a file reaches this size, e.g. '10M'. */
  size: string;
  /** Rotated files kept per log. */
  maxFiles: number;
  /** File mode (0o600 when a source has a password); the default keeps the umask's. */
  mode?: number;
  /**
   * Bytes a file may have waiting to be written. A child that floods its log (or a disk that cannot keep up) costs
   * lines, counted and reported in the file once it catches up, never the parent's memory.
   */
  maxPendingBytes: number;
}

export const DEFAULT_LOG_FILES: LogFileOptions = { size: '10M', maxFiles: 5, maxPendingBytes: 1024 * 1024 };

interface LogFile {
  stream: RotatingFileStream;
  dropped: number;
}

/**
 * One log file per worker slot (`worker-<n>.log`: every child that ran in it) and one per camera
 * (`camera-<id>.log`: its whole history across restarts), in `<output>/logs/`, rotated by size
 * (`worker-0.log.1` is the newest rotated file).
 */
export class LogFiles {
  private files = new Map<string, LogFile>();
  private readonly dir: string;
  private readonly opts: LogFileOptions;

  constructor(outputDir: string, opts: Partial<LogFileOptions> = {}) {
    this.dir = path.join(outputDir, 'logs');
    this.opts = { ...DEFAULT_LOG_FILES, ...opts };
  }

  worker(index: number, line: string): void {
    this.write(`worker-${index}.log`, line);
  }

  camera(id: string, line: string): void {
    this.write(`camera-${id}.log`, line);
  }

  /** Bytes waiting to be written, over all files. */
  get pendingBytes(): number {
    let sum = 0;
    for (const f of this.files.values()) sum += f.stream.writableLength;
    return sum;
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    const files = [...this.files.values()];
    this.files.clear();
    await Promise.all(
      files.map(
        (file) =>
          new Promise<void>((resolve) => {
            file.stream.once('finish', () => resolve());
            file.stream.once('error', () => resolve());
            this.reportDropped(file);
            file.stream.end();
          }),
      ),
    );
  }

  private write(name: string, line: string): void {
    const file = this.files.get(name) ?? this.open(name);
    if (!file) return;
    if (file.stream.writableLength > this.opts.maxPendingBytes) {
      file.dropped += 1;
      return;
    }
    this.reportDropped(file);
    file.stream.write(`${new Date().toISOString()} ${line}\n`);
  }

  private reportDropped(file: LogFile): void {
    if (file.dropped === 0) return;
    file.stream.write(`${new Date().toISOString()} WARN  ${file.dropped} log lines dropped: they came faster than the disk took them\n`);
    file.dropped = 0;
  }

  private open(name: string): LogFile | null {
    // The folder was checked before the run; if it went away or turned read-only since, the run goes on without
    // log files (the dashboard still shows the logs) instead of dying on a stack trace.
    try {
      makeFolder(this.dir);
    } catch {
      return null;
    }
    // A file left by an earlier run keeps its old mode when appended to.
    const live = path.join(this.dir, name);
    if (this.opts.mode !== undefined && existsSync(live)) chmodSync(live, this.opts.mode);
    // logrotate style: the live file keeps its name, older ones are `<name>.1` (newest) … `<name>.<maxFiles>`.
    const fileName = (index: number | Date | null) => (typeof index === 'number' && index > 0 ? `${name}.${index}` : name);
    const stream = createStream(fileName as (time: number | Date) => string, { path: this.dir, size: this.opts.size, rotate: this.opts.maxFiles, mode: this.opts.mode });
    // A full disk must not take the run down; the dashboard still shows the logs.
    stream.on('error', () => {});
    const file = { stream, dropped: 0 };
    this.files.set(name, file);
    return file;
  }
}
