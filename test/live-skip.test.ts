import { test } from 'node:test';
import assert from 'node:assert/strict';
import { yuv420Size } from '../src/vision/resample.js';
import type { Frame } from '../src/worker/source.js';
import { ffmpeg, vtest } from './footage.js';
import { makeTsClip, openServedSource } from './live-stream.js';
import { waitUntil, within } from './worker-harness.js';

test('a live source with --skip-frames 5 gets only every 5th frame from ffmpeg and fills in the 4 after each', { timeout: 60_000 }, async (t) => {
  const source = await openServedSource(t, makeTsClip(ffmpeg, vtest, 100), 5);

  const frames: Frame[] = [];
  while (frames.length < 16) {
    const f = await within(source.next(), 10_000, `frame ${frames.length + 1}`);
    assert.ok(f);
    frames.push(f);
  }
  assert.deepEqual(
    frames.map((f) => f.number),
    frames.map((_, i) => frames[0].number + i),
    'numbers go on one by one',
  );
  assert.deepEqual(
    frames.map((f) => f.detect),
    frames.map((f) => (f.number - frames[0].number) % 5 === 0),
    'pixels every 5th frame',
  );
  for (const f of frames) {
    assert.equal(f.data.length, f.detect ? yuv420Size(f.width, f.height) : 0, `frame ${f.number}`);
    assert.deepEqual([f.width, f.height], [768, 576]);
  }
  for (let i = 1; i < frames.length; i++) assert.ok(frames[i].pts > frames[i - 1].pts, 'times go forward, filled frames between their neighbours');
  assert.equal(source.dropped, 0);

  // A busy consumer: the frames superseded meanwhile drop 5 each, and numbering jumps over them.
  await waitUntil(() => source.dropped >= 5, 10_000, 'a frame superseded while the consumer is away');
  const last = frames.at(-1)!;
  let next = await within(source.next(), 5_000, 'the frame after the pause');
  while (next && !next.detect) next = await within(source.next(), 5_000, 'the next frame with pixels');
  assert.ok(next);
  assert.ok(source.dropped >= 5 && source.dropped % 5 === 0, `dropped ${source.dropped}`);
  assert.equal((next.number - last.number) % 5, 0, 'the frame with pixels keeps the 5-frame rhythm');
});
