import { parseInputSize } from '../worker/input-size.js';
import { isTaskId, TASK_ID_RULE } from '../protocol/names.js';
import { isValidZone } from '../store/zone.js';
import { MODEL_FORMATS, type ModelFormatName } from '../vision/formats/format.js';

/**
 * One parser per kind of command-line value. Each takes the text as typed and returns the value, or throws an Error
 * that says what was expected; the caller puts the option's name and the value in front (`bad --skip-frames '0': …`).
 */
export type ValueParser<T> = (text: string) => T;

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

function number(text: string, expected: string): number {
  if (!NUMBER.test(text)) throw new Error(`expected ${expected}`);
  return Number(text);
}

/** A whole number ≥ 1: frame counts, workers, threads. */
export const integerAtLeast1: ValueParser<number> = (text) => {
  const n = number(text, 'a whole number ≥ 1');
  if (!Number.isInteger(n) || n < 1) throw new Error('expected a whole number ≥ 1');
  return n;
};

/** A fraction in (0, 1]: scores. */
export const fraction: ValueParser<number> = (text) => {
  const n = number(text, 'a number greater than 0 and at most 1');
  if (!(n > 0 && n <= 1)) throw new Error('expected a number greater than 0 and at most 1');
  return n;
};

/** A duration in seconds, more than 0 and at most an hour. */
export const seconds: ValueParser<number> = (text) => {
  const n = number(text, 'seconds, more than 0 and at most 3600');
  if (!(n > 0 && n <= 3600)) throw new Error('expected seconds, more than 0 and at most 3600');
  return n;
};

/** `WxH` in multiples of 32, normalised to `384x288`. */
export const inputSize: ValueParser<string> = (text) => {
  try {
    const { width, height } = parseInputSize(text);
    return `${width}x${height}`;
  } catch {
    throw new Error('expected WxH with both sides multiples of 32 from 32 to 4096, for example 384x288');
  }
};

export const modelFormat: ValueParser<ModelFormatName> = (text) => {
  const name = text.trim();
  if (!(MODEL_FORMATS as readonly string[]).includes(name)) {
    throw new Error(`unknown model format "${name}" (expected one of: ${MODEL_FORMATS.join(', ')})`);
  }
  return name as ModelFormatName;
};

export function oneOf<T extends string>(choices: readonly T[]): ValueParser<T> {
  return (text) => {
    if (!(choices as readonly string[]).includes(text)) throw new Error(`expected one of ${choices.join(', ')}`);
    return text as T;
  };
}

/** A task id: it reaches file names, log lines and the terminal (see protocol/names.ts). */
export const taskId: ValueParser<string> = (text) => {
  if (!isTaskId(text)) throw new Error(`a task id may hold only ${TASK_ID_RULE}`);
  return text;
};

/** An IANA time zone name (or UTC), as Intl knows it. */
export const timeZone: ValueParser<string> = (text) => {
  if (!isValidZone(text)) throw new Error('unknown time zone (an IANA name such as Europe/Berlin, or UTC)');
  return text;
};

/** A file path or other text that must not be empty. */
export const nonEmpty: ValueParser<string> = (text) => {
  if (text.trim() === '') throw new Error('expected a value, got nothing');
  return text;
};
