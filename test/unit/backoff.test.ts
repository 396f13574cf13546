import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../src/common/backoff.js';

describe('backoff delay (the one used for restarts, offline cameras and stream reconnects)', () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };
  it('doubles per attempt, stays within [d/2, d], and is capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, () => 0)),
      [500, 1000, 2000, 4000, 8000, 15_000, 15_000],
    );
    assert.deepEqual(
      [1, 2, 3, 6].map((n) => backoffDelay(n, policy, () => 1)),
      [1000, 2000, 4000, 30_000],
    );
    assert.equal(backoffDelay(3, policy, () => 0.5), 3000);
    assert.equal(backoffDelay(40, { baseMs: 500, maxMs: 30_000 }, () => 0.5), 22_500);
  });

  it('spreads many retries of the same attempt over the upper half of the delay', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(4, policy));
    assert.ok(delays.every((d) => d >= 4000 && d <= 8000));
    assert.ok(new Set(delays).size > 50, 'jittered, not in step');
  });
});
