import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tile } from '../../src/vision/crop-plan.js';
import { MAX_IN_FLIGHT } from '../../src/worker/detector-lanes.js';
import { FramesAhead, sameTiles, type AheadOptions } from '../../src/worker/frame-ahead.js';
import type { Frame } from '../../src/worker/source.js';

const tile = (x: number): Tile => ({ x, y: 0, w: 100, h: 80, inputWidth: 128, inputHeight: 96, scaledWidth: 120, scaledHeight: 96 });

test('tiles are the same only field for field and in the same order', () => {
  const a = [tile(0), tile(50)];
  assert.ok(sameTiles(a, a));
  assert.ok(sameTiles(a, [tile(0), tile(50)]));
  assert.ok(!sameTiles(a, [tile(50), tile(0)]), 'the merge follows the order of the tiles');
  assert.ok(!sameTiles(a, [tile(0)]));
  for (const k of ['x', 'y', 'w', 'h', 'inputWidth', 'inputHeight', 'scaledWidth', 'scaledHeight'] as const) {
    assert.ok(!sameTiles(a, [tile(0), { ...tile(50), [k]: tile(50)[k] + 0.5 }]), k);
  }
});

/** A file of `count` frames, every `skip`-th one a detection frame (1, 1 + skip, …), 4×2 pixels. */
function fakeSource(count: number, skip: number, failAt?: number) {
  const reads: number[] = [];
  const released: number[] = [];
  let n = 0;
  const source: AheadOptions['source'] = {
    async next() {
      if (n === failAt) throw new Error(`cannot read frame ${n + 1}`);
      if (n >= count) return null;
      n += 1;
      reads.push(n);
      const frame: Frame = { number: n, pts: n / 10, detect: (n - 1) % skip === 0, data: new Uint8Array(12), width: 4, height: 2 };
      return frame;
    },
    release: (f) => void released.push(f.number),
  };
  return { source, reads, released };
}

/**
 * A detector of `lanes` sessions whose answers the test gives; it records which frame went on which tiles, and like
 * the real one (detector-thread.ts) refuses a frame while MAX_IN_FLIGHT are in it.
 */
function fakeDetector(lanes: number) {
  const sent: { tiles: readonly Tile[]; answer: () => void }[] = [];
  let pending = 0;
  const detector: AheadOptions['detector'] = {
    sessionThreads: Array.from({ length: lanes }, () => 1),
    get pending() {
      return pending;
    },
    detectTiles(_frame, tiles) {
      if (pending >= MAX_IN_FLIGHT) return Promise.reject(new Error(`detect() called with ${pending} frames already queued`));
      pending += 1;
      return new Promise((resolve) => {
        sent.push({ tiles, answer: () => ((pending -= 1), resolve([])) });
      });
    },
  };
  return { detector, sent };
}

const plan = (x = 0) => ({ frame: { width: 4, height: 2 }, plan: { tiles: [tile(x)] } });

test('skipping frames, the next detection frame is read and sent ahead on the plan in force when a session is free', async () => {
  const { source, reads } = fakeSource(20, 5);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 5, guessing: true, detector });
  const first = await ahead.next();
  assert.equal(first?.frame.number, 1);
  assert.equal(first?.guess, null, 'a frame read at its turn was not guessed');
  // Frame 1 in the detector (the loop sent it at its turn), one session free: frame 6 goes ahead.
  void detector.detectTiles({ width: 4, height: 2, data: first!.frame.data }, plan().plan.tiles);
  await ahead.guessNext(plan(7));
  assert.deepEqual(reads, [1, 2, 3, 4, 5, 6], 'read on to the next detection frame and no further');
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1].tiles, [tile(7)]);
  // Both sessions busy: nothing more is read or sent.
  for (let n = 2; n <= 5; n++) {
    assert.equal((await ahead.next())?.frame.number, n);
    await ahead.guessNext(plan());
  }
  assert.deepEqual(reads, [1, 2, 3, 4, 5, 6]);
  const sixth = await ahead.next();
  assert.equal(sixth?.frame.number, 6);
  assert.deepEqual(sixth?.guess?.tiles, [tile(7)], 'frame 6 comes with the guess sent on it');
  // Frame 1 answered: a session is free again, frame 11 goes ahead.
  sent[0].answer();
  await ahead.guessNext(plan(9));
  assert.deepEqual(reads.slice(6), [7, 8, 9, 10, 11]);
  assert.deepEqual(sent[2].tiles, [tile(9)]);
  sent[1].answer();
  sent[2].answer();
  const rest: number[] = [];
  for (let f = await ahead.next(); f; f = await ahead.next()) rest.push(f.frame.number);
  assert.deepEqual(rest, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 'every frame once, in order');
  await ahead.close();
});

