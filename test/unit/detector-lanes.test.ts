import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lanes, laneThreads, sendsAhead } from '../../src/worker/detector-lanes.js';
import type { ModelThread } from '../../src/worker/model-thread.js';

test('a worker with 2 or more threads gets two sessions that share them, unless a live source skips frames; 1 thread, one session', () => {
  assert.deepEqual(laneThreads(1), [1]);
  assert.deepEqual(laneThreads(2), [1, 1]);
  assert.deepEqual(laneThreads(3), [2, 1]);
  assert.deepEqual(laneThreads(4), [2, 2]);
  assert.deepEqual(laneThreads(7), [4, 3]);
  for (let n = 1; n <= 64; n++) assert.equal(laneThreads(n).reduce((a, b) => a + b, 0), n, `${n} threads`);
  // A file that skips frames sends the next detection frame ahead (frame-ahead.ts): two frames in the detector.
  assert.deepEqual(laneThreads(2, 5), [1, 1]);
  assert.deepEqual(laneThreads(3, 5), [2, 1]);
  assert.deepEqual(laneThreads(1, 5), [1]);
  assert.ok(sendsAhead(false));
  // A live source that skips frames: its next detection frame is not filmed yet, one session gets all the threads.
  assert.deepEqual(laneThreads(2, 5, true), [2]);
  assert.ok(!sendsAhead(true));
  // Every frame detected: the frame loop has the next frame in the detector anyway, live or not.
  assert.deepEqual(laneThreads(2, 1, true), [1, 1]);
  assert.deepEqual(laneThreads(2, 1, false), [1, 1]);
});

/** A model thread whose answers the test releases one by one, in any order; it "detects" `frame * 10 + lane`. */
function fakeThread(lane: number, log: string[]) {
  const open = new Map<number, () => void>();
  const thread: ModelThread<{ frame: number }, number> = {
    get pending() {
      return open.size;
    },
    request({ frame }) {
      if (open.size > 0) log.push(`lane ${lane} busy`);
      log.push(`start ${frame} on ${lane}`);
      return new Promise((resolve) => open.set(frame, () => (open.delete(frame), resolve(frame * 10 + lane))));
    },
    release: async () => undefined,
  };
  return { thread, finish: (frame: number) => open.get(frame)!() };
}

test('two frames in flight run at once on the two lanes, each answer reaches its own frame whichever ends first', async () => {
  const log: string[] = [];
  const [a, b] = [fakeThread(0, log), fakeThread(1, log)];
  const lanes = new Lanes([a.thread, b.thread]);
  const first = lanes.request({ frame: 1 });
  const second = lanes.request({ frame: 2 });
  // Both started before either answered: the second frame did not queue behind the first.
  assert.deepEqual(log, ['start 1 on 0', 'start 2 on 1']);
  assert.equal(lanes.pending, 2);
  b.finish(2);
  assert.equal(await second, 21);
  // The free lane takes the next frame while the first is still being detected.
  const third = lanes.request({ frame: 3 });
  assert.equal(log.at(-1), 'start 3 on 1');
  a.finish(1);
  assert.equal(await first, 10);
  b.finish(3);
  assert.equal(await third, 31);
  assert.equal(lanes.pending, 0);
});

test('frames read in order get their answers in order, however the lanes interleave (the frame loop awaits them in order)', async () => {
  // The frame loop keeps two frames in the detector and awaits the older first; frames finish in a scrambled order.
  let s = 7;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) >>> 8) / 2 ** 24;
  const log: string[] = [];
  const fakes = [fakeThread(0, log), fakeThread(1, log)];
  const lanes = new Lanes(fakes.map((f) => f.thread));
  const owner = new Map<number, (typeof fakes)[number]>();
  const inFlight: { frame: number; answer: Promise<number> }[] = [];
  const answers: [number, number][] = [];
  const finished = new Set<number>();
  let next = 1;
  while (next <= 200 || inFlight.length > 0) {
    while (next <= 200 && inFlight.length < 2) {
      const before = log.length;
      inFlight.push({ frame: next, answer: lanes.request({ frame: next }) });
      owner.set(next, fakes[Number(log[before].split(' on ')[1])]);
      next += 1;
    }
    // Either frame in flight may finish first.
    const order = rnd() < 0.5 ? inFlight : [...inFlight].reverse();
    for (const f of order) {
      if (finished.has(f.frame)) continue;
      finished.add(f.frame);
      owner.get(f.frame)!.finish(f.frame);
    }
    const { frame, answer } = inFlight.shift()!;
    answers.push([frame, await answer]);
  }
  assert.deepEqual(
    answers.map(([f]) => f),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  for (const [frame, answer] of answers) assert.equal(Math.floor(answer / 10), frame, `frame ${frame} got the answer of frame ${Math.floor(answer / 10)}`);
  // Both lanes were used, and never two frames on one lane at once.
  assert.ok(log.some((l) => l.endsWith('on 0')) && log.some((l) => l.endsWith('on 1')));
  assert.deepEqual(log.filter((l) => l.endsWith('busy')), []);
});
