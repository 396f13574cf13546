import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIDENCE, DEFAULT_LINE, DEFAULT_LOG_LEVEL, DEFAULT_RESULT_OUTPUT, DEFAULT_SKIP_FRAMES, DEFAULT_WORKER_COUNT } from './defaults.js';
import { idFromSource, isLiveSource, isPlainFile, resolveSource } from './sources.js';
import { DEFAULT_DEMOGRAPHICS } from './demographics.js';
import type { ConfigProblem, LineConfig, PcountConfig, RunConfig, TaskConfig, TaskSpec, WorkerLogLevel, DemographicsSettings } from './types.js';
import { validateConfig } from './validate.js';

/** Command-line values that win over the file (and over per-task overrides). */
export interface CliOverrides {
  workerCount?: number;
  skipFrames?: number;
  confidence?: number;
  output?: string;
  /** `run --demographics`: on for every task (with the task's own settings, if any). */
  demographics?: boolean;
}

export type LoadResult = { ok: true; config: RunConfig } | { ok: false; file: string | null; problems: ConfigProblem[] };

function jsonSyntaxProblem(text: string, err: Error): ConfigProblem {
  const at = /position (\d+)/.exec(err.message);
  let where = '';
  if (at) {
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  }
  const reason = err.message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
  return { path: '$', message: `is not valid JSON${where}: ${reason}`, value: undefined };
}

function checkOverrides(o: CliOverrides): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const positiveInt = (flag: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) problems.push({ path: flag, message: 'must be a whole number >= 1', value: v });
  };
  positiveInt('--worker-count', o.workerCount);
  positiveInt('--skip-frames', o.skipFrames);
  if (o.confidence !== undefined && !(o.confidence > 0 && o.confidence <= 1)) {
    problems.push({ path: '--confidence', message: 'must be a number in (0, 1]', value: o.confidence });
  }
  return problems;
}

function missingFiles(config: PcountConfig, baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const list of ['cameras', 'videos'] as const) {
    (config[list] ?? []).forEach((task, i) => {
      if (!isPlainFile(task.source)) return;
      const file = resolveSource(task.source, baseDir);
      if (!existsSync(file)) {
        problems.push({ path: `$.${list}[${i}].source`, message: `file not found: ${file} (relative sources are resolved against ${baseDir})`, value: task.source });
      }
    });
  }
  return problems;
}

function workerLogLevel(level: string): WorkerLogLevel {
  const lower = level.toLowerCase();
  return lower === 'warning' ? 'warn' : (lower as WorkerLogLevel);
}

function toSpec(task: TaskConfig, kind: TaskSpec['kind'], config: PcountConfig, baseDir: string, o: CliOverrides): TaskSpec {
  const shared = config.parallel_config ?? {};
  const pick = <K extends keyof TaskConfig & keyof typeof shared>(key: K) => task[key] ?? shared[key];
  const model = pick('model');
  return {
    id: task.id,
    kind,
    source: resolveSource(task.source, baseDir),
    lines: task.lines.map((l) => ({ name: l.name, points: [...l.points] as LineConfig['points'] })),
    skipFrames: o.skipFrames ?? pick('skip_frames') ?? DEFAULT_SKIP_FRAMES,
    confidence: o.confidence ?? pick('confidence') ?? DEFAULT_CONFIDENCE,
    model: model === undefined ? undefined : path.resolve(baseDir, model),
    modelFormat: pick('model_format'),
    inputSize: pick('input_size'),
    anchor: pick('anchor'),
    stallTimeout: pick('stall_timeout'),
    demographics: demographicsOf(pick('demographics'), o.demographics),
  };
}

function demographicsOf(set: Partial<DemographicsSettings> | undefined, cli: boolean | undefined): DemographicsSettings | undefined {
  const merged = { ...DEFAULT_DEMOGRAPHICS, ...set, ...(cli ? { enabled: true } : {}) };
  return merged.enabled ? merged : undefined;
}

/** Validates a parsed config and turns it into a RunConfig; `baseDir` anchors relative sources, models and output. */
export function resolveConfig(data: unknown, configPath: string | null, baseDir: string, overrides: CliOverrides = {}): LoadResult {
  const problems = [...checkOverrides(overrides), ...validateConfig(data)];
  if (problems.length === 0) problems.push(...missingFiles(data as PcountConfig, baseDir));
  if (problems.length > 0) return { ok: false, file: configPath, problems };
  const config = data as PcountConfig;
  const shared = config.parallel_config ?? {};
  const tasks = [
    ...(config.cameras ?? []).map((t) => toSpec(t, 'camera', config, baseDir, overrides)),
    ...(config.videos ?? []).map((t) => toSpec(t, 'video', config, baseDir, overrides)),
  ];
  return {
    ok: true,
    config: {
      configPath,
      workerCount: overrides.workerCount ?? shared.worker_count ?? DEFAULT_WORKER_COUNT,
      resultOutput: path.resolve(overrides.output === undefined ? baseDir : process.cwd(), overrides.output ?? shared.result_output ?? DEFAULT_RESULT_OUTPUT),
      logLevel: workerLogLevel(shared.log_level ?? DEFAULT_LOG_LEVEL),
      tasks,
    },
  };
}

/** Reads, parses and validates a config file. Relative paths inside it are resolved against its folder. */
export function loadConfig(file: string, overrides: CliOverrides = {}): LoadResult {
  const configPath = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message;
    return { ok: false, file: configPath, problems: [{ path: '$', message: `cannot be read: ${why}`, value: undefined }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, file: configPath, problems: [jsonSyntaxProblem(text, err as Error)] };
  }
  return resolveConfig(data, configPath, path.dirname(configPath), overrides);
}

/** Parses `x1,y1,x2,y2[,name]` from the command line; the name defaults to `line<n>`. */
export function parseLineArg(arg: string, index: number): LineConfig | ConfigProblem {
  const parts = arg.split(',');
  const numbers = parts.slice(0, 4).map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length < 4 || parts.length > 5 || numbers.some((n) => !Number.isFinite(n))) {
    return { path: `--line[${index}]`, message: 'must be x1,y1,x2,y2[,name] with numbers in 0..1', value: arg };
  }
  return { name: parts[4]?.trim() || `line${index + 1}`, points: numbers as LineConfig['points'] };
}

/** Builds a config from `--source` and `--line` flags: files become videos, URLs and devices cameras. */
export function adHocConfig(sources: string[], lineArgs: string[], overrides: CliOverrides = {}): LoadResult {
  const parsed = lineArgs.map(parseLineArg);
  const bad = parsed.filter((p): p is ConfigProblem => 'path' in p);
  if (bad.length > 0) return { ok: false, file: null, problems: bad };
  const lines = parsed.length > 0 ? (parsed as LineConfig[]) : [DEFAULT_LINE];
  const used = new Set<string>();
  const tasks = sources.map((source) => {
    const stem = idFromSource(source);
    let id = stem;
    for (let n = 2; used.has(id); n++) id = `${stem}-${n}`;
    used.add(id);
    return { id, source, lines };
  });
  const data: PcountConfig = {
    parallel_config: { worker_count: Math.max(1, Math.min(tasks.length, DEFAULT_WORKER_COUNT)) },
    cameras: tasks.filter((t) => isLiveSource(t.source)),
    videos: tasks.filter((t) => !isLiveSource(t.source)),
  };
  return resolveConfig(data, null, process.cwd(), overrides);
}
