import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../config/load.js';
import type { TaskConfig, TaskSpec } from '../config/types.js';
import { formatProblem } from '../config/validate.js';
import { describeSource, unusableSource } from '../sources/kind.js';

/**
 * A task travels through Redis in the config file's own form (one entry of `cameras` or `videos`, paths absolute),
 * so that an agent checks it against the same schema as a config file before it runs anything: whatever is in Redis
 * is data from the network, and a source is only ever one argument of the worker, never a shell.
 */
export interface TaskWire {
  kind: TaskSpec['kind'];
  task: TaskConfig;
}

/** The config form of a spec: the task options are config keys already; a field added to TaskSpec must be added here. */
export function specToWire(spec: TaskSpec): string {
  const task: TaskConfig = {
    id: spec.id,
    source: spec.source,
    lines: spec.lines.map((l) => ({ name: l.name, points: [...l.points] })),
    ...spec.options,
    ...(spec.occupancyReset !== undefined ? { occupancy_reset: spec.occupancyReset } : {}),
    ...(spec.occupancyFloor !== undefined ? { occupancy_floor: spec.occupancyFloor } : {}),
  };
  const wire: TaskWire = { kind: spec.kind, task };
  return JSON.stringify(wire);
}

export type WireResult = { ok: true; spec: TaskSpec } | { ok: false; problem: string };

/**
 * Parses and checks a task from Redis with the config schema; files must be absolute paths, which must exist here
 * unless `filesHere` is false (the controller: the agents read the files, on their hosts).
 */
export function wireToSpec(text: string, filesHere = true): WireResult {
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
  if (typeof source === 'string') {
    if (source.startsWith('-')) return { ok: false, problem: `source '${source}' starts with '-'` };
    const unusable = unusableSource(source);
    if (unusable) return { ok: false, problem: unusable };
    const local = describeSource(source).local;
    if (local !== null && !path.isAbsolute(local)) return { ok: false, problem: `file source '${source}' is not an absolute path` };
  }
  const list = wire.kind === 'camera' ? 'cameras' : 'videos';
  // The agent writes no results: any writable folder passes the result-folder check.
  const resolved = resolveConfig({ [list]: [wire.task] }, null, '/', { output: tmpdir() }, { filesHere });
  if (!resolved.ok) return { ok: false, problem: resolved.problems.map(formatProblem).join('; ') };
  return { ok: true, spec: resolved.config.tasks[0] };
}
