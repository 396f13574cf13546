import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export interface LogFileOptions {
  /** Rotate when a file reaches this size, e.g. '10M'. */
  size: string;
  /** Rotated files kept per log. */
  maxFiles: number;
}

export const DEFAULT_LOG_FILES: LogFileOptions = { size: '10M', maxFiles: 5 };

/**
 * One log file per worker slot (`worker-<n>.log`: every child that ran in it) and one per camera
 * (`camera-<id>.log`: its whole history across restarts), in `<output>/logs/`, rotated by size
 * (`worker-0.log.1` is the newest rotated file).
 */
export class LogFiles {
  private streams = new Map<string, RotatingFileStream>();
  private readonly dir: string;

  constructor(
    outputDir: string,
    private readonly opts: LogFileOptions = DEFAULT_LOG_FILES,
  ) {
    this.dir = path.join(outputDir, 'logs');
  }

  worker(index: number, line: string): void {
    this.write(`worker-${index}.log`, line);
  }

  camera(id: string, line: string): void {
    this.write(`camera-${id}.log`, line);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('finish', () => resolve());
            s.once('error', () => resolve());
            s.end();
          }),
      ),
    );
  }

  private write(name: string, line: string): void {
    let stream = this.streams.get(name);
    if (!stream) {
      // The folder was checked before the run; if it went away or turned read-only since, the run goes on without
      // log files (the dashboard still shows the logs) instead of dying on a stack trace.
      try {
        mkdirSync(this.dir, { recursive: true });
      } catch {
        return;
      }
      // logrotate style: the live file keeps its name, older ones are `<name>.1` (newest) … `<name>.<maxFiles>`.
      const fileName = (index: number | Date | null) => (typeof index === 'number' && index > 0 ? `${name}.${index}` : name);
      stream = createStream(fileName as (time: number | Date) => string, { path: this.dir, size: this.opts.size, rotate: this.opts.maxFiles });
      // A full disk must not take the run down; the dashboard still shows the logs.
      stream.on('error', () => {});
      this.streams.set(name, stream);
    }
    stream.write(`${new Date().toISOString()} ${line}\n`);
  }
}