test('a session that answers takes the detection frame after the next one, also while the next one waits with its guess', async () => {
  const { source, reads } = fakeSource(30, 5);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 5, guessing: true, detector });
  const first = (await ahead.next())!;
  await ahead.detect(first, [tile(0)]);
  await ahead.guessNext(plan());
  assert.deepEqual(reads, [1, 2, 3, 4, 5, 6]);
  // Frame 1 answered before frames 2–6 were taken: frame 11 goes on the other session, frame 6 keeps its guess.
  sent[0].answer();
  await ahead.guessNext(plan(4));
  assert.deepEqual(reads, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'read on two detection frames ahead, no further');
  assert.deepEqual(sent.map((s) => s.tiles), [[tile(0)], [tile(0)], [tile(4)]]);
  await ahead.guessNext(plan());
  assert.equal(sent.length, 3, 'both sessions busy');
  const order: number[] = [];
  for (let n = 2; n <= 11; n++) {
    const f = (await ahead.next())!;
    order.push(f.frame.number);
    if (f.frame.number === 6) assert.deepEqual(f.guess?.tiles, [tile(0)]);
    if (f.frame.number === 11) assert.deepEqual(f.guess?.tiles, [tile(4)]);
  }
  assert.deepEqual(order, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'every frame once, in order');
  for (const s of sent.slice(1)) s.answer();
  await ahead.close();
});

test('detecting on every frame of a file, the frame after the next one goes as soon as a session answers', async () => {
  const { source, reads } = fakeSource(10, 1);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 1, guessing: true, detector });
  for (let n = 1; n <= 2; n++) await ahead.detect((await ahead.next())!, [tile(0)]);
  await ahead.guessNext(plan());
  assert.deepEqual(reads, [1, 2], 'both sessions busy');
  sent[0].answer();
  await ahead.guessNext(plan());
  assert.deepEqual(reads, [1, 2, 3]);
  const third = (await ahead.next())!;
  assert.equal(third.frame.number, 3);
  assert.equal(await ahead.detect(third, [tile(0)]), third.guess);
  for (const s of sent.slice(1)) s.answer();
  await ahead.close();
});

test('without guessing (a live source, one session, no skipping) nothing is read before its turn', async () => {
  const { source, reads } = fakeSource(12, 5);
  const { detector, sent } = fakeDetector(1);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 5, guessing: false, detector });
  for (let n = 1; n <= 12; n++) {
    assert.equal((await ahead.next())?.frame.number, n);
    await ahead.guessNext(plan());
    assert.deepEqual(reads.at(-1), n);
  }
  assert.equal(await ahead.next(), null);
  assert.equal(sent.length, 0);
});

test('no guess on a frame of another size than the plan (its turn makes a new plan), none past maxFrames', async () => {
  const { source, reads } = fakeSource(20, 5);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, maxFrames: 4, skipFrames: 5, guessing: true, detector });
  await ahead.next();
  await ahead.guessNext({ frame: { width: 8, height: 4 }, plan: { tiles: [tile(0)] } });
  assert.equal(sent.length, 0);
  assert.deepEqual(reads, [1, 2, 3, 4], 'maxFrames 4: frame 5 is never read');
  for (let n = 2; n <= 4; n++) assert.equal((await ahead.next())?.frame.number, n);
  assert.equal(await ahead.next(), null);
});

test('a stop ends the frames at once; frames read ahead go back to the source once their guesses are answered', async () => {
  const { source, released } = fakeSource(20, 5);
  const { detector, sent } = fakeDetector(2);
  const stop = { stopped: false };
  const ahead = new FramesAhead({ source, stop, skipFrames: 5, guessing: true, detector });
  await ahead.next();
  await ahead.guessNext(plan());
  assert.equal(sent.length, 1);
  stop.stopped = true;
  assert.equal(await ahead.next(), null);
  let closed = false;
  const closing = ahead.close().then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'close waits for the guess in the detector');
  sent[0].answer();
  await closing;
  assert.deepEqual(released, [2, 3, 4, 5, 6]);
});

