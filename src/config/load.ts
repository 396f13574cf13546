import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { readText } from '../common/read-text.js';
import { describeSource, isLiveSource, resolveSource } from '../sources/kind.js';
import { DEFAULT_LINE, type NamedLine } from '../sources/lines.js';
import { uniqueTaskIds } from '../sources/task-id.js';
import { DEFAULT_CONFIDENCE, DEFAULT_FLEET, DEFAULT_LOG_LEVEL, DEFAULT_RESULT_OUTPUT, DEFAULT_SKIP_FRAMES, DEFAULT_STORE_NAME, DEFAULT_WORKER_COUNT } from './defaults.js';
import { duplicateKeyProblems } from './json-duplicates.js';
import { jsonSyntaxError } from './json-error.js';
import { outputDirProblem } from './output-dir.js';
import { flagOf, layerTaskOptions, pickTaskOptions, TASK_OPTION_KEYS, TASK_OPTIONS } from './task-options.js';
import type { ConfigProblem, PcountConfig, RunConfig, TaskConfig, TaskOverrides, TaskSpec, WorkerLogLevel } from './types.js';
import { validateConfig } from './validate.js';
import { metricsAddress } from './values.js';

/** Command-line values, already parsed and checked by the command table; they win over the file. */
export interface CliOverrides {
  workerCount?: number;
  output?: string;
  /** Task options (config keys) given as flags; relative paths are relative to the current folder. */
  task?: TaskOverrides;
  /** `--db PATH`: the store, instead of parallel_config.store or `<result_output>/pcount.db`. */
  db?: string;
  /** `--redis URL` and `--fleet NAME`: fleet mode, instead of parallel_config.redis and .fleet. */
  redis?: string;
  fleet?: string;
  /** `--metrics HOST:PORT`, instead of parallel_config.metrics. */
  metrics?: string;
}

export type LoadResult = { ok: true; config: RunConfig } | { ok: false; file: string | null; problems: ConfigProblem[] };

type TaskList = 'cameras' | 'videos';

/** Relative paths among task options resolved against `baseDir`. */
function resolvePaths(options: TaskOverrides, baseDir: string): TaskOverrides {
  const out: Record<string, unknown> = { ...options };
  for (const key of TASK_OPTION_KEYS) {
    if (TASK_OPTIONS[key].path && typeof out[key] === 'string') out[key] = path.resolve(baseDir, out[key] as string);
  }
  return out as TaskOverrides;
}

function toSpec(task: TaskConfig, list: TaskList, config: PcountConfig, baseDir: string, o: CliOverrides): TaskSpec {
  const options = layerTaskOptions(
    resolvePaths(pickTaskOptions({ ...config.parallel_config }), baseDir),
    resolvePaths(pickTaskOptions({ ...task }), baseDir),
    resolvePaths(o.task ?? {}, process.cwd()),
  );
  return {
    id: task.id,
    kind: list === 'cameras' ? 'camera' : 'video',
    source: resolveSource(task.source, baseDir),
    lines: task.lines.map((l) => ({ name: l.name, points: [...l.points] as NamedLine['points'] })),
    options: { skip_frames: DEFAULT_SKIP_FRAMES, confidence: DEFAULT_CONFIDENCE, ...options },
    occupancyReset: task.occupancy_reset ?? config.parallel_config?.occupancy_reset,
    occupancyFloor: task.occupancy_floor ?? config.parallel_config?.occupancy_floor,
  };
}

