import type { ValidateArgs } from './options.js';
import { loadConfig } from '../config/load.js';
import { formatProblem } from '../config/validate.js';

/** `pcount-tui validate FILE`: every problem with its JSON path and value (exit 1), or a one-line summary (exit 0). */
export async function run(argv: ValidateArgs): Promise<number> {
  const file = argv.file;
  const result = loadConfig(file);
  if (!result.ok) {
    const count = result.problems.length;
    process.stdout.write(`${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
    for (const problem of result.problems) process.stdout.write(`  ${formatProblem(problem)}\n`);
    return 1;
  }
  const { tasks, workerCount, resultOutput } = result.config;
  const cameras = tasks.filter((t) => t.kind === 'camera').length;
  const videos = tasks.length - cameras;
  process.stdout.write(
    `ok ${file}: ${cameras} camera${cameras === 1 ? '' : 's'}, ${videos} video${videos === 1 ? '' : 's'}, ` +
      `worker_count ${workerCount}, results in ${resultOutput}\n`,
  );
  return 0;
}
