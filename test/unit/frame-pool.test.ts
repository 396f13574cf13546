import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameChunks } from '../../src/worker/frame-chunks.js';
import { FramePool } from '../../src/worker/frame-pool.js';

test('a buffer is never handed out while anyone holds it, and is used again once all let go', () => {
  const pool = new FramePool();
  const held = new Map<ArrayBufferLike, number>();
  const out: Uint8Array[] = [];
  let s = 12345;
  const rnd = (n: number) => ((s = (s * 1664525 + 1013904223) >>> 0) >>> 8) % n;
  for (let step = 0; step < 5000; step++) {
    // Acquire 5 in 20, retain 4 in 20, release 11 in 20: a few frames in hand at a time, as in the worker.
    const r = rnd(20);
    const op = r < 5 ? 0 : r < 9 ? 1 : 2;
    if (op === 0 || out.length === 0) {
      const b = pool.acquire(64);
      assert.equal(held.get(b.buffer) ?? 0, 0, `step ${step}: a held buffer was handed out again`);
      assert.equal(b.length, 64);
      held.set(b.buffer, 1);
      out.push(b);
    } else {
      const i = rnd(out.length);
      const b = out[i];
      if (op === 1) {
        // Another holder (the detector thread) takes the frame too.
        pool.retain(b);
        held.set(b.buffer, held.get(b.buffer)! + 1);
        out.push(b);
      } else {
        pool.release(b);
        held.set(b.buffer, held.get(b.buffer)! - 1);
        out.splice(i, 1);
      }
    }
  }
  // Buffers were reused: far fewer allocated than handed out.
  assert.ok(pool.allocated < 60, `allocated ${pool.allocated}`);
});

test('releasing twice, or retaining a buffer nobody holds, is refused instead of corrupting a later frame', () => {
  const pool = new FramePool();
  const a = pool.acquire(16);
  assert.equal(pool.isHeld(a), true);
  pool.release(a);
  assert.equal(pool.isHeld(a), false);
  assert.throws(() => pool.release(a), /nobody holds/);
  assert.throws(() => pool.retain(a), /nobody holds/);
  // Frames that are not the pool's own (a plain copy, a part of a pooled buffer) are not held.
  assert.equal(pool.isHeld(new Uint8Array(16)), false);
  const b = pool.acquire(16);
  assert.equal(b.buffer, a.buffer, 'the released buffer comes back');
  assert.equal(pool.isHeld(b.subarray(0, 8)), false);
});

test('buffers of another size are not handed out, and at most `keep` free buffers are kept', () => {
  const pool = new FramePool(2);
  const small = [pool.acquire(8), pool.acquire(8), pool.acquire(8)];
  for (const b of small) pool.release(b);
  const big = pool.acquire(32);
  assert.equal(big.length, 32);
  assert.ok(!small.some((b) => b.buffer === big.buffer));
  pool.release(big);
  const again = [pool.acquire(32), pool.acquire(32)];
  assert.equal(again[0].buffer, big.buffer);
  assert.equal(pool.allocated, 5, 'three small, the first big one, one more big one');
});

test('frame chunks copy a frame into the buffer given, across chunk borders and inside one chunk', () => {
  const chunks = new FrameChunks();
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
  chunks.push(Buffer.from(bytes.subarray(0, 7)));
  chunks.push(Buffer.from(bytes.subarray(7, 30)));
  chunks.push(Buffer.from(bytes.subarray(30)));
  const pool = new FramePool();
  const frames = [0, 1, 2, 3].map(() => chunks.take(10, pool.acquire(10)));
  frames.forEach((f, i) => assert.deepEqual([...f], [...bytes.subarray(10 * i, 10 * i + 10)]));
  assert.ok(frames.every((f) => pool.isHeld(f)), 'each frame is its pooled buffer, not a view of a chunk');
  assert.equal(chunks.length, 0);
});