test('a read ahead that fails is thrown where the frame loop would have read that frame, after the frames before it', async () => {
  const { source } = fakeSource(20, 5, 3);
  const { detector } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 5, guessing: true, detector });
  await ahead.next();
  await ahead.guessNext(plan());
  assert.equal((await ahead.next())?.frame.number, 2);
  assert.equal((await ahead.next())?.frame.number, 3);
  await assert.rejects(ahead.next(), /cannot read frame 4/);
});

test('at its turn a guess is kept only if it ran the tiles of the plan in force; otherwise the frame is sent again', async () => {
  const { source } = fakeSource(20, 5);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 5, guessing: true, detector });
  const first = (await ahead.next())!;
  const atTurn = await ahead.detect(first, [tile(0)]);
  assert.deepEqual(sent.map((s) => s.tiles), [[tile(0)]], 'no guess: sent at its turn');
  await ahead.guessNext(plan(0));
  for (let n = 2; n <= 5; n++) await ahead.next();
  const sixth = (await ahead.next())!;
  // The plan in force at frame 6's turn is a new list with the same tiles: the guess is its answer.
  assert.equal(await ahead.detect(sixth, [tile(0)]), sixth.guess);
  assert.equal(sent.length, 2);
  sent[0].answer();
  sent[1].answer();
  await atTurn.detections;
  await ahead.guessNext(plan(0));
  for (let n = 7; n <= 10; n++) await ahead.next();
  const eleventh = (await ahead.next())!;
  assert.deepEqual(eleventh.guess?.tiles, [tile(0)]);
  // The plan changed before frame 11's turn: sent again on the new tiles, the guess thrown away. The thrown guess
  // holds one session until answered; the other is free, so the frame goes at once.
  const again = await ahead.detect(eleventh, [tile(3)]);
  assert.notEqual(again, eleventh.guess);
  assert.equal(sent.length, 4);
  assert.deepEqual(sent.at(-1)?.tiles, [tile(3)]);
  assert.deepEqual(ahead.guesses, { kept: 1, thrown: 1 });
  for (const s of sent.slice(2)) s.answer();
  await again.detections;
  await ahead.close();
});

test('a frame sent again waits for room while the frame before it and the guess after it fill the detector', async () => {
  // Detecting on every frame, with answers that come sooner than the frame loop counts: the order in which a worker
  // under load failed with "detect() called with 2 frames already queued".
  const { source } = fakeSource(10, 1);
  const { detector, sent } = fakeDetector(2);
  const ahead = new FramesAhead({ source, stop: { stopped: false }, skipFrames: 1, guessing: true, detector });
  for (let n = 1; n <= 2; n++) await ahead.detect((await ahead.next())!, [tile(0)]);
  sent[0].answer();
  await ahead.guessNext(plan());
  // Frame 2's turn came and went; frame 3 keeps its guess. Frame 2 and the guess for 3 answered before the loop looked
  // again: frames 4 and 5 go ahead on the plan in force, which changes once frame 2 is counted.
  const third = (await ahead.next())!;
  assert.equal(await ahead.detect(third, [tile(0)]), third.guess);
  sent[1].answer();
  sent[2].answer();
  await ahead.guessNext(plan());
  await ahead.guessNext(plan());
  assert.deepEqual(sent.map((s) => s.tiles), [[tile(0)], [tile(0)], [tile(0)], [tile(0)], [tile(0)]]);
  // Frame 4's turn on the new plan: its guess is thrown, and the detector is full (the guesses for 4 and 5).
  const fourth = ahead.detect((await ahead.next())!, [tile(1)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 5, 'not sent while the detector is full');
  sent[3].answer();
  const fourthSent = await fourth;
  assert.deepEqual(sent.at(-1)?.tiles, [tile(1)]);
  // The guess for 5 is answered before frame 4: frame 6 takes its session, on the new plan.
  sent[4].answer();
  await ahead.guessNext(plan(1));
  assert.equal(sent.length, 7);
  // Frame 5's turn: its guess ran the old plan, and frame 4 and the guess for 6 fill the detector: frame 5 waits.
  const fifth = ahead.detect((await ahead.next())!, [tile(1)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 7, 'not sent while the detector is full');
  sent[5].answer();
  const fifthSent = await fifth;
  assert.equal(sent.length, 8);
  assert.deepEqual(sent.at(-1)?.tiles, [tile(1)]);
  for (const s of sent.slice(6)) s.answer();
  await fourthSent.detections;
  await fifthSent.detections;
  assert.deepEqual(ahead.guesses, { kept: 1, thrown: 2 });
  await ahead.close();
});
