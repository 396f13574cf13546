/**
 * The `code` of `error` events, with what each means for the task it ends (documented in docs/protocol.md):
 * - `source`: the source cannot be reached or read. A camera is then offline, and is retried for as long as the run
 *   lasts (with capped backoff); a video fails.
 * - `setup`: bad arguments, a missing or broken model, no ffmpeg. No retry can help: the task fails at once.
 * - `crash`: anything else. A camera's worker is restarted, a limited number of times in a time window.
 * - null: never fatal, so it ends nothing (the store failing does not stop the counting).
 * `by` says who reports it: the worker, or the pool about a worker that could not explain itself. `usage` marks a bad
 * command line: the command exits with status 2 (USAGE_EXIT_STATUS) instead of 1, like yargs' own usage errors.
 */
export const ERROR_CODES = {
  SOURCE_NOT_FOUND: { kind: 'source', by: 'worker' },
  SOURCE_UNREADABLE: { kind: 'source', by: 'worker' },
  SOURCE_UNREACHABLE: { kind: 'source', by: 'worker' },
  SOURCE_TIMEOUT: { kind: 'source', by: 'worker' },
  BAD_LINE: { kind: 'setup', by: 'worker', usage: true },
  BAD_ARGUMENT: { kind: 'setup', by: 'worker', usage: true },
  BAD_MODEL_FORMAT: { kind: 'setup', by: 'worker', usage: true },
  BAD_INPUT_SIZE: { kind: 'setup', by: 'worker', usage: true },
  BAD_DETECT_REGION: { kind: 'setup', by: 'worker', usage: true },
  MODEL_CORRUPT: { kind: 'setup', by: 'worker' },
  MODEL_MISSING: { kind: 'setup', by: 'worker' },
  FFMPEG_NOT_FOUND: { kind: 'setup', by: 'worker' },
  FFMPEG_FAILED: { kind: 'crash', by: 'worker' },
  INTERNAL: { kind: 'crash', by: 'worker' },
  SPAWN_FAILED: { kind: 'crash', by: 'pool' },
  WORKER_STALLED: { kind: 'crash', by: 'pool' },
  WORKER_EXIT: { kind: 'crash', by: 'pool' },
  TASK_REJECTED: { kind: 'setup', by: 'pool' },
  STORE_FAILED: { kind: null, by: 'pool' },
} as const satisfies Record<string, { kind: ErrorKind | null; by: 'worker' | 'pool'; usage?: true }>;

export type ErrorKind = 'source' | 'setup' | 'crash';

type Codes = typeof ERROR_CODES;
export type ProtocolErrorCode = keyof Codes;
/** The codes a worker reports. */
export type WorkerErrorCode = { [K in ProtocolErrorCode]: Codes[K]['by'] extends 'worker' ? K : never }[ProtocolErrorCode];

/** The codes of a bad command line (a bad option value names one of them). */
export type UsageErrorCode = { [K in ProtocolErrorCode]: Codes[K] extends { usage: true } ? K : never }[ProtocolErrorCode];

/**
 * Exit status of a command whose command line is bad. The rule, the same for every command:
 * - 2: the command line itself cannot run, whatever the files hold: an unknown option, a missing argument, a malformed
 *   or out-of-range value, options that contradict each other, no config named and none found (the `usage` codes above
 *   and yargs' own errors), a report span of more buckets than a report holds (--since/--until/--bucket). Only `--start-frame` past the end of a file is found later, when the file ends.
 * - 1: something it names cannot be used, or the work failed: a config file (unreadable, not JSON, or invalid, alike in
 *   `validate`, `run`, `snapshot` and `report`), a source, a model, the ffmpeg binary, the store, Redis.
 */
export const USAGE_EXIT_STATUS = 2;

export function isUsageErrorCode(code: string): code is UsageErrorCode {
  return Object.hasOwn(ERROR_CODES, code) && 'usage' in ERROR_CODES[code as ProtocolErrorCode];
}

export function isWorkerErrorCode(code: string): code is WorkerErrorCode {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ProtocolErrorCode].by === 'worker';
}

/** What a code means for the task; a code this version does not know counts as a crash. */
export function errorKind(code: string): ErrorKind {
  return (Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ProtocolErrorCode].kind : null) ?? 'crash';
}