/** Why a local source cannot be read at all (missing, unreadable, a folder, an empty file), or null. */
function localSourceProblem(source: string, baseDir: string): string | null {
  const { kind, local } = describeSource(source);
  const needed = kind === 'sequence' && local ? path.dirname(local) : local;
  if (!needed) return null;
  let found;
  try {
    found = statSync(needed, { throwIfNoEntry: false });
  } catch (err) {
    // A folder on the way this user may not enter (EACCES), a file used as a folder (ENOTDIR): was a bare errno
    // message that stopped validate before the config's other problems.
    return `${needed} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (!found) return `${kind === 'sequence' ? 'folder' : 'file'} not found: ${needed} (relative paths are resolved against ${baseDir})`;
  // Found before any worker starts, as a missing file is (was: each task failed on its own, SOURCE_UNREADABLE).
  if (!readable(needed, kind === 'sequence')) return `${needed} cannot be read (permission denied)`;
  if (kind === 'sequence') return null;
  if (found.isDirectory()) return `${needed} is a folder, not a video file (for an image sequence give a pattern such as ${path.join(needed, '%04d.png')})`;
  if (found.isFile() && found.size === 0) return `${needed} is empty (0 bytes)`;
  return null;
}

/** Whether this user may read the file, or list and enter the folder of an image sequence. */
function readable(at: string, folder: boolean): boolean {
  try {
    accessSync(at, folder ? constants.R_OK | constants.X_OK : constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A file a task names: its source, and the model it runs with (a flag's, else the task's, else parallel_config's). */
interface NamedFiles {
  at: string;
  source: string | null;
  model: string | undefined;
  /** Where the model was named: `--model`, the task's `model` or parallel_config's. */
  modelAt: string;
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const objectOr = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * The files each task names, read from the parsed file as it is, valid or not: so that a missing file is reported
 * with the file's other problems, not only once they are fixed. Paths resolve as toSpec resolves them.
 */
function namedFiles(data: unknown, baseDir: string, overrides: CliOverrides): NamedFiles[] {
  const config = objectOr(data);
  const shared = nonEmpty(objectOr(config.parallel_config).model);
  const flag = overrides.task?.model;
  return (['cameras', 'videos'] as const).flatMap((list) => {
    const tasks = Array.isArray(config[list]) ? (config[list] as unknown[]) : [];
    return tasks.map((task, i) => {
      const own = objectOr(task);
      const source = nonEmpty(own.source);
      const model = flag !== undefined ? path.resolve(flag) : (nonEmpty(own.model) ?? shared);
      // A shared model was said to be missing at `$.videos[0].model`, a key the file does not have.
      const modelAt = flag !== undefined ? `--${flagOf('model')}` : nonEmpty(own.model) !== undefined ? `$.${list}[${i}].model` : '$.parallel_config.model';
      return { at: `$.${list}[${i}]`, source: source === undefined ? null : resolveSource(source, baseDir), model: model && path.resolve(baseDir, model), modelAt };
    });
  });
}

/** Files that must be there before anything starts: local sources (an image sequence's folder) and models. */
function missingFiles(tasks: NamedFiles[], baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const { source, at } of tasks) {
    const problem = source === null ? null : localSourceProblem(source, baseDir);
    if (problem) problems.push({ path: `${at}.source`, message: problem, value: undefined });
  }
  const models = new Set<string>();
  for (const { model, modelAt } of tasks) {
    if (model === undefined || models.has(model)) continue;
    models.add(model);
    if (!existsSync(model)) problems.push({ path: modelAt, message: `model file not found: ${model}`, value: undefined });
  }
  return problems;
}

function workerLogLevel(level: string): WorkerLogLevel {
  const lower = level.toLowerCase();
  return lower === 'warning' ? 'warn' : (lower as WorkerLogLevel);
}

/**
 * Validates a parsed config and turns it into a RunConfig; `baseDir` anchors relative sources, models and output.
 * Everything that would stop a task before it counts is found here, before any worker starts, all in one go:
 * `earlier` problems (keys given twice), schema and semantic problems, missing files and models, and a result folder
 * that cannot be written.
 */
export function resolveConfig(
  data: unknown,
  configPath: string | null,
  baseDir: string,
  overrides: CliOverrides = {},
  opts: { filesHere?: boolean } = {},
  earlier: ConfigProblem[] = [],
): LoadResult {
  const problems = [...earlier, ...validateConfig(data)];
  const shared = objectOr(objectOr(data).parallel_config) as NonNullable<PcountConfig['parallel_config']>;
  const fleet = fleetOf(overrides.redis ?? nonEmpty(shared.redis), overrides.fleet ?? nonEmpty(shared.fleet));
  // A fleet's agents read the files and models on their own hosts, and check them there.
  if ((opts.filesHere ?? true) && !fleet) problems.push(...missingFiles(namedFiles(data, baseDir, overrides), baseDir));
  const output = overrides.output ?? nonEmpty(shared.result_output) ?? DEFAULT_RESULT_OUTPUT;
  const resultOutput = path.resolve(overrides.output === undefined ? baseDir : process.cwd(), output);
  const unwritable = outputDirProblem(resultOutput);
  if (unwritable) {
    const at = overrides.output !== undefined ? '--output' : shared.result_output !== undefined ? '$.parallel_config.result_output' : 'result folder';
    problems.push({ path: at, message: unwritable, value: undefined });
  }
  // A store of the wrong type is the schema's problem, said above.
  const storeAt = overrides.db !== undefined ? '--db' : typeof shared.store === 'string' ? '$.parallel_config.store' : null;
  const storeFolder = storeAt === null ? null : missingStoreFolder(storePathOf(storeAt === '--db' ? undefined : (shared.store as string), baseDir, resultOutput, overrides.db));
  if (storeAt !== null && storeFolder !== null) {
    problems.push({ path: storeAt, message: `the store's folder ${storeFolder} does not exist (make it first, or give another path)`, value: undefined });
  }
  if (problems.length > 0) return { ok: false, file: configPath, problems };
  const config = data as PcountConfig;
  const tasks = (['cameras', 'videos'] as const).flatMap((list) => (config[list] ?? []).map((task) => toSpec(task, list, config, baseDir, overrides)));
  return {
    ok: true,
    config: {
      configPath,
      workerCount: overrides.workerCount ?? shared.worker_count ?? DEFAULT_WORKER_COUNT,
      resultOutput,
      logLevel: workerLogLevel(shared.log_level ?? DEFAULT_LOG_LEVEL),
      tasks,
      storePath: storePathOf(shared.store, baseDir, resultOutput, overrides.db),
      fleet,
      metrics: overrides.metrics ?? (shared.metrics === undefined ? null : metricsAddress(shared.metrics)),
    },
  };
}

