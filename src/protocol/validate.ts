import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { plainErrors } from '../common/schema-errors.js';
import type { WorkerEvent } from './events.js';
import { eventSchemas, facesLineSchema, workerEventSchema } from './schema.js';

export type ValidationResult = { ok: true; event: WorkerEvent } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, verbose: true });
const validateAny = ajv.compile(workerEventSchema);
const validateFaces = ajv.compile(facesLineSchema);
const perType = new Map<string, ValidateFunction>(
  Object.entries(eventSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
);

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return plainErrors(errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const where = e.instancePath || '(event)';
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      return `${where} ${e.message ?? e.keyword}${extra}`;
    });
}

/**
 * Checks one decoded NDJSON value against the protocol schema. Errors name the JSON path and the rule broken;
 * for a known `type` only that event's rules are reported, which keeps the messages short.
 */
export function validateEvent(value: unknown): ValidationResult {
  if (validateAny(value)) return { ok: true, event: value as WorkerEvent };
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const specific = typeof type === 'string' ? perType.get(type) : undefined;
  if (specific && !specific(value)) return { ok: false, errors: describe(specific.errors) };
  return { ok: false, errors: describe(validateAny.errors) };
}

/** Checks one line of `pcount-tui faces` against its schema. */
export function validateFacesLine(value: unknown): { ok: true } | { ok: false; errors: string[] } {
  return validateFaces(value) ? { ok: true } : { ok: false, errors: describe(validateFaces.errors) };
}
