import type { WorkerErrorCode } from '../protocol/error-codes.js';

/** Problems with the model or its settings; the codes are taken from the worker protocol's table of `error.code`. */
export type DetectorErrorCode = Extract<WorkerErrorCode, 'MODEL_CORRUPT' | 'MODEL_MISSING' | 'BAD_MODEL_FORMAT' | 'BAD_INPUT_SIZE' | 'BAD_ARGUMENT'>;

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}
