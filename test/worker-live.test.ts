import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CrossingEvent, DoneEvent, ProgressEvent, ReconnectEvent, TracksEvent, WorkerEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { yuv420Size } from '../src/vision/resample.js';
import { ffmpeg as FFMPEG } from './footage.js';
import { listening, makeTsClip, openServedSource, serve as serveClip } from './live-stream.js';
import { freePort, killLater, spawnWorker, vtest, waitUntil, within } from './worker-harness.js';

const serve = (clip: string, port: number) => serveClip(FFMPEG, clip, port);
const makeClip = () => makeTsClip(FFMPEG, vtest, 100);

test('a live stream that stops and comes back: reconnect events, frames and counts go on', { timeout: 60_000 }, async (t) => {
  const clip = makeClip();
  const port = await freePort();
  let server = serve(clip, port);
  t.after(() => server.kill('SIGKILL'));
  await listening(port);

  const w = spawnWorker(['--source', `http://127.0.0.1:${port}/x`, '--stall-timeout', '5', '--emit-tracks'], { stdin: 'pipe' });
  t.after(killLater(w.child));
  const hello = await w.waitFor((e) => e.type === 'hello', 15_000, 'hello');
  assert.equal(hello.type === 'hello' && hello.live, true);
  await w.waitFor((e) => e.type === 'tracks' && e.frame >= 15, 15_000, 'frames from the first server');

  server.kill('SIGKILL');
  const firstReconnect = (await w.waitFor((e) => e.type === 'reconnect', 10_000, 'a reconnect event')) as ReconnectEvent;
  const before = w.events.slice(0, w.events.indexOf(firstReconnect));
  const lastFrameBefore = Math.max(...before.filter((e): e is TracksEvent => e.type === 'tracks').map((e) => e.frame));
  const progressBefore = before.filter((e): e is ProgressEvent => e.type === 'progress').at(-1);

  // Down for a while: an attempt finds nothing listening, and a progress report goes out during the gap.
  await w.waitFor((e) => e.type === 'reconnect' && e.attempt === 2, 10_000, 'a second reconnect attempt');
  await w.waitFor((e) => e.type === 'progress' && e.fps === 0 && w.events.indexOf(e) > w.events.indexOf(firstReconnect), 10_000, 'progress during the gap');
  server = serve(clip, port);
  await listening(port);
  const reconnected = await w.waitFor((e) => e.type === 'log' && /reconnected/.test(e.message), 20_000, 'the reconnected log line');
  const resumed = (await w.waitFor(
    (e) => e.type === 'tracks' && w.events.indexOf(e) > w.events.indexOf(reconnected),
    10_000,
    'frames after the reconnect',
  )) as TracksEvent;
  await w.waitFor((e) => e.type === 'tracks' && e.frame >= resumed.frame + 5, 10_000, 'more frames');

  w.child.stdin!.write('{"cmd":"stop"}\n');
  const exit = await within(w.exited, 15_000, 'worker exit after stop');
  assert.equal(exit.code, 0, w.stderr());

  for (const line of w.lines) assert.ok(validateEvent(JSON.parse(line)).ok, line);
  const reconnects = w.events.filter((e): e is ReconnectEvent => e.type === 'reconnect');
  assert.deepEqual(reconnects.map((r) => r.attempt), reconnects.map((_, i) => i + 1), 'attempts count up while the source is down');
  assert.ok(reconnects.every((r) => r.delay_ms > 0 && r.reason.length > 0));
  // No reset: frame numbers keep counting from where they were.
  assert.ok(resumed.frame > lastFrameBefore, `frame ${resumed.frame} after the gap, ${lastFrameBefore} before`);
  // The server stays down until a progress report has gone out with no frames in its interval.
  const gap = w.events.slice(w.events.indexOf(firstReconnect), w.events.indexOf(reconnected));
  assert.ok(gap.some((e) => e.type === 'progress' && e.fps === 0), `progress goes on during the gap, with fps 0: ${gap.map((e) => JSON.stringify(e)).join('\n')}`);
  const done = w.events.at(-1) as WorkerEvent as DoneEvent;
  assert.equal(done.type, 'done');
  assert.ok(done.frames >= resumed.frame - done.dropped - 1, `done.frames ${done.frames} covers both runs`);
  if (progressBefore) {
    assert.ok(done.in >= progressBefore.in && done.out >= progressBefore.out, 'counts are kept across the gap');
  }
});

