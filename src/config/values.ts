import { accessSync, constants, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { parseInputSize } from '../worker/input-size.js';
import { isTaskId, TASK_ID_RULE } from '../protocol/names.js';
import { redactSource } from '../sources/credentials.js';
import { namesSource } from '../sources/kind.js';
import { isValidZone } from '../store/zone.js';
import { rectsProblem, type DetectRegionSetting } from '../vision/detect-region.js';
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
  // 1e20 is an integer to JavaScript but not exactly one (ffmpeg was handed -ss 10000000000000000000 for it).
  if (!Number.isSafeInteger(n)) throw new Error(`expected a whole number ≥ 1, at most ${Number.MAX_SAFE_INTEGER}`);
  return n;
};

/** A whole number from `min` to `max`. */
export function integerFrom(min: number, max: number): ValueParser<number> {
  const expected = `a whole number from ${min} to ${max}`;
  return (text) => {
    const n = number(text, expected);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected ${expected}`);
    return n;
  };
}

/** The text yargs gives a switch (`--demographics` is `true`, `--no-demographics` is `false`). */
export function switchedOn(text: string): boolean {
  if (text !== 'true' && text !== 'false') throw new Error('expected true or false');
  return text === 'true';
}

/** A fraction in (0, 1]: scores. */
export const fraction: ValueParser<number> = (text) => {
  const n = number(text, 'a number greater than 0 and at most 1');
  if (!(n > 0 && n <= 1)) throw new Error('expected a number greater than 0 and at most 1');
  return n;
};

/** Frames per second, more than 0 and at most 1000. */
export const frameRate: ValueParser<number> = (text) => {
  const n = number(text, 'frames per second, more than 0 and at most 1000');
  if (!(n > 0 && n <= 1000)) throw new Error('expected frames per second, more than 0 and at most 1000');
  return n;
};

/** A duration in seconds, more than 0 and at most an hour. */
export const seconds: ValueParser<number> = (text) => {
  const n = number(text, 'seconds, more than 0 and at most 3600');
  if (!(n > 0 && n <= 3600)) throw new Error('expected seconds, more than 0 and at most 3600');
  return n;
};

/** A time into a source in seconds, 0 or more. */
export const secondsFromStart: ValueParser<number> = (text) => {
  const n = number(text, 'a number of seconds ≥ 0');
  // 1e400 reads as Infinity: a time no source reaches, said as a bad value rather than sent to ffmpeg.
  if (!(n >= 0 && Number.isFinite(n))) throw new Error('expected a number of seconds ≥ 0');
  return n;
};

/** A config file named on the command line; a source there (`run vtest.avi`) is said to be one, with how to count it. */
export const configFile: ValueParser<string> = (text) => {
  // `validate ''` read the current folder: "<empty>: cannot be read: is a folder".
  nonEmpty(text);
  if (namesSource(text)) throw new Error(`names a source, not a config file; to count it: pcount-tui run --source '${redactSource(text)}'`);
  return text;
};

/** A host name's labels: letters, digits, `-` inside, `_` (container names), at most 63 characters each. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * Whether a server can be told to listen on `host` as written (`[…]` for IPv6). A name whose last label is a number
 * is an IPv4 address or nothing, as URLs read it: `1.2.3.4.5` and `300.1.1.1` passed the form's check and were
 * refused only when run asked the resolver for them.
 */
function listenableHost(host: string): boolean {
  if (host.startsWith('[')) return isIPv6(host.slice(1, -1));
  if (/(?:^|\.)\d+\.?$/.test(host)) return isIPv4(host);
  return HOST_NAME.test(host);
}

/**
 * Where to listen: `PORT`, `:PORT` or `HOST:PORT` (`[::1]:PORT` for IPv6); the host defaults to 127.0.0.1. The one
 * check of the address for `--metrics`, `validate` and `run` alike: what it accepts, a server can be asked to bind
 * (a host name may still not resolve).
 */
export function parseListenAddress(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  const form = 'PORT or HOST:PORT, e.g. 9464 or 0.0.0.0:9464';
  if (!m || port > 65_535) throw new Error(`expected ${form}`);
  if (m[1] && !listenableHost(m[1])) throw new Error(`${m[1]} is not an IP address or host name (expected ${form})`);
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

/** parallel_config.metrics as the text the server parses: a bare port may be given as a JSON number (`9464`). */
export function metricsAddress(value: string | number): string {
  return String(value);
}

/** Where a server listens: `PORT` or `HOST:PORT`, kept as typed (trimmed) for the server to parse again. */
export const listenAddress: ValueParser<string> = (text) => {
  parseListenAddress(text);
  return text.trim();
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

const REGION_FORM = 'auto, full or x,y,w,h[;x,y,w,h…] in fractions of the frame';

/** `detect_region` as text: `auto`, `full` or rectangles `x,y,w,h` separated by `;`, inside the frame, not empty. */
export const detectRegion: ValueParser<DetectRegionSetting> = (text) => {
  const t = text.trim();
  if (t === 'auto' || t === 'full') return t;
  if (t === '') throw new Error(`expected ${REGION_FORM}, got nothing`);
  const parts = t.split(';').map((p) => p.trim());
  const rects = parts.map((p) => {
    const fields = p.split(',');
    const nums = fields.map((f) => (f.trim() === '' ? NaN : Number(f)));
    if (fields.length !== 4 || nums.some((n) => !Number.isFinite(n))) throw new Error(`'${p}' is not x,y,w,h (expected ${REGION_FORM})`);
    return nums as [number, number, number, number];
  });
  const why = rectsProblem(rects, (i) => `'${parts[i]}'`);
  if (why) throw new Error(why);
  return rects;
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

/** A fleet's name, the prefix of its Redis keys: the rule of task ids (config/pcount.schema.json's `fleet`). */
export const fleetName: ValueParser<string> = (text) => {
  if (!isTaskId(text)) throw new Error(`a fleet name may hold only ${TASK_ID_RULE}`);
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

/**
 * A file this process may create or overwrite, checked before anything starts (a run that fails at the end to write
 * its output wastes the run). The check does not create the file.
 */
export const writableFile: ValueParser<string> = (text) => {
  nonEmpty(text);
  const existing = statSync(text, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new Error('is a folder, expected a file');
  const [target, what] = existing ? [text, 'the file'] : [path.dirname(path.resolve(text)), 'its folder'];
  try {
    accessSync(target, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot write ${what} (${code === 'ENOENT' ? 'no such folder' : (code ?? 'not writable')})`);
  }
  return text;
};
