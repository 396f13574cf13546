import type { Argv } from 'yargs';
import { flagOf, TASK_OPTION_KEYS, TASK_OPTIONS, type ArgumentCode, type TaskOptionKey } from '../config/task-options.js';
import type { TaskOverrides } from '../config/types.js';
import type { ValueParser } from '../config/values.js';

/**
 * Typed, checked command-line values for yargs: every option is read as text and turned into its value by one of the
 * parsers in config/values.ts (through `coerce`), so that handlers receive values, not text to check again, and a bad
 * value stops the command before anything starts, with the option and the value in the message.
 */

/** A command line that cannot run: exit status 2, and for the worker an `error` event with `code`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code: ArgumentCode = 'BAD_ARGUMENT',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * yargs turns an error thrown by `coerce` into a plain one with the same message; the last failure of a parser is
 * kept here so that the fail handler can recover its code.
 */
let lastFailure: UsageError | null = null;

export function takeFailure(message: string | null): UsageError | null {
  const failure = lastFailure;
  lastFailure = null;
  return failure && (message === null || failure.message === message) ? failure : null;
}

/** `flag` is an option's name (`skip-frames`) or a positional's in angle brackets (`<action>`). */
function fail(flag: string, text: unknown, why: string, code: ArgumentCode): never {
  const name = flag.startsWith('<') ? flag : `--${flag}`;
  lastFailure = new UsageError(`bad ${name} '${String(text)}': ${why}`, code);
  throw lastFailure;
}

/** `coerce` for a single-valued option: given twice is an error too, rather than a silent choice of one. */
export function checked<T>(flag: string, parse: ValueParser<T>, code: ArgumentCode = 'BAD_ARGUMENT'): (raw: unknown) => T {
  return (raw) => {
    if (Array.isArray(raw)) fail(flag, raw.join(' '), `given ${raw.length} times; give it once`, code);
    try {
      return parse(String(raw));
    } catch (err) {
      fail(flag, raw, (err as Error).message, code);
    }
  };
}

/**
 * `coerce` for a repeatable option whose parser takes every value at once and words its own messages. yargs gives an
 * array option typed without a value (`--line --no-tui`) as no values at all, which would quietly mean the default.
 */
export function checkedList<T>(flag: string, parse: (values: string[]) => T, code: ArgumentCode = 'BAD_ARGUMENT'): (raw: unknown) => T {
  return (raw) => {
    try {
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      if (values.length === 0) throw new Error(`--${flag} needs a value`);
      return parse(values);
    } catch (err) {
      lastFailure = new UsageError((err as Error).message, code);
      throw lastFailure;
    }
  };
}

type Kebab<S extends string> = S extends `${infer A}_${infer B}` ? `${A}-${Kebab<B>}` : S;

/** The task options as flags (`skip-frames`), typed by the values their parsers return. */
export type TaskOptionArgs<K extends TaskOptionKey = TaskOptionKey> = { [P in K as Kebab<P>]?: TaskOverrides[P] };

/** Adds the task options of TASK_OPTIONS (all, or the `only` ones) to a command, each checked by its parser. */
export function withTaskOptions<T, K extends TaskOptionKey = TaskOptionKey>(y: Argv<T>, only?: readonly K[]): Argv<T & TaskOptionArgs<K>> {
  let built: Argv<T> = y;
  for (const key of only ?? TASK_OPTION_KEYS) {
    const def = TASK_OPTIONS[key];
    const flag = flagOf(key);
    const coerce = checked(flag, def.parse as ValueParser<unknown>, def.code);
    built = def.switch ? built.option(flag, { type: 'boolean', describe: def.describe, coerce }) : built.option(flag, { requiresArg: true, describe: def.describe, coerce });
  }
  return built as Argv<T & TaskOptionArgs<K>>;
}

/** The task options a command line gave, keyed as in the config. */
export function taskOptionsFrom(argv: Record<string, unknown>): TaskOverrides {
  const options: Record<string, unknown> = {};
  for (const key of TASK_OPTION_KEYS) {
    const value = argv[flagOf(key)];
    if (value !== undefined) options[key] = value;
  }
  return options as TaskOverrides;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * yargs' own messages in the words of the others: `Unknown arguments: lines, x` names each option as typed, with its
 * value and the nearest known option (`unknown option --lines '0,0.5,1,0.5' (did you mean --line?)`);
 * `Missing required argument: source` becomes `missing --source`.
 */
export function describeYargsMessage(message: string, args: readonly string[], known: readonly string[]): string {
  const missing = /^Missing required arguments?: (.*)$/s.exec(message);
  if (missing) return `missing ${missing[1].split(', ').map((name) => `--${name}`).join(', ')}`;
  const bare = /^Not enough arguments following: (.*)$/s.exec(message);
  if (bare) return `--${bare[1]} needs a value`;
  const m = /^Unknown arguments?: (.*)$/s.exec(message);
  if (!m) return message;
  const names = m[1].split(', ');
  // yargs names an unknown `--bogus-flag` twice, as typed and as `bogusFlag`: the second is not something the user typed.
  // (A name whose dashes are followed by no letter, `-1` or `x-1`, has no camelCase form: it is not one of those.)
  const camel = (n: string) => n.replace(/-([a-z])/g, (_all, c: string) => c.toUpperCase());
  const camelCased = new Set(names.map(camel).filter((c, i) => c !== names[i]));
  return names
    .filter((name) => !camelCased.has(name) || args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)))
    .map((name) => {
      const at = args.findIndex((a) => [`--${name}`, `--no-${name}`, `-${name}`, name].includes(a) || a.startsWith(`--${name}=`));
      if (at < 0 || !args[at].startsWith('-')) return `unexpected argument '${name}'`;
      const inline = args[at].includes('=') ? args[at].slice(args[at].indexOf('=') + 1) : undefined;
      const next = args[at + 1];
      const value = inline ?? (next !== undefined && !next.startsWith('-') ? next : undefined);
      const near = known
        .filter((k) => k.length > 1)
        .map((k) => [k, editDistance(name, k)] as const)
        .filter(([, d]) => d <= 2)
        .sort((a, b) => a[1] - b[1])[0]?.[0];
      return `unknown option ${args[at].split('=')[0]}${value === undefined ? '' : ` '${value}'`}${near ? ` (did you mean --${near}?)` : ''}`;
    })
    .join('; ');
}
