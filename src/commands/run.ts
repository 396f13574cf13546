import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunArgs } from './options.js';
import { DEFAULT_CONFIG_NAME } from '../config/defaults.js';
import { adHocConfig, loadConfig, type CliOverrides, type LoadResult } from '../config/load.js';
import { getPreferences, setPreference } from '../config/preferences.js';
import type { RunConfig } from '../config/types.js';
import { formatProblem } from '../config/validate.js';
import { runHeadless } from '../headless.js';
import { MetricsCollector } from '../monitoring/collector.js';
import { serveMetrics, type MetricsEndpoint } from '../monitoring/server.js';
import { Pool } from '../orchestrator/pool.js';
import { openStoreFor } from '../orchestrator/store-owner.js';
import { privateFileMode } from '../sources/credentials.js';
import { SORT_KEYS } from '../tui/task-list.js';
import { resolveFfmpeg } from '../worker/ffmpeg-binary.js';
import { taskOptionsFrom } from './arguments.js';
import { openFleet, type FleetControl } from './fleet-control.js';
import { lineArgs, LineSaver } from './save-lines.js';
import { invocation, shellQuote, startHints, startHintsText } from './start-hints.js';
import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';
import type { SignalLatch } from '../common/signal-latch.js';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../config/example.json', import.meta.url));
const EXAMPLE_VIDEO = 'vtest.avi';

const say = (line: string) => process.stderr.write(`pcount-tui: ${line}\n`);

type ConfigChoice =
  | { kind: 'found'; file: string }
  /** The last config run lives in another folder: run only when the user says so. */
  | { kind: 'remembered'; file: string }
  | { kind: 'none'; searched: string[] };

/** The config to use when none is named: the folder's own ./pcount.json, else the last config run. */
function chooseConfig(cwd: string): ConfigChoice {
  const local = path.join(cwd, DEFAULT_CONFIG_NAME);
  if (existsSync(local)) return { kind: 'found', file: local };
  const last = getPreferences().lastConfig;
  if (last && existsSync(last)) return path.dirname(last) === cwd ? { kind: 'found', file: last } : { kind: 'remembered', file: last };
  return { kind: 'none', searched: [local] };
}

function reportProblems(result: Extract<LoadResult, { ok: false }>): number {
  const where = result.file ?? 'command line';
  say(`${where}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
  for (const p of result.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
  return 1;
}

function describeTasks(config: RunConfig): string {
  const cameras = config.tasks.filter((t) => t.kind === 'camera').length;
  const videos = config.tasks.length - cameras;
  return `${config.tasks.length} task${config.tasks.length === 1 ? '' : 's'} (${cameras} camera${cameras === 1 ? '' : 's'}, ${videos} video${videos === 1 ? '' : 's'}), ${config.workerCount} at once`;
}

/** Asks (dashboard) or refuses (headless) before running a remembered config of another folder. */
async function confirmRemembered(config: RunConfig, tui: boolean, cwd: string): Promise<boolean> {
  const file = config.configPath!;
  const program = invocation(process.argv[1]);
  const where = `No ${DEFAULT_CONFIG_NAME} in ${cwd}; the last config run is in another folder: ${file}, ${describeTasks(config)}.`;
  if (!tui) {
    say(`no config given. ${where}`);
    process.stderr.write(`Run it by name if that is what you want: ${program} run ${shellQuote(file)}\n`);
    return false;
  }
  const { askYesNo } = await import('../tui/ask.js');
  const yes = await askYesNo({ detail: [where], question: 'Run it?' });
  if (!yes) process.stdout.write(`Nothing run. Run a config by name with: ${program} run <config.json>\n`);
  return yes;
}

/** Whether the ffmpeg given with --ffmpeg runs; every worker would fail the same way otherwise. */
async function checkFfmpeg(option: string | undefined): Promise<boolean> {
  if (option === undefined) return true;
  try {
    await resolveFfmpeg({ option });
    return true;
  } catch (err) {
    say(`bad --ffmpeg '${option}': ${(err as Error).message}`);
    return false;
  }
}

function ignoreSignal(): void {}

/**
 * The default command and `run`: a config file or ad-hoc `--source` tasks, in the dashboard or as NDJSON. `latch`
 * holds a signal that comes before the run listens for one: the run then ends at once, with its summary.
 */
export async function run(argv: RunArgs, commands: readonly string[], latch?: SignalLatch): Promise<number> {
  // The dashboard reads its keys from a terminal: with stdin a file or a pipe (`while read c; do pcount-tui "$c";
  // done < list`) Ink failed on raw mode before anything ran, so such a run is headless, and says why.
  const tui = argv.tui && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY);
  if (argv.tui && process.stdout.isTTY && !tui) say('standard input is not a terminal, so no dashboard (it reads keys from one): NDJSON follows');
  const cwd = process.cwd();
  const overrides: CliOverrides = { workerCount: argv.workerCount, output: argv.output, db: argv.db, redis: argv.redis, fleet: argv.fleet, metrics: argv.metrics, task: taskOptionsFrom(argv) };
  const sources = argv.source ?? [];
  let result: LoadResult;
  let remembered = false;
  const named = argv.config;
  if (named !== undefined && /^[a-z][a-z-]*$/i.test(named) && !existsSync(named)) {
    say(`'${named}' is neither a command (${commands.join(', ')}) nor a config file`);
    return USAGE_EXIT_STATUS;
  }
  if (sources.length > 0) {
    if (named !== undefined) {
      say('give either a config file or --source tasks, not both');
      return USAGE_EXIT_STATUS;
    }
    result = adHocConfig(sources, argv.line ?? [], overrides);
  } else {
    if (argv.line !== undefined) {
      say('--line applies to --source tasks; put the lines of a config file in the file');
      return USAGE_EXIT_STATUS;
    }
    const choice: ConfigChoice = named !== undefined ? { kind: 'found', file: named } : chooseConfig(cwd);
    if (choice.kind === 'none') {
      const hints = startHints({ program: invocation(process.argv[1]), cwd, exampleConfig: EXAMPLE_CONFIG, exampleVideo: EXAMPLE_VIDEO });
      if (tui) {
        const { renderStartScreen } = await import('../tui/start-screen.js');
        await renderStartScreen({ searched: choice.searched, hints });
      } else {
        say(`no config given, and none found (looked for ${choice.searched.join(', ')})`);
        process.stderr.write(startHintsText(hints));
      }
      return USAGE_EXIT_STATUS;
    }
    remembered = choice.kind === 'remembered';
    result = loadConfig(choice.file, overrides);
  }
  if (!result.ok) return reportProblems(result);
  const config = result.config;
  if (remembered && !(await confirmRemembered(config, tui, cwd))) return USAGE_EXIT_STATUS;
  // The binary named cannot run: exit 1, as FFMPEG_NOT_FOUND is for the worker, detect and snapshot.
  if (!(await checkFfmpeg(argv.ffmpeg))) return 1;
  if (config.configPath) setPreference('lastConfig', config.configPath);

  let fleet: FleetControl | null = null;
  if (config.fleet) {
    const attached = await openFleet(config.fleet, config.tasks, argv.redis !== undefined, tui ? undefined : say);
    if (!attached.ok) {
      say(attached.message);
      return attached.code;
    }
    fleet = attached.fleet;
  }
  try {
    return await runPool(config, fleet, tui, argv, latch);
  } finally {
    await fleet?.close();
  }
}

