import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { Batcher } from '../../src/faces/batcher.js';

/** A fake analyser: records each batch, answers `item × 10` when released (or at once), fails on request. */
function fakeAnalyser(opts: { manual?: boolean; failOn?: number } = {}) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const analyse = async (items: number[]): Promise<number[]> => {
    batches.push([...items]);
    if (opts.manual) await new Promise<void>((r) => releases.push(r));
    if (opts.failOn !== undefined && items.includes(opts.failOn)) throw new Error(`cannot analyse ${opts.failOn}`);
    return items.map((i) => i * 10);
  };
  return { batches, releases, analyse };
}

function collect() {
  const results: [number, number][] = [];
  const errors: [number[], string][] = [];
  const dropped: number[] = [];
  return {
    results,
    errors,
    dropped,
    onResult: (i: number, r: number) => results.push([i, r]),
    onError: (items: number[], e: Error) => errors.push([items, e.message]),
    onDropped: (i: number) => dropped.push(i),
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('Batcher', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('a full batch goes at once, without waiting for the time-out', async () => {
    const a = fakeAnalyser();
    const c = collect();
    const b = new Batcher({ batchSize: 3, timeoutMs: 250, maxQueued: 100, analyse: a.analyse, ...c });
    b.push(1);
    b.push(2);
    assert.deepEqual(a.batches, [], 'two of three: waiting');
    b.push(3);
    await settle();
    assert.deepEqual(a.batches, [[1, 2, 3]]);
    assert.deepEqual(c.results, [[1, 10], [2, 20], [3, 30]]);
  });

  test('a partial batch goes when its first item has waited the time-out', async () => {
    const a = fakeAnalyser();
    const c = collect();
    const b = new Batcher({ batchSize: 8, timeoutMs: 250, maxQueued: 100, analyse: a.analyse, ...c });
    b.push(1);
    mock.timers.tick(100);
    b.push(2);
    mock.timers.tick(149);
    await settle();
    assert.deepEqual(a.batches, [], 'not yet at 249 ms');
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(a.batches, [[1, 2]], 'at 250 ms after the first item');
    assert.deepEqual(c.results, [[1, 10], [2, 20]]);
  });

  test('one batch at a time; results keep the order items came in', async () => {
    const a = fakeAnalyser({ manual: true });
    const c = collect();
    const b = new Batcher({ batchSize: 2, timeoutMs: 250, maxQueued: 100, analyse: a.analyse, ...c });
    for (const i of [1, 2, 3, 4, 5]) b.push(i);
    await settle();
    assert.deepEqual(a.batches, [[1, 2]], 'the second batch waits for the first');
    a.releases.shift()!();
    await settle();
    assert.deepEqual(a.batches, [[1, 2], [3, 4]]);
    a.releases.shift()!();
    await settle();
    assert.deepEqual(a.batches.length, 2, '5 alone waits for its time-out');
    mock.timers.tick(250);
    await settle();
    a.releases.shift()!();
    await settle();
    assert.deepEqual(a.batches, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(c.results.map(([i]) => i), [1, 2, 3, 4, 5]);
  });

  test('stop flushes what waits and refuses more', async () => {
    const a = fakeAnalyser();
    const c = collect();
    const b = new Batcher({ batchSize: 2, timeoutMs: 10_000, maxQueued: 100, analyse: a.analyse, ...c });
    for (const i of [1, 2, 3]) b.push(i);
    await b.stop();
    assert.deepEqual(a.batches, [[1, 2], [3]]);
    assert.deepEqual(c.results.map(([i]) => i), [1, 2, 3]);
    assert.equal(b.busy, false);
    assert.throws(() => b.push(4), /after stop/);
  });

  test('a failing batch reports its items and the next batch still runs', async () => {
    const a = fakeAnalyser({ failOn: 2 });
    const c = collect();
    const b = new Batcher({ batchSize: 2, timeoutMs: 250, maxQueued: 100, analyse: a.analyse, ...c });
    for (const i of [1, 2, 3, 4]) b.push(i);
    await b.flush();
    assert.deepEqual(c.errors, [[[1, 2], 'cannot analyse 2']]);
    assert.deepEqual(c.results, [[3, 30], [4, 40]]);
  });

  test('an analyser returning the wrong number of results is an error, not a shifted answer', async () => {
    const c = collect();
    const b = new Batcher({ batchSize: 2, timeoutMs: 250, maxQueued: 100, analyse: async () => [1], ...c });
    b.push(1);
    b.push(2);
    await b.flush();
    assert.deepEqual(c.results, []);
    assert.match(c.errors[0][1], /1 results for 2 items/);
  });

  test('when analysis falls behind, the oldest waiting items are dropped', async () => {
    const a = fakeAnalyser({ manual: true });
    const c = collect();
    const b = new Batcher({ batchSize: 1, timeoutMs: 250, maxQueued: 2, analyse: a.analyse, ...c });
    for (const i of [1, 2, 3, 4, 5]) b.push(i);
    assert.deepEqual(c.dropped, [2, 3], '1 is being analysed, 4 and 5 wait');
    assert.equal(b.queued, 2);
  });

  test('bad options are refused', () => {
    const c = collect();
    assert.throws(() => new Batcher({ batchSize: 0, timeoutMs: 1, maxQueued: 1, analyse: async () => [], ...c }), /batch size/);
    assert.throws(() => new Batcher({ batchSize: 1, timeoutMs: -1, maxQueued: 1, analyse: async () => [], ...c }), /time-out/);
  });
});
