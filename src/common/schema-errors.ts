import type { ErrorObject } from 'ajv';

/** Errors that say a value is of the wrong kind for an alternative, as opposed to a right kind with a wrong detail. */
const KIND_KEYWORDS: ReadonlySet<string> = new Set(['type', 'enum', 'const']);

const TYPE_PHRASES: Record<string, string> = {
  array: 'a list',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

/**
 * Ajv's errors as a person can act on them: each says what would do, once. Needs the errors of an Ajv made with
 * `verbose: true` (they carry their schema).
 * - a value that fits no alternative of an `anyOf` (collapseAlternatives);
 * - a wrong type beside an `enum` at the same place: the list of values says it all ("must be string" and "must be
 *   one of "bottom", "center"" for `anchor: 1`);
 * - a `pattern` of a schema with a `title`: the title says in words what the regular expression means;
 * - at least one character or item: "must not be empty".
 */
export function plainErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const collapsed = collapseAlternatives(errors);
  const enums = new Set(collapsed.filter((e) => e.keyword === 'enum').map((e) => e.instancePath));
  return collapsed
    .filter((e) => !(e.keyword === 'type' && enums.has(e.instancePath)))
    .map((e) => {
      const title = (e.parentSchema as { title?: unknown } | undefined)?.title;
      if (e.keyword === 'pattern' && typeof title === 'string') return { ...e, message: `must be ${title}` };
      if ((e.keyword === 'minLength' || e.keyword === 'minItems') && e.params.limit === 1) return { ...e, message: 'must not be empty' };
      return e;
    });
}

/**
 * Ajv reports a value that fits no alternative of an `anyOf` with every rule of every alternative it broke plus
 * "must match a schema in anyOf": three lines for `detect_region: "x"`, one of them jargon, none saying what would
 * do. Reduced to what a person needs: when the value is of the kind of exactly one alternative (a list, for the list
 * form), that alternative's own errors, which point into the value; otherwise one error saying what is accepted,
 * each alternative by its `title` when it has one, else by its values or type.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const replaced = new Map<ErrorObject, ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const branches = e.schema as Record<string, unknown>[];
    const inBranch = branches.map((_, k) => errors.filter((x) => x.schemaPath.startsWith(`${e.schemaPath}/${k}/`)));
    const fitting = inBranch.flatMap((list, k) => (list.some((x) => x.instancePath === e.instancePath && KIND_KEYWORDS.has(x.keyword)) ? [] : [k]));
    inBranch.forEach((list, k) => list.forEach((x) => (fitting.length === 1 && k === fitting[0] ? undefined : dropped.add(x))));
    if (fitting.length === 1) dropped.add(e);
    else replaced.set(e, { ...e, message: `must be ${orList(branches.map(phrase))}` });
  }
  return errors.filter((e) => !dropped.has(e)).map((e) => replaced.get(e) ?? e);
}

function phrase(schema: Record<string, unknown>): string {
  if (typeof schema.title === 'string') return schema.title;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(', ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = ([] as unknown[]).concat(schema.type ?? []);
  return types.length > 0 ? orList(types.map((t) => TYPE_PHRASES[String(t)] ?? String(t))) : 'another form';
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
