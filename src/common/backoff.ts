/** Retry delays: exponential growth, capped, with jitter so that many cameras (or workers of one server) do not retry in step. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): the capped exponential d = min(max, base·2^(attempt−1)),
 * then "equal jitter": uniformly in [d/2, d]. Half of the delay is guaranteed so that a retry loop always slows down.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
