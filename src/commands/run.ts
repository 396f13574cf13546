import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_NAME } from '../config/defaults.js';
import { adHocConfig, loadConfig, type CliOverrides, type LoadResult } from '../config/load.js';
import { getPreferences, setPreference } from '../config/preferences.js';
import { formatProblem } from '../config/validate.js';
import { runHeadless } from '../headless.js';
import { Pool } from '../orchestrator/pool.js';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../config/example.json', import.meta.url));

const USAGE = `No config given, and none found (the last config run, then ./${DEFAULT_CONFIG_NAME}).

Start with one of:
  pcount-tui run --source video.mp4 --line 0.5,0,0.5,1      count one file on a vertical line in the middle
  pcount-tui run --source rtsp://host/stream --line 0,0.6,1,0.6,door
  pcount-tui run my-config.json                             a config file (see ${EXAMPLE_CONFIG})
  pcount-tui validate my-config.json                        list every problem of a config
`;

/** The config to use when none is named: the last one run, if it still exists, then ./pcount.json. */
function defaultConfig(): { file: string | null; searched: string[] } {
  const searched: string[] = [];
  const last = getPreferences().lastConfig;
  if (last) {
    searched.push(last);
    if (existsSync(last)) return { file: last, searched };
  }
  const local = path.resolve(DEFAULT_CONFIG_NAME);
  searched.push(local);
  return { file: existsSync(local) ? local : null, searched };
}

function overridesFrom(argv: Record<string, unknown>): CliOverrides {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    workerCount: num(argv.workerCount),
    skipFrames: num(argv.skipFrames),
    confidence: num(argv.confidence),
    output: typeof argv.output === 'string' ? argv.output : undefined,
    demographics: argv.demographics === true ? true : undefined,
  };
}

function reportProblems(result: Extract<LoadResult, { ok: false }>): number {
  const where = result.file ?? 'command line';
  process.stderr.write(`pcount-tui: ${where}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`);
  for (const p of result.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
  return 1;
}

/** The default command and `run`: a config file or ad-hoc `--source` tasks, in the dashboard or as NDJSON. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const sources = (argv.source as string[] | undefined) ?? [];
  const lines = (argv.line as string[] | undefined) ?? [];
  const tui = argv.tui !== false && Boolean(process.stdout.isTTY);
  const overrides = overridesFrom(argv);
  let result: LoadResult;
  if (sources.length > 0) {
    if (typeof argv.config === 'string') {
      process.stderr.write('pcount-tui: give either a config file or --source tasks, not both\n');
      return 2;
    }
    result = adHocConfig(sources, lines, overrides);
  } else {
    if (lines.length > 0) {
      process.stderr.write('pcount-tui: --line applies to --source tasks; put the lines of a config file in the file\n');
      return 2;
    }
    const named = typeof argv.config === 'string' ? argv.config : null;
    const found = named ? { file: named, searched: [] } : defaultConfig();
    if (!found.file) {
      if (tui) {
        const { renderStartScreen } = await import('../tui/start-screen.js');
        await renderStartScreen({ searched: found.searched, exampleConfig: EXAMPLE_CONFIG });
      } else {
        process.stderr.write(USAGE);
      }
      return 2;
    }
    result = loadConfig(found.file, overrides);
  }
  if (!result.ok) return reportProblems(result);
  const config = result.config;
  if (config.configPath) setPreference('lastConfig', config.configPath);

  const prefs = getPreferences();
  const pool = new Pool({
    tasks: config.tasks,
    workerCount: config.workerCount,
    outputDir: config.resultOutput,
    exportDir: prefs.exportFolder,
    logLevel: config.logLevel,
  });
  // Whatever ends the process, no worker may outlive it.
  const killAll = () => pool.killAll();
  process.on('exit', killAll);
  try {
    if (!tui) return await runHeadless(pool);
    pool.begin();
    const { renderDashboard } = await import('../tui/render.js');
    return await renderDashboard(pool, { configPath: config.configPath ?? undefined, refreshMs: prefs.ui.refreshMs });
  } finally {
    await pool.shutdown();
    process.off('exit', killAll);
  }
}
