import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_NAME, DEFAULT_RESULT_OUTPUT } from '../config/defaults.js';
import { storePathOf } from '../config/load.js';
import { getPreferences } from '../config/preferences.js';
import type { PcountConfig } from '../config/types.js';
import { BUCKET_SIZES, type BucketSize } from '../store/buckets.js';
import { StoreError } from '../store/errors.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../store/report-format.js';
import { buildReport, ReportError } from '../store/report.js';
import { Store } from '../store/store.js';
import { parseTimeArg } from '../store/time-arg.js';
import { isValidZone, systemZone } from '../store/zone.js';

class UsageError extends Error {}

/** The store a config file's runs write to (only `parallel_config` is read: sources need not exist for a report). */
function storeOfConfig(file: string): string {
  const abs = path.resolve(file);
  let data: PcountConfig;
  try {
    data = JSON.parse(readFileSync(abs, 'utf8')) as PcountConfig;
  } catch (err) {
    throw new UsageError(`${abs}: cannot be read as a config: ${(err as Error).message}`);
  }
  const shared = data?.parallel_config ?? {};
  const dir = path.dirname(abs);
  return storePathOf(shared.store, dir, path.resolve(dir, shared.result_output ?? DEFAULT_RESULT_OUTPUT));
}

function storeFile(argv: Record<string, unknown>): string {
  if (typeof argv.db === 'string') {
    if (typeof argv.config === 'string') throw new UsageError('give either --db or a config file, not both');
    return path.resolve(argv.db);
  }
  if (typeof argv.config === 'string') return storeOfConfig(argv.config);
  const last = getPreferences().lastConfig;
  if (last && existsSync(last)) return storeOfConfig(last);
  if (existsSync(DEFAULT_CONFIG_NAME)) return storeOfConfig(DEFAULT_CONFIG_NAME);
  throw new UsageError(`no store: pass --db PATH or a config file (no config was run before, and there is no ./${DEFAULT_CONFIG_NAME})`);
}

function list(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined;
}

/** `pcount-tui report`: counts per task, line and time bucket from the store, with their coverage. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  try {
    const zone = typeof argv.tz === 'string' ? argv.tz : systemZone();
    if (!isValidZone(zone)) throw new UsageError(`--tz: unknown time zone '${zone}' (an IANA name such as Europe/Berlin, or UTC)`);
    const bucket = String(argv.bucket ?? '1h') as BucketSize;
    if (!BUCKET_SIZES.includes(bucket)) throw new UsageError(`--bucket must be one of ${BUCKET_SIZES.join(', ')}, got '${bucket}'`);
    const format = String(argv.format ?? 'table') as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${format}'`);
    const now = Date.now();
    const time = (name: 'since' | 'until') => {
      const v = argv[name];
      if (v === undefined) return undefined;
      const t = parseTimeArg(String(v), zone, now);
      if (t === null) throw new UsageError(`--${name}: cannot read '${String(v)}' as a time (e.g. 2025-03-30, 2025-03-30T04:00, 24h, today)`);
      return t;
    };
    const since = time('since');
    const until = time('until');
    if (since !== undefined && until !== undefined && until <= since) throw new UsageError('--until must be after --since');
    const file = storeFile(argv);
    const store = Store.open(file, { mustExist: true });
    try {
      const report = buildReport(store, { tasks: list(argv.task), lines: list(argv.line), bucket, since, until, zone, now });
      process.stdout.write(formatReport(report, { store: store.file, zone, bucket, now }, format));
    } finally {
      store.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof StoreError || err instanceof ReportError) {
      process.stderr.write(`pcount-tui report: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}
