import { readFile, realpath, stat } from 'node:fs/promises';
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

  /** Keeps the lines; resolves to what to say of them (`taken`: when the pool applies them). */
  save(task: string, lines: LineConfig[], taken: LinesTaken = 'now'): Promise<string> {
    const run = this.queue.then(() => this.write(task, lines, taken));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(task: string, lines: LineConfig[], taken: LinesTaken): Promise<string> {
    if (!this.configPath) {
      this.changed.set(task, lines);
      return `${linesTakenText(task, taken)}; to reuse them: ${lineArgs(lines)}`;
    }
    // Through a symbolic link to the file itself, so the link stays a link.
    const file = await realpath(this.configPath);
    const text = await readFile(file, 'utf8');
    const next = replaceTaskLines(text, task, lines);
    const problems = validateConfig(JSON.parse(next));
    if (problems.length > 0) throw new Error(`the config would not be valid: ${problems.map(formatProblem).join('; ')}`);
    await writeFileAtomic(file, next, { mode: (await stat(file)).mode & 0o777 });
    return linesTakenText(task, taken, this.configPath);
  }
}
