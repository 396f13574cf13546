import path from 'node:path';
import { writeExport, type TaskExport } from './export.js';
import { stamp } from './run-folder.js';
import type { PoolSnapshot } from './types.js';

/**
 * Writes the pool's exports and remembers the last one. Data changes are counted so that the export at shutdown
 * is skipped when the export at the end of the run already holds everything.
 */
export class Exporter {
  last: PoolSnapshot['lastExport'] = null;
  private version = 0;
  private exportedVersion = -1;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    /** The current run's folder, where automatic exports go. */
    private readonly runFolder: () => string | null,
    private readonly collect: () => TaskExport[],
    private readonly now: () => number,
    private readonly onDone: () => void,
    /** File mode of the exported files (0o600 when a source has a password), else the default. */
    private readonly mode?: number,
  ) {}

  /** Something that an export contains has changed. */
  touch(): void {
    this.version += 1;
  }

  async exportTo(target: string | null): Promise<string[]> {
    if (!target) throw new Error('no export folder: set result_output in the config or pass --output');
    const at = this.now();
    const version = this.version;
    try {
      const files = await writeExport(target, this.collect(), at, this.mode);
      this.last = { dir: target, files, at, error: null };
      if (target === this.runFolder()) this.exportedVersion = version;
      return files;
    } catch (err) {
      this.last = { dir: target, files: [], at, error: (err as Error).message };
      throw err;
    } finally {
      this.onDone();
    }
  }

  /**
   * A finished task started again while its run goes on (a camera still counting): the run folder's exports would
   * show only the new pass, so the finished one is written first, alone, to `<run folder>/earlier/<id>-<ended>/`
   * (the same files as an export). Resolves to that folder.
   */
  async keepEarlier(task: TaskExport): Promise<string> {
    const run = this.runFolder();
    if (!run) throw new Error('no run folder');
    const dir = path.join(run, 'earlier', `${task.id}-${stamp(task.endedAt ?? this.now())}`);
    await writeExport(dir, [task], this.now(), this.mode);
    return dir;
  }

  /** Exports into the run folder in the background, then calls `then` (also when it failed: see `last`). */
  startAutomatic(then: () => void = () => {}): void {
    this.running = this.exportTo(this.runFolder())
      .catch(() => {})
      .finally(then);
  }

  /** Waits for a background export, then exports again only if something changed since. */
  async finalExport(): Promise<void> {
    await this.running;
    if (this.exportedVersion !== this.version) await this.exportTo(this.runFolder()).catch(() => {});
  }
}
