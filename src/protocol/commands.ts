import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Commands the parent writes to a worker's stdin, one JSON object per line, and their JSON Schema (draft-07).
 * One definition for both sides: the pool builds them with these types, the worker's command reader checks each line
 * against the schema before acting on it.
 */

export type LinePoints = [number, number, number, number];

export interface StopCommand {
  cmd: 'stop';
}

/** Pictures on (`preview` events every `interval_ms`, at most `width`×`height` pixels) or off. */
export interface PreviewCommand {
  cmd: 'preview';
  on: boolean;
  width?: number;
  height?: number;
  interval_ms?: number;
}

/** Count on these lines from the next frame on; counts of names that stay go on. */
export interface LinesCommand {
  cmd: 'lines';
  lines: { name: string; points: LinePoints }[];
}

export type WorkerCommand = StopCommand | PreviewCommand | LinesCommand;

/**
 * Bounds of a preview picture: enough for a wide terminal pane (two pixels per cell), small enough that two a second
 * cost the worker next to nothing and that one event line stays well under 256 KB (320×160 rgb24 is 205 KB base64).
 */
export const PREVIEW_LIMITS = { maxWidth: 320, maxHeight: 160, minIntervalMs: 100, maxIntervalMs: 10_000 } as const;
export const PREVIEW_DEFAULTS = { width: 160, height: 120, interval_ms: 500 } as const;

type Schema = Record<string, unknown>;

const closed = (required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(required),
  properties: { ...required, ...optional },
});

export const commandSchemas: Record<WorkerCommand['cmd'], Schema> = {
  stop: closed({ cmd: { const: 'stop' } }),
  preview: closed(
    { cmd: { const: 'preview' }, on: { type: 'boolean' } },
    {
      width: { type: 'integer', minimum: 1, maximum: PREVIEW_LIMITS.maxWidth },
      height: { type: 'integer', minimum: 1, maximum: PREVIEW_LIMITS.maxHeight },
      interval_ms: { type: 'integer', minimum: PREVIEW_LIMITS.minIntervalMs, maximum: PREVIEW_LIMITS.maxIntervalMs },
    },
  ),
  lines: closed({
    cmd: { const: 'lines' },
    lines: {
      type: 'array',
      minItems: 1,
      items: closed({
        name: { type: 'string', minLength: 1, pattern: '^[^,]+$' },
        points: { type: 'array', minItems: 4, maxItems: 4, items: { type: 'number', minimum: 0, maximum: 1 } },
      }),
    },
  }),
};

export const workerCommandSchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pcount-tui.local/protocol/v1/commands.json',
  title: 'pcount-tui worker stdin command (protocol v1)',
  type: 'object',
  required: ['cmd'],
  properties: { cmd: { enum: Object.keys(commandSchemas) } },
  allOf: Object.entries(commandSchemas).map(([cmd, schema]) => ({ if: { properties: { cmd: { const: cmd } } }, then: schema })),
};

export type CommandCheck = { ok: true; command: WorkerCommand } | { ok: false; error: string };

let validators: { any: ValidateFunction; perCmd: Map<string, ValidateFunction> } | null = null;

/** Compiled on first use: a worker that never gets a command never pays for it. */
function compiled() {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    validators = {
      any: ajv.compile(workerCommandSchema),
      perCmd: new Map(Object.entries(commandSchemas).map(([cmd, s]) => [cmd, ajv.compile(s)])),
    };
  }
  return validators;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '(command)'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : ''}`)
    .join('; ');
}

/** Checks one decoded stdin line; the error names the field and the rule it breaks. */
export function checkCommand(value: unknown): CommandCheck {
  const v = compiled();
  if (v.any(value)) return { ok: true, command: value as WorkerCommand };
  const cmd = typeof value === 'object' && value !== null ? (value as { cmd?: unknown }).cmd : undefined;
  const specific = typeof cmd === 'string' ? v.perCmd.get(cmd) : undefined;
  if (specific && !specific(value)) return { ok: false, error: describe(specific.errors) };
  return { ok: false, error: describe(v.any.errors) };
}

/** One command as the line the parent writes. */
export function commandLine(command: WorkerCommand): string {
  return `${JSON.stringify(command)}\n`;
}
