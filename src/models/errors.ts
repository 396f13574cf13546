export type ModelErrorCode = 'MODEL_MISSING' | 'MODEL_CORRUPT' | 'MODEL_UNKNOWN';

export const REBUILD_HINT = 'rebuild it with: npx pcount-tui models build';

/** A built-in model cannot be used; `code` lets callers pick an exit code or message. */
export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
