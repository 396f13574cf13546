/**
 * The `code` of `error` events, with what each means for the task it ends (documented in docs/protocol.md):
 * - `source`: the source cannot be reached or read. A camera is then offline, and is retried for as long as the run
 *   lasts (with capped backoff); a video fails.
 * - `setup`: bad arguments, a missing or broken model, no ffmpeg. No retry can help: the task fails at once.
 * - `crash`: anything else. A camera's worker is restarted, a limited number of times in a time window.
 * - null: never fatal, so it ends nothing (the store failing does not stop the counting).
 * `by` says who reports it: the worker, or the pool about a worker that could not explain itself.
 */
export const ERROR_CODES = {
  SOURCE_NOT_FOUND: { kind: 'source', by: 'worker' },
  SOURCE_UNREADABLE: { kind: 'source', by: 'worker' },
  SOURCE_UNREACHABLE: { kind: 'source', by: 'worker' },
  SOURCE_TIMEOUT: { kind: 'source', by: 'worker' },
  BAD_LINE: { kind: 'setup', by: 'worker' },
  BAD_ARGUMENT: { kind: 'setup', by: 'worker' },
  BAD_MODEL_FORMAT: { kind: 'setup', by: 'worker' },
  BAD_INPUT_SIZE: { kind: 'setup', by: 'worker' },
  BAD_DETECT_REGION: { kind: 'setup', by: 'worker' },
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
} as const satisfies Record<string, { kind: ErrorKind | null; by: 'worker' | 'pool' }>;

export type ErrorKind = 'source' | 'setup' | 'crash';

type Codes = typeof ERROR_CODES;
export type ProtocolErrorCode = keyof Codes;
/** The codes a worker reports. */
export type WorkerErrorCode = { [K in ProtocolErrorCode]: Codes[K]['by'] extends 'worker' ? K : never }[ProtocolErrorCode];

export function isWorkerErrorCode(code: string): code is WorkerErrorCode {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ProtocolErrorCode].by === 'worker';
}

/** What a code means for the task; a code this version does not know counts as a crash. */
export function errorKind(code: string): ErrorKind {
  return (Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ProtocolErrorCode].kind : null) ?? 'crash';
}