/** Runs the config's tasks in local workers, or on a fleet's agents, in the dashboard or headless. */
async function runPool(config: RunConfig, fleet: FleetControl | null, tui: boolean, argv: RunArgs, latch?: SignalLatch): Promise<number> {
  const tasks = fleet?.tasks ?? config.tasks;
  const opened = openStoreFor(config.storePath, tasks.map((t) => t.id), { mode: privateFileMode(tasks.map((t) => t.source)) });
  if (!opened.ok) {
    process.stderr.write(`pcount-tui: ${opened.message}\n`);
    return 1;
  }
  const store = opened.store;
  const prefs = getPreferences();
  const pool = new Pool({
    tasks,
    workerCount: config.workerCount,
    outputDir: config.resultOutput,
    exportDir: prefs.exportFolder,
    logLevel: config.logLevel,
    threads: argv.threads,
    ffmpeg: argv.ffmpeg,
    store,
    configPath: config.configPath,
    transport: fleet?.transport,
  });
  const failed = pool.snapshot().store?.error;
  if (failed) {
    store.close();
    process.stderr.write(`pcount-tui: ${failed}\n`);
    return 1;
  }
  let metrics: MetricsEndpoint | null = null;
  const collector = new MetricsCollector(pool);
  if (config.metrics) {
    try {
      metrics = await serveMetrics(config.metrics, () => collector.families());
    } catch (err) {
      collector.close();
      store.close();
      process.stderr.write(`pcount-tui: ${(err as Error).message}\n`);
      return 1;
    }
    if (!tui) process.stderr.write(`pcount-tui: metrics at ${metrics.url}\n`);
  }
  // What each task takes over from the store, said before anything runs (the log panes and NDJSON say it too).
  if (!tui) for (const r of pool.resumed()) process.stderr.write(`pcount-tui: ${r.task}: ${r.note}\n`);
  // No worker outlives this process, whatever ends it: every child is registered with killOnExit (common/terminate.ts).
  // A file size limit (ulimit -f) would kill the process, and its counts, on the store's next write; handled, the
  // write fails like one to a full disk, and counting goes on in memory.
  process.on('SIGXFSZ', ignoreSignal);
  const saver = new LineSaver(config.configPath);
  try {
    // A fleet's events are read once every task has started (each is routed to its task).
    const readFleet = async () => await fleet?.read(store);
    let code: number;
    if (!tui) code = await runHeadless(pool, { begun: readFleet, latch });
    else {
      pool.begin();
      await readFleet();
      // React's development build checks every render; a 100×30 preview costs twice as much with it (bench:preview).
      process.env.NODE_ENV ??= 'production';
      const { renderDashboard } = await import('../tui/render.js');
      code = await renderDashboard(pool, {
        configPath: config.configPath ?? undefined,
        refreshMs: prefs.ui.refreshMs,
        preferences: { logOpen: prefs.ui.showLogPane, preview: prefs.ui.preview, sort: SORT_KEYS.find((k) => k === prefs.ui.sort) ?? 'config' },
        onPreferences: (p) => setPreference('ui', { ...getPreferences().ui, showLogPane: p.logOpen, preview: p.preview, sort: p.sort }),
        saveLines: (task, lines, taken) => saver.save(task, lines, taken),
        note: metrics ? metrics.url : undefined,
        latch,
      });
    }
    // Counts that only lived in memory are an error even when every task completed.
    return code === 0 && pool.snapshot().store?.error ? 1 : code;
  } finally {
    await pool.shutdown();
    store.close();
    process.off('SIGXFSZ', ignoreSignal);
    collector.close();
    await metrics?.close();
    for (const [task, lines] of saver.changed) process.stdout.write(`pcount-tui: lines of ${task} changed in the dashboard; to reuse them: ${lineArgs(lines)}\n`);
    for (const text of saver.unsavedText()) process.stdout.write(`pcount-tui: ${text}\n`);
  }
}
