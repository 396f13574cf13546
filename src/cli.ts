import yargs from 'yargs';
import { USAGE_EXIT_STATUS } from './protocol/error-codes.js';
import { describeYargsMessage, takeFailure, UsageError } from './commands/arguments.js';
import { agentOptions, detectOptions, facesOptions, modelsOptions, reportOptions, runOptions, snapshotOptions, validateOptions, workerOptions } from './commands/options.js';
import type { DetectArgs, FacesArgs, ModelsArgs, RunArgs, SnapshotArgs, ValidateArgs } from './commands/options.js';
import { SignalLatch } from './common/signal-latch.js';
import { hidePasswordsFromPs, onStdoutError, outputFailed } from './commands/process-guards.js';
import { refuseDashValues, refuseLoneDash, reportWorkerUsage, shownText } from './commands/usage.js';

/**
 * The command table: each command with its options (commands/options.ts) and its handler, which receives the checked
 * values. Each handler is imported lazily so that a worker child never loads Ink or React, and the dashboard never
 * loads onnxruntime.
 */

const COMMANDS = ['run', 'worker', 'agent', 'detect', 'snapshot', 'faces', 'report', 'validate', 'models'];

async function dispatch<M>(name: string, args: readonly string[], latch: SignalLatch, load: () => Promise<M>, call: (m: M) => Promise<number>): Promise<number> {
  if (name !== 'run') latch.release();
  const mod = await load();
  try {
    return await call(mod);
  } catch (err) {
    // Handlers report expected problems themselves; this is the last guard against a bare stack trace.
    process.stderr.write(`pcount-tui ${name}: ${shownText(err instanceof Error ? err.message : String(err), args)}\n`);
    if (process.env.PCOUNT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * `run`: a signal that comes before the run listens for one (its modules, config and store take most of a second to
 * load) is held for it, so that an early Ctrl-C ends the run with its summary as a later one does.
 */
async function runCommand(args: readonly string[], argv: RunArgs, latch: SignalLatch): Promise<number> {
  return await dispatch('run', args, latch, () => import('./commands/run.js'), (m) => m.run(argv, COMMANDS, latch));
}

/**
 * `latch` holds the stop signals from the start of the process (bin/pcount-tui.js): `run` takes them over, every other
 * command (and help, version, a usage error) gets back a signal's usual effect before it does anything, as does a run
 * that ends before it listens (a config with problems).
 */
export async function main(args: string[], latch: SignalLatch = new SignalLatch()): Promise<number> {
  try {
    return await parse(args, latch);
  } finally {
    latch.release();
  }
}

async function parse(args: string[], latch: SignalLatch): Promise<number> {
  hidePasswordsFromPs();
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  let code = 0;
  const parser = yargs(args)
    .scriptName('pcount-tui')
    .usage('$0 [config.json]\n\nCount people crossing lines in many videos and cameras at once.')
    .command('$0 [config]', 'open the dashboard for a config (NDJSON when stdout is not a terminal)', runOptions, async (argv) => {
      code = await runCommand(args, argv, latch);
    })
    .command('run [config]', 'run a config, or --source tasks, in the dashboard or as NDJSON', runOptions, async (argv) => {
      code = await runCommand(args, argv, latch);
    })
    .command('worker', 'count one source and print NDJSON events on stdout (what the dashboard runs for each task)', workerOptions, async (argv) => {
      code = await dispatch('worker', args, latch, () => import('./commands/worker.js'), (m) => m.run(argv));
    })
    .command('agent', 'run fleet tasks on this host: take them from Redis, run each as a worker, send their events back', agentOptions, async (argv) => {
      code = await dispatch('agent', args, latch, () => import('./commands/agent.js'), (m) => m.run(argv));
    })
    .command('detect [input]', 'detect people in an image or video: one NDJSON line per processed frame', detectOptions, async (argv) => {
      code = await dispatch('detect', args, latch, () => import('./commands/detect.js'), (m) => m.run(argv as DetectArgs));
    })
    .command('snapshot [source]', 'a PNG of one frame at the source size with the people found, the lines, their names and in-arrows (a config: one PNG per task)', snapshotOptions, async (argv) => {
      code = await dispatch('snapshot', args, latch, () => import('./commands/snapshot.js'), (m) => m.run(argv as SnapshotArgs));
    })
    .command('faces [inputs..]', 'estimate gender and age of the faces in images or folders: one NDJSON line per image', facesOptions, async (argv) => {
      code = await dispatch('faces', args, latch, () => import('./commands/faces.js'), (m) => m.run(argv as FacesArgs));
    })
    .command('report [config]', 'counts per task, line and time bucket from the store, with coverage (no run needed)', reportOptions, async (argv) => {
      code = await dispatch('report', args, latch, () => import('./commands/report.js'), (m) => m.run(argv));
    })
    .command('validate [file]', 'check a config file and list every problem with its JSON path', validateOptions, async (argv) => {
      code = await dispatch('validate', args, latch, () => import('./commands/validate.js'), (m) => m.run(argv as ValidateArgs));
    })
    .command('models [action] [name]', 'list, build or verify the built-in ONNX models', modelsOptions, async (argv) => {
      code = await dispatch('models', args, latch, () => import('./commands/models.js'), (m) => m.run(argv as ModelsArgs));
    })
    .strict()
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false })
    .help('help', 'show this help')
    .alias('help', 'h')
    .version()
    .describe('version', 'show the version')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, err) => {
      // Throwing stops yargs: without it, yargs reports the problem and runs the command anyway.
      const failure = takeFailure(message ?? err?.message ?? null);
      if (failure) throw failure;
      if (err && !(err.name === 'YError' || message)) throw err;
      const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      throw new UsageError(describeYargsMessage(message ?? err?.message ?? 'bad arguments', args, known));
    });
  try {
    refuseLoneDash(args);
    refuseDashValues(args);
    await parser.parseAsync();
    return code === 0 && outputFailed() ? 1 : code;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (args[0] === 'worker') {
      await reportWorkerUsage(err, args.slice(1));
    } else {
      const command = COMMANDS.includes(args[0]) ? ` ${args[0]}` : '';
      process.stderr.write(`pcount-tui${command}: ${shownText(err.message, args)}\n(pcount-tui${command} --help lists the options)\n`);
    }
    return USAGE_EXIT_STATUS;
  }
}
