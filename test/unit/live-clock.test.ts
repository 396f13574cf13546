import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveClock, type ClockReading } from '../../src/worker/live-clock.js';

/** Feeds (wall, media) pairs; returns the readings. */
function feed(clock: LiveClock, frames: [wall: number, media: number][]): ClockReading[] {
  return frames.map(([wall, media]) => clock.observe(wall, media));
}

const times = (rs: ClockReading[]) => rs.map((r) => (r.stale ? null : Math.round(r.t * 1000) / 1000));

/** A 10 fps stream arriving with up to `jitter` s of delivery jitter (deterministic). */
function stream(from: number, count: number, startWall: number, jitter = 0): [number, number][] {
  return Array.from({ length: count }, (_, i) => {
    const media = (from + i) / 10;
    return [startWall + (from + i) / 10 + (jitter * ((i * 7) % 5)) / 4, media];
  });
}

test('a steady stream with delivery jitter is timed by its content: exact 0.1 s steps', () => {
  const rs = feed(new LiveClock(), stream(0, 30, 2, 0.3));
  assert.ok(rs.every((r) => !r.stale));
  const t = times(rs) as number[];
  for (let i = 1; i < t.length; i++) assert.ok(Math.abs(t[i] - t[i - 1] - 0.1) < 1e-9, `step ${i}: ${t[i] - t[i - 1]}`);
  assert.equal(t[0], 2);
});

test('a stalled server that then sends its backlog in a burst: the backlog is stale, then time goes on by the gap', () => {
  const clock = new LiveClock();
  // 3 s of frames, then nothing for 5 s, then 6 s of content arrives within 0.6 s, then real time again.
  const before = stream(0, 30, 0);
  const burst = Array.from({ length: 60 }, (_, i): [number, number] => [8 + i * 0.01, (30 + i) / 10]);
  const after = Array.from({ length: 20 }, (_, i): [number, number] => [9.05 + (i + 1) * 0.1, (90 + i) / 10]);
  const rs = feed(clock, [...before, ...burst, ...after]);
  const burstReadings = rs.slice(30, 90);
  // Content more than a second behind is never handed on (the baseline may have crept up by 1 % of the 5 s gap).
  burstReadings.forEach((r, i) => {
    const lag = burst[i][0] - burst[i][1];
    if (lag > 1.06) assert.ok(r.stale, `burst frame ${i} (lag ${lag.toFixed(2)} s) must be stale`);
  });
  assert.ok(burstReadings.filter((r) => r.stale).length >= 40);
  const firstAfter = rs.findIndex((r, i) => i >= 30 && !r.stale);
  const lastBefore = rs[29] as { t: number };
  const resumed = rs[firstAfter] as { t: number };
  // The backlog drained: the frame handed on is at most a second old, and is placed by its content (4.5 s later).
  const media = burst[firstAfter - 30][1];
  assert.ok(burst[firstAfter - 30][0] - media < 1.1);
  assert.ok(Math.abs(resumed.t - lastBefore.t - (media - 2.9)) < 1e-9, `gap of ${resumed.t - lastBefore.t} s`);
  assert.ok(resumed.t - lastBefore.t > 4);
  // Then content spacing again.
  const t = times(rs.slice(90)) as number[];
  for (let i = 1; i < t.length; i++) assert.ok(Math.abs(t[i] - t[i - 1] - 0.1) < 1e-9);
});

test('a camera that skipped 5 s of content: after a second of real-time frames the new lag is accepted', () => {
  const clock = new LiveClock();
  const before = stream(0, 30, 0);
  // Media time goes on from 3.0 s (frames lost upstream), but wall time jumped 5 s.
  const after = Array.from({ length: 40 }, (_, i): [number, number] => [7.9 + i * 0.1, (30 + i) / 10]);
  const rs = feed(clock, [...before, ...after]);
  const afterRs = rs.slice(30);
  const firstLive = afterRs.findIndex((r) => !r.stale);
  // Stale while it might still be a backlog, for about resyncSeconds, then handed on.
  assert.ok(firstLive >= 9 && firstLive <= 12, `first frame handed on after ${firstLive} frames`);
  const t = times(afterRs).filter((x): x is number => x !== null);
  const lastBefore = (rs[29] as { t: number }).t;
  assert.ok(t[0] - lastBefore > 5.5, `the gap shows: ${t[0] - lastBefore} s`);
  for (let i = 1; i < t.length; i++) assert.ok(Math.abs(t[i] - t[i - 1] - 0.1) < 1e-9);
});

test('a new run (reconnect) starts media time at 0 and the time until its first frame is a gap', () => {
  const clock = new LiveClock();
  feed(clock, stream(0, 10, 0));
  clock.newRun();
  const [first, second] = feed(clock, [
    [4, 0],
    [4.1, 0.1],
  ]);
  assert.deepEqual(times([first, second]), [4, 4.1]);
});

test('a camera clock that runs 0.5 % slow never turns stale', () => {
  const clock = new LiveClock();
  // 25 fps media, delivered every 40.2 ms, for 10 minutes.
  let stale = 0;
  for (let i = 0; i < 25 * 600; i++) if (clock.observe(i * 0.0402, i * 0.04).stale) stale++;
  assert.equal(stale, 0);
});
