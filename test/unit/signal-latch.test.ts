import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { SignalLatch } from '../../src/common/signal-latch.js';

/** A process whose signals are emitted by hand and whose kill() is recorded. */
class FakeProcess extends EventEmitter {
  readonly pid = 4242;
  readonly kills: [number, string][] = [];
  kill(pid: number, signal: string): true {
    this.kills.push([pid, signal]);
    return true;
  }
}

const latchOn = (proc: FakeProcess) => new SignalLatch(proc as unknown as NodeJS.Process);

test('holds the first stop signal until taken, then stops listening; later ones (a dependency raises each again) change nothing', () => {
  const proc = new FakeProcess();
  const latch = latchOn(proc);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) assert.equal(proc.listenerCount(signal), 1, signal);
  proc.emit('SIGTERM');
  proc.emit('SIGTERM');
  proc.emit('SIGINT');
  assert.equal(latch.take(), 'SIGTERM');
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) assert.equal(proc.listenerCount(signal), 0, signal);
  assert.equal(latch.take(), null, 'only the first caller acts on it');
  latch.release();
  assert.deepEqual(proc.kills, [], 'a signal taken is not raised again');
});

test('take() without a signal heard is null', () => {
  const proc = new FakeProcess();
  assert.equal(latchOn(proc).take(), null);
});

test('release() gives a held signal back its usual effect: raised again at this process; nothing when none came', () => {
  const proc = new FakeProcess();
  const held = latchOn(proc);
  proc.emit('SIGINT');
  held.release();
  assert.deepEqual(proc.kills, [[4242, 'SIGINT']]);
  assert.equal(proc.listenerCount('SIGINT'), 0);

  const quiet = new FakeProcess();
  latchOn(quiet).release();
  assert.deepEqual(quiet.kills, []);
});
