import { readFile, realpath, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic-write.js';
import { replaceTaskLines } from '../config/line-edit.js';
import type { LineConfig } from '../config/types.js';
import { validateConfig, formatProblem } from '../config/validate.js';
import { shellQuote } from './start-hints.js';

/** Lines applied in the dashboard, as `--line` arguments for a shell (a line name may hold spaces). */
export const lineArgs = (lines: readonly LineConfig[]): string => lines.map((l) => `--line ${shellQuote(`${l.points.join(',')},${l.name}`)}`).join(' ');

/**
 * Keeps lines applied in the dashboard's editor: written into the config file (only that task's `lines` changes,
 * atomically, with the file's mode kept), or for an ad-hoc run remembered as `--line` arguments to print. Saves run
 * one after another so that two quick applies cannot overwrite each other.
 */
export class LineSaver {
  private queue: Promise<unknown> = Promise.resolve();
  /** Ad-hoc runs: the lines each task ended with, when changed. */
  readonly changed = new Map<string, LineConfig[]>();

  constructor(private readonly configPath: string | null) {}

  save(task: string, lines: LineConfig[]): Promise<string> {
    const run = this.queue.then(() => this.write(task, lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(task: string, lines: LineConfig[]): Promise<string> {
    if (!this.configPath) {
      this.changed.set(task, lines);
      return `lines of ${task} applied; to reuse them: ${lineArgs(lines)}`;
    }
    // Through a symbolic link to the file itself, so the link stays a link.
    const file = await realpath(this.configPath);
    const text = await readFile(file, 'utf8');
    const next = replaceTaskLines(text, task, lines);
    const problems = validateConfig(JSON.parse(next));
    if (problems.length > 0) throw new Error(`the config would not be valid: ${problems.map(formatProblem).join('; ')}`);
    await writeFileAtomic(file, next, { mode: (await stat(file)).mode & 0o777 });
    return `lines of ${task} applied and saved to ${this.configPath}`;
  }
}
