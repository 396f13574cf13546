import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { unusableSource } from '../sources/kind.js';
import { degenerateLine } from '../sources/lines.js';
import { redactText } from '../sources/credentials.js';
import { parseRedisUrl } from '../fleet/redis-url.js';
import { plainErrors } from '../common/schema-errors.js';
import { escapeControls } from '../common/terminal-text.js';
import { ruleFor } from '../protocol/names.js';
import type { ConfigProblem, PcountConfig } from './types.js';
import { rectsProblem } from '../vision/detect-region.js';
import { inputSize, metricsAddress, parseListenAddress } from './values.js';
import { jsonPath } from './json-spans.js';

/** The schema ships in `config/` at the package root; this file runs from `dist/src/config/`. */
const SCHEMA_URL = new URL('../../../config/pcount.schema.json', import.meta.url);

let compiled: ReturnType<Ajv['compile']> | null = null;

function validator() {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object;
    compiled = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(schema);
  }
  return compiled;
}

/** `/videos/0/lines/1` → `$.videos[0].lines[1]`. */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '$';
  const keys = pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  return jsonPath(keys.map((key) => (/^\d+$/.test(key) ? Number(key) : key)));
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function childPointer(pointer: string, key: string): string {
  return `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function describe(error: ErrorObject, data: unknown): ConfigProblem {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const at = childPointer(error.instancePath, String(p.missingProperty));
      return { path: pointerToPath(at), message: 'is required', value: undefined, missing: true };
    }
    case 'additionalProperties': {
      const at = childPointer(error.instancePath, String(p.additionalProperty));
      return { path: pointerToPath(at), message: 'is not a known property', value: valueAt(data, at) };
    }
    case 'enum':
      return {
        path: pointerToPath(error.instancePath),
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        value: valueAt(data, error.instancePath),
      };
    case 'pattern': {
      const rule = ruleFor(String(p.pattern));
      const message = rule ? `may hold only ${rule}` : (error.message ?? error.keyword);
      return { path: pointerToPath(error.instancePath), message, value: valueAt(data, error.instancePath) };
    }
    default:
      return { path: pointerToPath(error.instancePath), message: error.message ?? error.keyword, value: valueAt(data, error.instancePath) };
  }
}

/** An `input_size` that has the schema's WxH form but not a size the models take (the command line's own check). */
function inputSizeProblem(value: unknown, at: string): ConfigProblem[] {
  if (typeof value !== 'string' || !/^[0-9]+x[0-9]+$/.test(value)) return [];
  try {
    inputSize(value);
    return [];
  } catch (err) {
    return [{ path: at, message: (err as Error).message.replace(/^expected/, 'must be'), value }];
  }
}

/**
 * A `metrics` address, text or a bare port number, that run would refuse at start (a port above 65535, a host no
 * server can bind): the flag's check, on the text run serves (metricsAddress).
 */
function metricsProblem(value: unknown): ConfigProblem[] {
  if (typeof value !== 'string' && typeof value !== 'number') return [];
  try {
    parseListenAddress(metricsAddress(value));
    return [];
  } catch (err) {
    return [{ path: '$.parallel_config.metrics', message: (err as Error).message.replace(/^expected/, 'must be'), value }];
  }
}

/** A `redis` URL of the schema's form (`redis://…`) that run would refuse at start (no port, a bad database): fleet's own check. */
function redisProblem(value: unknown): ConfigProblem[] {
  if (typeof value !== 'string' || !/^rediss?:\/\//.test(value)) return [];
  try {
    parseRedisUrl(value, {});
    return [];
  } catch (err) {
    return [{ path: '$.parallel_config.redis', message: (err as Error).message.replace(/^--redis \S+: /, ''), value }];
  }
}

/** A `detect_region` list whose rectangles are missing, not four numbers, empty or reach outside the frame. */
function detectRegionProblem(value: unknown, at: string): ConfigProblem[] {
  if (!Array.isArray(value) || !value.every(Array.isArray)) return [];
  const why = rectsProblem(value as unknown[][], (i) => JSON.stringify(value[i]));
  return why ? [{ path: at, message: why, value }] : [];
}

/** Checks the schema cannot express: at least one task, ids unique across cameras and videos, usable sources, lines and sizes. */
function semanticProblems(config: PcountConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  problems.push(...inputSizeProblem(config.parallel_config?.input_size, '$.parallel_config.input_size'));
  const { cameras, videos } = taskLists(config);
  if (cameras.length + videos.length === 0) {
    problems.push({ path: '$', message: 'has no task: add at least one entry to "cameras" or "videos"', value: undefined });
  }
  const firstSeen = new Map<string, string>();
  const lists: [string, unknown[]][] = [
    ['cameras', cameras],
    ['videos', videos],
  ];
  for (const [list, tasks] of lists) {
    tasks.forEach((task, i) => {
      if (task === null || typeof task !== 'object') return;
      const { id, lines, source, input_size } = task as { id?: unknown; lines?: unknown; source?: unknown; input_size?: unknown };
      const idPath = `$.${list}[${i}].id`;
      problems.push(...inputSizeProblem(input_size, `$.${list}[${i}].input_size`));
      const unusable = typeof source === 'string' && source !== '' ? unusableSource(source) : null;
      if (unusable) problems.push({ path: `$.${list}[${i}].source`, message: unusable, value: source });
      if (typeof id === 'string') {
        const earlier = firstSeen.get(id);
        if (earlier) problems.push({ path: idPath, message: `duplicates the id at ${earlier}`, value: id });
        else firstSeen.set(id, idPath);
      }
      if (!Array.isArray(lines)) return;
      const names = new Map<string, number>();
      lines.forEach((line, j) => {
        if (line === null || typeof line !== 'object') return;
        const { name, points } = line as { name?: unknown; points?: unknown };
        if (typeof name === 'string') {
          const k = names.get(name);
          if (k !== undefined) {
            problems.push({ path: `$.${list}[${i}].lines[${j}].name`, message: `duplicates the name of lines[${k}] in this task`, value: name });
          } else names.set(name, j);
        }
        const degenerate = Array.isArray(points) && points.length === 4 && points.every(Number.isFinite) ? degenerateLine(points as number[]) : null;
        if (degenerate) {
          const named = `line ${typeof name === 'string' ? JSON.stringify(name) : j} of task ${typeof id === 'string' ? JSON.stringify(id) : i}`;
          problems.push({ path: `$.${list}[${i}].lines[${j}].points`, message: `${named} ${degenerate}`, value: points });
        }
      });
    });
  }
  return problems;
}

function taskLists(config: PcountConfig): { cameras: unknown[]; videos: unknown[] } {
  return { cameras: Array.isArray(config.cameras) ? config.cameras : [], videos: Array.isArray(config.videos) ? config.videos : [] };
}

/**
 * Fields checked whole by the command line's own check of the same value (`metrics`, a `detect_region` list): its
 * message ("is an empty list of rectangles (use …)") says in the flag's words all that the schema's rules for the
 * field would say again, less plainly, so where one of these speaks the schema's problems of the field are left out.
 */
function formProblems(config: PcountConfig): ConfigProblem[] {
  const problems = [...metricsProblem(config.parallel_config?.metrics), ...redisProblem(config.parallel_config?.redis), ...detectRegionProblem(config.parallel_config?.detect_region, '$.parallel_config.detect_region')];
  for (const [list, tasks] of Object.entries(taskLists(config))) {
    tasks.forEach((task, i) => {
      if (task !== null && typeof task === 'object') problems.push(...detectRegionProblem((task as { detect_region?: unknown }).detect_region, `$.${list}[${i}].detect_region`));
    });
  }
  return problems;
}

/** Every problem in a parsed config file, schema and semantic, in document order of discovery. Empty when valid. */
export function validateConfig(data: unknown): ConfigProblem[] {
  const validate = validator();
  const schema = validate(data) ? [] : plainErrors(validate.errors ?? []).map((e) => describe(e, data));
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return schema;
  const config = data as PcountConfig;
  const forms = formProblems(config);
  const unsaid = schema.filter((p) => !forms.some((f) => p.path === f.path || p.path.startsWith(`${f.path}[`)));
  return [...unsaid, ...semanticProblems(config), ...forms];
}

/**
 * One line per problem: `$.videos[0].lines[0].points[2]: must be <= 1 (found 1.5)`; control characters escaped, and
 * the password of any URL in the value found hidden (a camera's source, a Redis URL, or one typed under a wrong key).
 */
export function formatProblem(problem: ConfigProblem): string {
  if (problem.missing) return `${problem.path}: ${problem.message} (missing)`;
  if (problem.value === undefined) return escapeControls(`${problem.path}: ${problem.message}`);
  return escapeControls(`${problem.path}: ${problem.message} (found ${redactText(shownValue(problem.value))})`);
}

/** Stands for a number JSON.parse made infinite; U+10FFFF (a noncharacter) keeps it apart from any text of a file. */
const INFINITE = '\u{10FFFF}Infinity';

/**
 * The value as JSON, but a number too large for a double (1e400, which JSON.parse makes Infinity) as `Infinity`:
 * JSON.stringify would write it as `null`, which is not what the file says ("must be number (found null)").
 */
function shownValue(value: unknown): string {
  let infinite = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isFinite(v)) return v;
    infinite = true;
    return v > 0 ? INFINITE : `-${INFINITE}`;
  });
  return infinite ? `${text.replaceAll(`"${INFINITE}"`, 'Infinity').replaceAll(`"-${INFINITE}"`, '-Infinity')}: a number too large to hold` : text;
}