function fleetOf(redis: string | undefined, name: string | undefined): RunConfig['fleet'] {
  return redis === undefined ? null : { redis, name: name ?? DEFAULT_FLEET };
}

/**
 * The folder of a store the user named (`--db`, parallel_config.store) when it is missing, as with `snapshot -o` and
 * `--record-detections`: made silently, a typo in it started a new, empty store there, and the run counted from zero
 * instead of resuming from the store it meant. The default store's folder (result_output) is made.
 */
function missingStoreFolder(store: string): string | null {
  const folder = path.dirname(store);
  return existsSync(store) || existsSync(folder) ? null : folder;
}

/** `--db` (against the current folder), else parallel_config.store (against the config's folder), else in result_output. */
export function storePathOf(store: string | undefined, baseDir: string, resultOutput: string, db?: string): string {
  if (db !== undefined) return path.resolve(db);
  if (store !== undefined) return path.resolve(baseDir, store);
  return path.join(resultOutput, DEFAULT_STORE_NAME);
}

/**
 * Reads and parses a config file (absolute path in `file`), or says at `$` why it cannot: unreadable, not JSON. Keys
 * given twice are problems of a file that could still be parsed: `duplicates`, with what JSON.parse made of it.
 */
function parseConfigFile(file: string): { ok: true; file: string; data: unknown; duplicates: ConfigProblem[] } | { ok: false; file: string; problems: ConfigProblem[] } {
  const configPath = path.resolve(file);
  let text: string;
  try {
    text = readText(configPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return { ok: false, file: configPath, problems: [{ path: '$', message: `cannot be read: ${why}`, value: undefined }] };
  }
  // Editors on Windows may start a UTF-8 file with a byte-order mark, which JSON.parse refuses.
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, file: configPath, problems: [{ path: '$', message: 'is empty: a config is a JSON object', value: undefined }] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = jsonSyntaxError(text, err as Error);
    // A config named .yaml is a natural guess (many tools take either): say that only JSON is read.
    const yaml = /\.ya?ml$/i.test(configPath) ? ' (a config is JSON; YAML is not read)' : '';
    return { ok: false, file: configPath, problems: [{ path: '$', message: `is not valid JSON at line ${at.line}, column ${at.column}: ${at.reason}${yaml}`, value: undefined }] };
  }
  return { ok: true, file: configPath, data, duplicates: duplicateKeyProblems(text) };
}

/** Reads and parses a config file, or says why it cannot: unreadable, not JSON, a key given twice. */
export function readConfigFile(file: string): { ok: true; file: string; data: unknown } | { ok: false; file: string; problems: ConfigProblem[] } {
  const read = parseConfigFile(file);
  if (read.ok && read.duplicates.length > 0) return { ok: false, file: read.file, problems: read.duplicates };
  return read;
}

/** Reads, parses and validates a config file: every problem found at once. Relative paths are resolved against its folder. */
export function loadConfig(file: string, overrides: CliOverrides = {}): LoadResult {
  const read = parseConfigFile(file);
  if (!read.ok) return read;
  return resolveConfig(read.data, read.file, path.dirname(read.file), overrides, {}, read.duplicates);
}

/** A config for `--source` tasks with the same lines: files become videos, live sources cameras, ids unique. */
export function adHocConfig(sources: string[], lines: NamedLine[], overrides: CliOverrides = {}): LoadResult {
  const ids = uniqueTaskIds(sources);
  const tasks = sources.map((source, i) => ({ id: ids[i], source, lines: lines.length > 0 ? lines : [DEFAULT_LINE] }));
  const data: PcountConfig = {
    parallel_config: { worker_count: Math.max(1, Math.min(tasks.length, DEFAULT_WORKER_COUNT)) },
    cameras: tasks.filter((t) => isLiveSource(t.source)),
    videos: tasks.filter((t) => !isLiveSource(t.source)),
  };
  const result = resolveConfig(data, null, process.cwd(), overrides);
  if (result.ok) return result;
  // The problems of a task are those of its --source: say so instead of pointing into a config nobody wrote.
  const at = new Map<string, string>();
  for (const list of ['cameras', 'videos'] as const) data[list]!.forEach((t, i) => at.set(`$.${list}[${i}]`, `--source ${t.source}`));
  const problems = result.problems.map((p) => {
    const m = /^\$\.(cameras|videos)\[\d+\]/.exec(p.path);
    return m && at.has(m[0]) ? { ...p, path: at.get(m[0])! } : p;
  });
  return { ...result, problems };
}
