import path from 'node:path';
import { resolveConfig } from '../config/load.js';
import { isLiveSource } from '../config/sources.js';
import type { TaskConfig, TaskSpec } from '../config/types.js';
import { formatProblem } from '../config/validate.js';

/**
 * A task travels through Redis in the config file's own form (one entry of `cameras` or `videos`, paths absolute),
 * so that an agent checks it against the same schema as a config file before it runs anything: whatever is in Redis
 * is data from the network, and a source is only ever one argument of the worker, never a shell.
 */
export interface TaskWire {
  kind: TaskSpec['kind'];
  task: TaskConfig;
}

/** Where each field of a TaskSpec lives in the config form; a field added to TaskSpec must be added here. */
const CONFIG_KEY = {
  id: 'id',
  kind: null,
  source: 'source',
  lines: 'lines',
  skipFrames: 'skip_frames',
  confidence: 'confidence',
  model: 'model',
  modelFormat: 'model_format',
  inputSize: 'input_size',
  anchor: 'anchor',
  stallTimeout: 'stall_timeout',
} as const satisfies Record<keyof TaskSpec, keyof TaskConfig | null>;

export function specToWire(spec: TaskSpec): string {
  const task: Record<string, unknown> = {};
  for (const [specKey, configKey] of Object.entries(CONFIG_KEY)) {
    const value = spec[specKey as keyof TaskSpec];
    if (configKey !== null && value !== undefined) task[configKey] = value;
  }
  const wire: TaskWire = { kind: spec.kind, task: task as unknown as TaskConfig };
  return JSON.stringify(wire);
}

export type WireResult = { ok: true; spec: TaskSpec } | { ok: false; problem: string };

/** Parses and checks a task from Redis with the config schema; files must be absolute paths that exist here. */
export function wireToSpec(text: string): WireResult {
  let wire: TaskWire;
  try {
    wire = JSON.parse(text) as TaskWire;
  } catch {
    return { ok: false, problem: 'the task spec is not valid JSON' };
  }
  if (wire === null || typeof wire !== 'object' || (wire.kind !== 'camera' && wire.kind !== 'video') || typeof wire.task !== 'object') {
    return { ok: false, problem: 'the task spec is not {kind: camera|video, task: {…}}' };
  }
  const source = (wire.task as { source?: unknown }).source;
  if (typeof source === 'string' && source.startsWith('-')) return { ok: false, problem: `source '${source}' starts with '-'` };
  if (typeof source === 'string' && !isLiveSource(source) && !path.isAbsolute(source)) {
    return { ok: false, problem: `file source '${source}' is not an absolute path` };
  }
  const list = wire.kind === 'camera' ? 'cameras' : 'videos';
  const resolved = resolveConfig({ [list]: [wire.task] }, null, '/');
  if (!resolved.ok) return { ok: false, problem: resolved.problems.map(formatProblem).join('; ') };
  return { ok: true, spec: resolved.config.tasks[0] };
}
