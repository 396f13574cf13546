import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_NAME, DEFAULT_RESULT_OUTPUT } from '../config/defaults.js';
import { readConfigFile, storePathOf } from '../config/load.js';
import { formatProblem, validateConfig } from '../config/validate.js';
import { getPreferences } from '../config/preferences.js';
import type { PcountConfig } from '../config/types.js';
import { StoreError } from '../store/errors.js';
import { formatReport } from '../store/report-format.js';
import { buildReport, ReportError } from '../store/report.js';
import { Store } from '../store/store.js';
import { parseTimeArg, TIME_ARG_RANGE } from '../store/time-arg.js';
import { systemZone } from '../store/zone.js';
import type { ReportArgs } from './options.js';
import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';

class UsageError extends Error {}

/** The config file named cannot be used: exit 1, as in `validate` and `run` (src/protocol/error-codes.ts). */
class ConfigError extends Error {}

/** The store a config file's runs write to (the config must be valid; its sources need not exist for a report). */
function storeOfConfig(file: string): string {
  const read = readConfigFile(file);
  const problems = read.ok ? validateConfig(read.data) : read.problems;
  if (!read.ok || problems.length > 0) throw new ConfigError(`${read.file}: cannot be read as a config: ${problems.map(formatProblem).join('; ')}`);
  const shared = (read.data as PcountConfig).parallel_config ?? {};
  const dir = path.dirname(read.file);
  return storePathOf(shared.store, dir, path.resolve(dir, shared.result_output ?? DEFAULT_RESULT_OUTPUT));
}

/** The store named by --db, else a config's: the one given, else ./pcount.json, else the last config run. */
function storeFile(argv: ReportArgs): string {
  if (argv.db !== undefined) {
    if (argv.config !== undefined) throw new UsageError('give either --db or a config file, not both');
    return path.resolve(argv.db);
  }
  if (argv.config !== undefined) return storeOfConfig(argv.config);
  if (existsSync(DEFAULT_CONFIG_NAME)) return storeOfConfig(DEFAULT_CONFIG_NAME);
  const last = getPreferences().lastConfig;
  if (last && existsSync(last)) {
    // Not asked, unlike the dashboard (a report writes nothing), but said: it may be another folder's store.
    const file = storeOfConfig(last);
    process.stderr.write(`pcount-tui report: the store of the last config run, ${last}: ${file} (pass --db PATH or a config for another)\n`);
    return file;
  }
  throw new UsageError(`no store: pass --db PATH or a config file (there is no ./${DEFAULT_CONFIG_NAME}, and no config was run before)`);
}

/** `pcount-tui report`: counts per task, line and time bucket from the store, with their coverage. */
export async function run(argv: ReportArgs): Promise<number> {
  try {
    const zone = argv.tz ?? systemZone();
    const bucket = argv.bucket ?? '1h';
    const format = argv.format ?? 'table';
    const now = Date.now();
    const time = (name: 'since' | 'until') => {
      const v = argv[name];
      if (v === undefined) return undefined;
      const t = parseTimeArg(v, zone, now);
      if (t === null) throw new UsageError(`--${name}: cannot read '${String(v)}' as a time (e.g. 2025-03-30, 2025-03-30T04:00, 24h, today)`);
      if (t === 'out of range') throw new UsageError(`--${name}: '${String(v)}' is out of range: expected a time ${TIME_ARG_RANGE.text}`);
      return t;
    };
    const since = time('since');
    const until = time('until');
    if (since !== undefined && until !== undefined && until <= since) throw new UsageError('--until must be after --since');
    const file = storeFile(argv);
    const store = Store.open(file, { mustExist: true });
    try {
      const report = buildReport(store, { tasks: argv.task, lines: argv.line, bucket, since, until, zone, now });
      process.stdout.write(formatReport(report, { store: store.file, zone, bucket, now }, format));
    } finally {
      store.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof StoreError || err instanceof ReportError) {
      process.stderr.write(`pcount-tui report: ${err.message}\n`);
      return err instanceof UsageError || (err instanceof ReportError && err.usage) ? USAGE_EXIT_STATUS : 1;
    }
    throw err;
  }
}