test('a camera back at another size counts on its lines in the new pixels', { timeout: 90_000 }, async (t) => {
  const port = await freePort();
  let server = serve(makeClip(), port);
  t.after(() => server.kill('SIGKILL'));
  await listening(port);
  const w = spawnWorker(['--source', `http://127.0.0.1:${port}/x`, '--stall-timeout', '5', '--skip-frames', '2', '--emit-tracks'], { stdin: 'pipe' });
  t.after(killLater(w.child));
  await w.waitFor((e) => e.type === 'tracks' && e.frame >= 60, 20_000, 'frames at 768x576');
  server.kill('SIGKILL');
  // The camera comes back at half the size: the line x = 0.5 is at x = 192 now, no longer at 384 (the new right edge).
  const smaller = makeTsClip(FFMPEG, vtest, 200, '384x288');
  await w.waitFor((e) => e.type === 'reconnect', 20_000, 'the worker noticing the camera gone');
  // No wait for the port to listen: the retrying worker may connect, and so close ffmpeg's one-client listener,
  // before a look at the port would see it. Its `reconnected` line says the new server is up.
  server = serve(smaller, port);
  const reconnected = await w.waitFor((e) => e.type === 'log' && /reconnected/.test(e.message), 20_000, 'reconnected');
  const after = (e: WorkerEvent) => w.events.indexOf(e) > w.events.indexOf(reconnected);
  const oldPicture = w.events.filter((e): e is TracksEvent => e.type === 'tracks' && !after(e));
  const lastOldFrame = Math.max(...oldPicture.map((e) => e.frame));
  // A change of side still held when the old picture's tracks end counts then, dated in the old picture: the
  // crossings of the new picture are the ones dated after it.
  const inNew = (e: WorkerEvent): e is CrossingEvent => e.type === 'crossing' && after(e) && e.frame > lastOldFrame;
  const first = (await w.waitFor((e) => e.type === 'progress' && e.frame > 0 && after(e), 10_000, 'frames at 384x288')) as ProgressEvent;
  await w.waitFor((e) => inNew(e) || (e.type === 'progress' && e.frame >= first.frame + 190), 40_000, 'a crossing or 19 s of frames');
  w.child.stdin!.write('{"cmd":"stop"}\n');
  assert.equal((await within(w.exited, 15_000, 'worker exit after stop')).code, 0, w.stderr());
  const crossings = w.events.filter(inNew);
  assert.ok(crossings.length > 0, 'people walking across the middle of the smaller picture are counted');
  // A track of the old picture taken on into the new one jumps (its box is in the old pixels): its crossing is false.
  const before = oldPicture.flatMap((e) => e.tracks.map((tr) => tr.id));
  const oldIds = crossings.filter((x) => before.includes(x.track)).map((x) => x.track);
  assert.deepEqual(oldIds, [], 'no track of the old picture goes on in the new one');
  const released = w.events.filter((e): e is CrossingEvent => e.type === 'crossing' && after(e) && !inNew(e));
  assert.ok(released.every((x) => before.includes(x.track)), `dated in the old picture: its tracks' held changes of side only (${JSON.stringify(released)})`);
});

test('a live source keeps only the newest frame while the consumer is busy, and counts the others as dropped', { timeout: 30_000 }, async (t) => {
  const source = await openServedSource(t, makeClip(), 1);
  const first = await within(source.next(), 10_000, 'a first frame');
  assert.ok(first && first.data.length === yuv420Size(first.width, first.height), 'yuv420p frames at the source size');
  // Busy while the stream goes on: frames arrive meanwhile and only the newest is kept. The server sends what it
  // buffered before the connection in a burst, then 10 frames/s (-re): the second busy spell sees the real rate.
  await waitUntil(() => source.dropped >= 10, 10_000, 'ten frames going by');
  const settled = await within(source.next(), 5_000, 'the frame after the first pause');
  assert.ok(settled);
  assert.equal(source.dropped, settled.number - first.number - 1, 'every frame not handed out is counted as dropped');
  const droppedBefore = source.dropped;
  await waitUntil(() => source.dropped >= droppedBefore + 10, 10_000, 'ten more frames going by');
  const newest = await within(source.next(), 5_000, 'the frame after the second pause');
  assert.ok(newest);
  const skipped = newest.number - settled.number - 1;
  assert.ok(skipped >= 10, `${skipped} frames went by`);
  assert.equal(source.dropped - droppedBefore, skipped, 'every frame not handed out is counted as dropped');
  const seconds = newest.pts - settled.pts;
  assert.ok(seconds >= 0.5, `live frames carry wall-clock time: ${skipped + 1} frames of a 10 fps stream took ${seconds} s`);
});

test('a live stream that stalls (connection open, no data) is restarted after --stall-timeout', { timeout: 60_000 }, async (t) => {
  const clip = makeClip();
  const port = await freePort();
  let server = serve(clip, port);
  const servers = [server];
  t.after(() => servers.forEach((s) => s.kill('SIGKILL')));
  await listening(port);
  const stall = 2;
  const w = spawnWorker(['--source', `http://127.0.0.1:${port}/x`, '--stall-timeout', String(stall), '--emit-tracks'], { stdin: 'pipe' });
  t.after(killLater(w.child));
  await w.waitFor((e) => e.type === 'tracks' && e.frame >= 5, 20_000, 'frames');

  server.kill('SIGSTOP');
  const stoppedAt = Date.now();
  const reconnect = (await w.waitFor((e) => e.type === 'reconnect', 10_000, 'a reconnect after the stall')) as ReconnectEvent;
  assert.match(reconnect.reason, new RegExp(`no frame for ${stall} s`));
  const waited = (reconnect.ts - stoppedAt) / 1000;
  assert.ok(waited >= stall - 0.5 && waited < stall + 3, `stall noticed after ${waited.toFixed(1)} s`);

  server.kill('SIGKILL');
  server = serve(clip, port);
  servers.push(server);
  await listening(port);
  const reconnected = await w.waitFor((e) => e.type === 'log' && /reconnected/.test(e.message), 20_000, 'reconnected');
  await w.waitFor((e) => e.type === 'tracks' && w.events.indexOf(e) > w.events.indexOf(reconnected), 10_000, 'frames again');
  w.child.stdin!.write('{"cmd":"stop"}\n');
  const exit = await within(w.exited, 15_000, 'worker exit after stop');
  assert.equal(exit.code, 0, w.stderr());
  assert.equal(w.events.at(-1)?.type, 'done');
});
