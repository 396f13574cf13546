/** Restart delays for a failing camera: exponential growth, capped, with jitter so that many cameras do not retry in step. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };

/**
 * Delay before restart number `attempt` (1 = first restart): the capped exponential d = min(max, base·2^(attempt−1)),
 * then "equal jitter": uniformly in [d/2, d]. Half of the delay is guaranteed so that a crash loop always slows down.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Counts restarts inside a sliding time window; too many means the task should stop retrying on its own. */
export class RestartWindow {
  private times: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Restarts within the window ending at `now`. */
  count(now: number): number {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    return this.times.length;
  }

  /** True when one more restart at `now` would still be within the limit. */
  allows(now: number): boolean {
    return this.count(now) < this.limit;
  }

  record(now: number): void {
    this.times.push(now);
  }

  reset(): void {
    this.times = [];
  }
}
