import { test } from 'node:test';
import assert from 'node:assert/strict';
import { yuv420Size } from '../src/vision/resample.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openSource, type Frame } from '../src/worker/source.js';
import { freePort, listening, makeTsClip, serve } from './live-stream.js';
import path from 'node:path';
import { repoRoot, within } from './worker-harness.js';

/** The first 480 frames of vtest.avi (test/fixtures/footage/README.md). */
const VTEST_CUT = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');

test('a live source with --skip-frames 5 gets only every 5th frame from ffmpeg and fills in the 4 after each', { timeout: 60_000 }, async (t) => {
  const ffmpeg = await resolveFfmpeg();
  const clip = makeTsClip(ffmpeg.path, VTEST_CUT, 100);
  const port = await freePort();
  const server = serve(ffmpeg.path, clip, port);
  t.after(() => server.kill('SIGKILL'));
  await listening(port, 5000);
  const source = await openSource({
    source: `http://127.0.0.1:${port}/x`,
    live: true,
    ffmpeg,
    maxSide: 1920,
    skipFrames: 5,
    stallTimeoutMs: 5000,
    onReconnect: () => undefined,
    onLog: () => undefined,
  });
  t.after(() => source.close());

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
  await new Promise((r) => setTimeout(r, 2000));
  const last = frames.at(-1)!;
  let next = await within(source.next(), 5_000, 'the frame after the pause');
  while (next && !next.detect) next = await within(source.next(), 5_000, 'the next frame with pixels');
  assert.ok(next);
  assert.ok(source.dropped >= 5 && source.dropped % 5 === 0, `dropped ${source.dropped}`);
  assert.equal((next.number - last.number) % 5, 0, 'the frame with pixels keeps the 5-frame rhythm');
});
