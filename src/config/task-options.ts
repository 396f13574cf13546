import type { UsageErrorCode } from '../protocol/error-codes.js';
import { DEFAULT_DEMOGRAPHICS } from './demographics.js';
import type { DemographicsSettings, OccupancyRules, TaskOverrides } from './types.js';
import { detectRegionText } from '../vision/detect-region.js';
import { detectRegion, fraction, frameRate, inputSize, integerFrom, modelFormat, nonEmpty, oneOf, seconds, switchedOn, type ValueParser } from './values.js';

/**
 * The options a task may set for itself, in one table: the config key (per task or in `parallel_config`), the
 * command-line flag (the key with `-` for `_`, on `worker` and on `run`, where it wins over the config), how the
 * flag's text is parsed, and how the parent passes the value on to the worker. To add one: a key in TaskOverrides
 * (types.ts, which makes this table incomplete until it has an entry), its definition in config/pcount.schema.json
 * (test/cli-options.test.ts checks the two agree), an entry here, and the worker's use of it.
 */

/** Error codes of the worker protocol that a bad command-line value maps to. */
export type ArgumentCode = UsageErrorCode;

export interface TaskOptionDef<T> {
  describe: string;
  parse: ValueParser<T>;
  /** The worker's error code for a bad value (default BAD_ARGUMENT). */
  code?: ArgumentCode;
  /** A file path: relative values are resolved against the config's folder (or the current one on the command line). */
  path?: true;
  /** The value as the flag's text, when String() is not it. */
  format?: (value: T) => string;
  /** A flag without a value (`--demographics`, `--no-demographics`): `parse` then reads `true` or `false`. */
  switch?: true;
  /** How the parent passes the value to the worker, when not as `--flag value`. */
  workerFlags?: (value: T) => string[];
}

export type TaskOptionKey = keyof TaskOverrides;

export const TASK_OPTIONS: { readonly [K in TaskOptionKey]-?: TaskOptionDef<NonNullable<TaskOverrides[K]>> } = {
  skip_frames: {
    describe: 'run the detector on every Nth frame and predict tracks in between, 1 to 1000 (default 1)',
    parse: integerFrom(1, 1000),
  },
  confidence: {
    describe: 'minimum detection score, more than 0 and at most 1 (default 0.3, the built-in detector’s)',
    parse: fraction,
  },
  model: {
    describe: 'ONNX model file (default: the built-in centernet person detector)',
    parse: nonEmpty,
    path: true,
  },
  model_format: {
    describe: 'how to read --model: centernet, yolox or yolov8 (default: told from the model’s outputs)',
    parse: modelFormat,
    code: 'BAD_MODEL_FORMAT',
  },
  input_size: {
    describe: 'model input WxH, multiples of 32, e.g. 416x320; when counting, the largest input of one crop (default 640x640; detect: 384 on the long side with the source’s aspect)',
    parse: inputSize,
    code: 'BAD_INPUT_SIZE',
  },
  anchor: {
    describe: 'the point of a box that crosses lines: bottom (the feet) or center (default bottom)',
    parse: oneOf(['bottom', 'center'] as const),
  },
  stall_timeout: {
    describe: 'seconds without a frame before a live source is reconnected; also the time allowed to open a source (default 10)',
    parse: seconds,
  },
  frame_rate: {
    describe: 'frames per second of an image sequence (frames/%04d.png), which has none of its own (default 25, ffmpeg’s); other sources keep theirs',
    parse: frameRate,
  },
  detect_region: {
    describe: 'where the detector looks: auto (crops around the lines), full, or x,y,w,h[;x,y,w,h…] in fractions of the frame (default auto)',
    parse: detectRegion,
    code: 'BAD_DETECT_REGION',
    format: detectRegionText,
  },
  demographics: {
    describe: 'estimate gender and age of the people who cross (off by default; no picture is kept)',
    parse: (text) => ({ enabled: switchedOn(text) }),
    switch: true,
    workerFlags: demographicsFlags,
  },
};

/** The worker's own flags for the settings of the `demographics` key; nothing when it is off. */
function demographicsFlags(value: Partial<DemographicsSettings>): string[] {
  const d = { ...DEFAULT_DEMOGRAPHICS, ...value };
  if (!d.enabled) return [];
  return ['--demographics', '--min-face-px', String(d.min_face_px), '--batch-size', String(d.batch_size), '--batch-timeout-ms', String(d.batch_timeout_ms)];
}

export const TASK_OPTION_KEYS = Object.keys(TASK_OPTIONS) as TaskOptionKey[];

/** Keys a task may set that the parent applies itself (OccupancyRules): they are not worker options. */
export const PARENT_TASK_KEYS: readonly (keyof OccupancyRules)[] = ['occupancy_reset', 'occupancy_floor'];

/** `skip_frames` → `skip-frames`. */
export function flagOf(key: TaskOptionKey): string {
  return key.replace(/_/g, '-');
}

/** The values of `from` that are task options (the rest of a `parallel_config` or a task is left out). */
export function pickTaskOptions(from: Partial<Record<string, unknown>>): TaskOverrides {
  const picked: Record<string, unknown> = {};
  for (const key of TASK_OPTION_KEYS) if (from[key] !== undefined) picked[key] = from[key];
  return picked as TaskOverrides;
}

const isSettings = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Task options layered, later ones winning. An option whose value is a set of settings (`demographics`) is layered
 * setting by setting, so that `--demographics` turns a task's settings on without resetting them.
 */
export function layerTaskOptions(...layers: TaskOverrides[]): TaskOverrides {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isSettings(value) && isSettings(out[key]) ? { ...out[key], ...value } : value;
    }
  }
  return out as TaskOverrides;
}

/** The worker's flags for a task's options, in table order: `--skip-frames 2 --anchor center …`. */
export function taskOptionFlags(options: TaskOverrides): string[] {
  const args: string[] = [];
  for (const key of TASK_OPTION_KEYS) {
    const value = options[key];
    if (value === undefined) continue;
    const { workerFlags, format } = TASK_OPTIONS[key] as TaskOptionDef<unknown>;
    if (workerFlags) args.push(...workerFlags(value));
    else args.push(`--${flagOf(key)}`, format ? format(value) : String(value));
  }
  return args;
}
