/**
 * Error codes of the worker protocol (`error.code`), documented in docs/protocol.md. A `WorkerError` carries one
 * of them to the top of the loop, which turns it into an `error` event, a stderr line and an exit code.
 */
export type ErrorCode =
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_TIMEOUT'
  | 'BAD_LINE'
  | 'BAD_ARGUMENT'
  | 'BAD_MODEL_FORMAT'
  | 'BAD_INPUT_SIZE'
  | 'BAD_DETECT_REGION'
  | 'MODEL_CORRUPT'
  | 'MODEL_MISSING'
  | 'FFMPEG_NOT_FOUND'
  | 'FFMPEG_FAILED'
  | 'INTERNAL';

export class WorkerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

const KNOWN = new Set<string>([
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'SOURCE_UNREACHABLE',
  'SOURCE_TIMEOUT',
  'BAD_LINE',
  'BAD_ARGUMENT',
  'BAD_MODEL_FORMAT',
  'BAD_INPUT_SIZE',
  'BAD_DETECT_REGION',
  'MODEL_CORRUPT',
  'MODEL_MISSING',
  'FFMPEG_NOT_FOUND',
  'FFMPEG_FAILED',
  'INTERNAL',
]);

/** Any thrown value as a code and a one-line message; errors from other modules keep their code when it is ours. */
export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof WorkerError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && KNOWN.has(code)) return new WorkerError(code as ErrorCode, message);
  return new WorkerError('INTERNAL', message);
}
