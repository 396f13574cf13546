/** Problems with the model or its settings; the codes are those of the worker protocol's `error.code`. */
export type DetectorErrorCode = 'MODEL_CORRUPT' | 'MODEL_MISSING' | 'BAD_MODEL_FORMAT' | 'BAD_INPUT_SIZE' | 'BAD_ARGUMENT';

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}
