import { isUsageErrorCode, isWorkerErrorCode, USAGE_EXIT_STATUS, type WorkerErrorCode } from '../protocol/error-codes.js';

/**
 * Error codes of the worker protocol (`error.code`, the table in src/protocol/error-codes.ts). A `WorkerError`
 * carries one of them to the top of the loop, which turns it into an `error` event, a stderr line and an exit code.
 */
export type ErrorCode = WorkerErrorCode;

export class WorkerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** Any thrown value as a code and a one-line message; errors from other modules keep their code when it is ours. */
export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof WorkerError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && isWorkerErrorCode(code)) return new WorkerError(code, message);
  return new WorkerError('INTERNAL', message);
}

/** Exit status for a fatal error: 2 for bad arguments (like yargs' own usage errors), 1 for everything else. */
export function exitCodeFor(code: ErrorCode): number {
  return isUsageErrorCode(code) ? USAGE_EXIT_STATUS : 1;
}
