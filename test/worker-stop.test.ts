import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { DoneEvent, ErrorEvent, WorkerEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { killLater, spawnWorker, vtest, within, type WorkerChild } from './worker-harness.js';

const VTEST_FRAMES = 795;

/** Starts a worker on the whole of vtest.avi and waits until it is counting (a few frames in). */
async function countingWorker(t: { after: (fn: () => void) => void }, stdin: 'pipe' | 'ignore' = 'ignore') {
  const w = spawnWorker(['--source', vtest, '--emit-tracks'], { stdin });
  t.after(killLater(w.child));
  await w.waitFor((e) => e.type === 'tracks' && e.frame >= 3, 20_000, 'the third frame');
  return w;
}

async function expectGracefulDone(w: WorkerChild) {
  const exit = await within(w.exited, 10_000, 'worker exit');
  assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}; stderr: ${w.stderr()}`);
  const last = w.events.at(-1) as WorkerEvent;
  assert.equal(last.type, 'done', 'done is the last line');
  const done = last as DoneEvent;
  assert.equal(done.reason, 'stopped');
  assert.ok(done.frames >= 3 && done.frames < VTEST_FRAMES, `stopped early, after ${done.frames} frames`);
  const lastTracks = w.events.filter((e) => e.type === 'tracks').at(-1);
  assert.equal(lastTracks?.type === 'tracks' && lastTracks.frame, done.frames, 'the frame in hand was finished and counted');
  for (const line of w.lines) assert.ok(validateEvent(JSON.parse(line)).ok, line);
  assert.equal(w.stderr(), '');
}

test('SIGTERM: finish the frame in hand, write done, exit 0', async (t) => {
  const w = await countingWorker(t);
  w.child.kill('SIGTERM');
  await expectGracefulDone(w);
});

test('SIGINT: same as SIGTERM', async (t) => {
  const w = await countingWorker(t);
  w.child.kill('SIGINT');
  await expectGracefulDone(w);
});

test('{"cmd":"stop"} on stdin: same as SIGTERM', async (t) => {
  const w = await countingWorker(t, 'pipe');
  w.child.stdin!.write('{"cmd":"stop"}\n');
  await expectGracefulDone(w);
});

test('stdout closed by the reader (EPIPE): quiet exit, no stack trace', async (t) => {
  const w = await countingWorker(t);
  // What `| head -n 3` does: the reading end of the pipe goes away while the worker keeps writing.
  w.child.stdout!.destroy();
  const exit = await within(w.exited, 10_000, 'worker exit');
  assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}; stderr: ${w.stderr()}`);
  assert.equal(w.stderr(), '', 'nothing on stderr');
});

test('ffmpeg dying in the middle of a file: fatal error, then done with the counts so far, exit 1', async (t) => {
  const w = await countingWorker(t);
  const pid = w.child.pid!;
  const ffmpeg = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(ffmpeg.length, 1, 'the worker runs one ffmpeg');
  process.kill(ffmpeg[0], 'SIGKILL');
  const exit = await within(w.exited, 10_000, 'worker exit');
  assert.equal(exit.code, 1);
  const [error, done] = w.events.slice(-2) as [ErrorEvent, DoneEvent];
  assert.equal(error.type, 'error');
  assert.equal(error.code, 'FFMPEG_FAILED');
  assert.equal(error.fatal, true);
  assert.equal(done.type, 'done');
  assert.ok(done.frames >= 3 && done.frames < VTEST_FRAMES);
  assert.match(w.stderr(), /FFMPEG_FAILED/);
});

test('SIGTERM while a silent stream is still opening: done at once, exit 0, no waiting for the time-out', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((sock) => sockets.push(sock));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    sockets.forEach((s) => s.destroy());
    silent.close();
  });
  const w = spawnWorker(['--source', `rtsp://127.0.0.1:${(silent.address() as { port: number }).port}/x`, '--stall-timeout', '60']);
  t.after(killLater(w.child));
  // ffmpeg has connected and waits for an answer that never comes.
  const connecting = async () => {
    while (sockets.length === 0) await new Promise((r) => setTimeout(r, 50));
  };
  await within(connecting(), 20_000, 'the worker connecting to the silent server');
  const asked = performance.now();
  w.child.kill('SIGTERM');
  const exit = await within(w.exited, 5_000, 'worker exit');
  assert.equal(exit.code, 0, w.stderr());
  assert.ok(performance.now() - asked < 4000);
  const done = w.events.at(-1) as DoneEvent;
  assert.equal(done.type, 'done');
  assert.equal(done.frames, 0);
  assert.equal(w.stderr(), '');
});
