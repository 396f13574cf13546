import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { replaceTaskLines } from '../config/line-edit.js';
import type { LineConfig } from '../config/types.js';
import type { LinesTaken } from '../orchestrator/types.js';
import { validateConfig, formatProblem } from '../config/validate.js';
import { shellQuote } from './start-hints.js';

/**
 * What the footer says of lines set in the editor: applied now, or from the task's next run (a fleet's running worker
 * cannot switch); `savedTo`: the config file they were written to.
 */
export function linesTakenText(task: string, taken: LinesTaken, savedTo: string | null = null): string {
  const saved = savedTo ? ` and saved to ${savedTo}` : '';
  if (taken === 'now') return `lines of ${task} applied${saved}`;
  const fleet = taken === 'fleet-next-run' ? ': its fleet worker counts on the old ones until then (r restarts it on them)' : '';
  return `lines of ${task} set${saved}; they apply from its next run${fleet}`;
}

/** Lines applied in the dashboard, as `--line` arguments for a shell (a line name may hold spaces). */
export const lineArgs = (lines: readonly LineConfig[]): string => lines.map((l) => `--line ${shellQuote(`${l.points.join(',')},${l.name}`)}`).join(' ');

/** Why a config file could not be read or replaced, in the operator's words, naming the file (or its folder). */
export function saveProblem(err: unknown, file: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const folder = path.dirname(file);
  if (code === 'ENOENT') return `${file} is not there any more`;
  // The file is replaced through a new file in its folder (atomic write): the folder is what must be writable.
  if (code === 'EACCES' || code === 'EPERM') return `cannot write ${file}: permission denied (the file, or its folder ${folder}, is not writable)`;
  if (code === 'EROFS') return `cannot write ${file}: ${folder} is on a read-only file system`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `cannot write ${file}: no space left on its disk`;
  return `cannot write ${file}: ${(err as Error).message}`;
}

/**
 * Keeps lines applied in the dashboard's editor: written into the config file (only that task's `lines` changes,
 * atomically, with the file's mode kept), or for an ad-hoc run remembered as `--line` arguments to print. Saves run
 * one after another so that two quick applies cannot overwrite each other. Lines that could not be saved (a read-only
 * file or folder, a file edited by hand meanwhile) are kept in `unsaved` until a later save of the task succeeds, so
 * that the run prints them when it ends: an edit is never lost without a word.
 */
export class LineSaver {
  private queue: Promise<unknown> = Promise.resolve();
  /** Ad-hoc runs: the lines each task ended with, when changed. */
  readonly changed = new Map<string, LineConfig[]>();
  /** Config runs: the lines of each task whose last save failed, and why. */
  readonly unsaved = new Map<string, { lines: LineConfig[]; why: string }>();

  constructor(private readonly configPath: string | null) {}

  /** Keeps the lines; resolves to what to say of them (`taken`: when the pool applies them). */
  save(task: string, lines: LineConfig[], taken: LinesTaken = 'now'): Promise<string> {
    const run = this.queue.then(() => this.write(task, lines, taken));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** What the run prints when it ends about lines that were not saved: the file, why, and the lines to put in it. */
  unsavedText(): string[] {
    return [...this.unsaved].map(([task, { lines, why }]) => `lines of ${task} changed in the dashboard were not saved (${why}); its "lines" in ${this.configPath}: ${JSON.stringify(lines)}`);
  }

  private async write(task: string, lines: LineConfig[], taken: LinesTaken): Promise<string> {
    if (!this.configPath) {
      this.changed.set(task, lines);
      return `${linesTakenText(task, taken)}; to reuse them: ${lineArgs(lines)}`;
    }
    try {
      await this.writeConfig(this.configPath, task, lines);
    } catch (err) {
      const why = err instanceof SaveRefused ? err.message : saveProblem(err, this.configPath);
      this.unsaved.set(task, { lines, why });
      throw new Error(`${why}; the lines are printed when you quit`);
    }
    this.unsaved.delete(task);
    return linesTakenText(task, taken, this.configPath);
  }

  private async writeConfig(configPath: string, task: string, lines: LineConfig[]): Promise<void> {
    const text = await readFile(configPath, 'utf8');
    let next: string;
    try {
      next = replaceTaskLines(text, task, lines);
    } catch (err) {
      throw new SaveRefused(`${configPath}: ${(err as Error).message}`);
    }
    const problems = validateConfig(JSON.parse(next));
    if (problems.length > 0) throw new SaveRefused(`the config would not be valid: ${problems.map(formatProblem).join('; ')}`);
    const mode = (await stat(configPath)).mode & 0o777;
    // A file its owner made read-only is not replaced, though its folder would allow it (and root may write anyway).
    if ((mode & 0o222) === 0) throw new SaveRefused(`${configPath} is read-only (mode ${mode.toString(8).padStart(4, '0')})`);
    // Through a symbolic link, the file it points to is replaced and the link stays (writeFileAtomic follows it).
    await writeFileAtomic(configPath, next, { mode });
  }
}

/** A save the saver itself refuses, with its reason already in words. */
class SaveRefused extends Error {}
