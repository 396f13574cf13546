import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../common/make-folder.js';

export interface RunInfo {
  id: string;
  startedAt: number;
  /** `<result_output>/runs/<started time>-<run id>/`. */
  folder: string;
}

/** `2026-03-29T01-59-30Z`: UTC, sortable, and valid in a file name everywhere. */
export function stamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace(/:/g, '-') + 'Z';
}

/**
 * The run folders of a results folder. Each run exports into its own `runs/<started time>-<run id>/` and
 * `<result_output>/latest` points at the newest, so no run ever writes over another's results. A run is sealed once
 * every task has finished and its results are written; starting a task again after that opens a new run.
 */
export class RunFolders {
  private run: RunInfo | null = null;
  private sealed = false;

  constructor(
    private readonly outputDir: string,
    private readonly now: () => number,
    private readonly onOpen: (run: RunInfo) => void = () => {},
  ) {}

  get current(): RunInfo {
    return this.run ?? this.open();
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  /** The current run's folder, opening a new run if the current one is sealed. */
  forChanges(): RunInfo {
    return this.sealed || !this.run ? this.open() : this.run;
  }

  /** The current run's results are final: later changes go to a new run. */
  seal(): void {
    this.sealed = true;
  }

  private open(): RunInfo {
    const startedAt = this.now();
    const id = randomBytes(4).toString('hex');
    const folder = path.join(this.outputDir, 'runs', `${stamp(startedAt)}-${id}`);
    makeFolder(folder);
    this.run = { id, startedAt, folder };
    this.sealed = false;
    pointLatest(this.outputDir, folder);
    this.onOpen(this.run);
    return this.run;
  }
}

/** Points `<output>/latest` at `folder` (a relative symlink, replaced atomically by a rename). */
function pointLatest(outputDir: string, folder: string): void {
  const link = path.join(outputDir, 'latest');
  const temp = path.join(outputDir, `.latest.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    symlinkSync(path.relative(outputDir, folder), temp);
    renameSync(temp, link);
  } catch {
    // Only a convenience: a file system without symlinks still has every run under runs/.
    rmSync(temp, { force: true });
  }
}
