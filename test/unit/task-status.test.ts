import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskResults } from '../../src/orchestrator/results.js';
import type { WorkerEvent } from '../../src/protocol/events.js';
import { Tally } from '../../src/store/tally.js';
import { fakeTask as fakeView } from '../../src/tui/dev/fake-pool.js';
import { taskStatus } from '../../src/tui/task-status.js';

describe('camera health in the results and the state column', () => {
  const ev = (e: Record<string, unknown>) => ({ v: 1, task: 'cam', ...e }) as WorkerEvent;
  const progress = (ts: number, frame: number) => ev({ type: 'progress', ts, frame, fps: frame ? 10 : 0, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] });

  it('online while frames come; reconnecting with a countdown; offline after 30 s without frames; online again', () => {
    const r = new TaskResults(new Tally(['door'], { reset: null, floor: null, zone: 'UTC' }));
    const view = (now: number) => taskStatus(fakeView('cam', { kind: 'camera', state: 'processing', lastFrameAt: r.lastFrameAt, reconnect: r.reconnect, outageSince: r.outageSince }), now).text;
    const t0 = Date.parse('2026-03-01T10:00:00');
    r.apply(progress(t0, 10));
    assert.equal(view(t0 + 200), 'online');
    r.apply(ev({ type: 'reconnect', ts: t0 + 4000, attempt: 1, delay_ms: 2000, reason: 'stream ended' }));
    r.apply(progress(t0 + 4500, 10));
    assert.equal(view(t0 + 4500), 'reconnecting #1 in 2s');
    r.apply(ev({ type: 'reconnect', ts: t0 + 20_000, attempt: 4, delay_ms: 16_000, reason: 'stream ended' }));
    assert.equal(view(t0 + 25_000), 'reconnecting #4 in 11s');
    assert.equal(view(t0 + 31_000), `offline since ${new Date(t0).toTimeString().slice(0, 8)}`, 'since its last frame');
    r.apply(progress(t0 + 40_000, 11));
    assert.equal(view(t0 + 40_100), 'online');
    assert.equal(r.lastFrameAt, t0 + 40_000);
  });

  it('stopped by the user is not completed: the worker\'s done says it was stopped', () => {
    const r = new TaskResults(new Tally(['door'], { reset: null, floor: null, zone: 'UTC' }));
    r.apply(ev({ type: 'done', ts: 1, reason: 'stopped', frames: 5, wall_seconds: 1, avg_fps: 5, dropped: 0, lines: [], in: 0, out: 0 }));
    assert.equal(taskStatus(fakeView('a', { state: 'completed', doneReason: r.doneReason }), 0).text, 'stopped');
    assert.equal(taskStatus(fakeView('a', { state: 'completed', doneReason: 'end' }), 0).text, 'completed');
    assert.equal(taskStatus(fakeView('c', { kind: 'camera', state: 'completed', doneReason: null }), 0).text, 'stopped', 'a camera never ends by itself');
    assert.equal(taskStatus(fakeView('a', { state: 'cancelled' }), 0).text, 'cancelled');
  });
});

describe('a camera the pool waits to try again (the task machine\'s backoff phases)', () => {
  const t0 = Date.parse('2026-03-01T10:00:00');
  const clock = (ts: number) => new Date(ts).toTimeString().slice(0, 8);
  const camera = (fields: Parameters<typeof fakeView>[1]) => fakeView('cam', { kind: 'camera', state: 'processing', ...fields });

  it('restarting after a crash, with the time to the retry', () => {
    assert.equal(taskStatus(camera({ phase: 'restarting', retryAt: t0 + 4_200 }), t0).text, 'restarting in 5s');
    assert.equal(taskStatus(camera({ phase: 'restarting', retryAt: t0 + 4_200 }), t0).tone, 'warn');
  });

  it('offline since its last frame when it had delivered, else offline with the time to the retry', () => {
    const delivered = taskStatus(camera({ phase: 'offline', retryAt: t0 + 8_000, lastFrameAt: t0 - 5_000 }), t0);
    assert.equal(delivered.text, `offline since ${clock(t0 - 5_000)}`);
    assert.equal(delivered.tone, 'bad');
    assert.equal(taskStatus(camera({ phase: 'offline', retryAt: t0 + 8_000, outageSince: t0 - 60_000, lastFrameAt: t0 - 61_000 }), t0).text, `offline since ${clock(t0 - 60_000)}`);
    assert.equal(taskStatus(camera({ phase: 'offline', retryAt: t0 + 8_000 }), t0).text, 'offline, retry in 8s');
  });

  it('a running camera is not offline for a frame that is merely old: only a reconnect or an outage says so', () => {
    assert.equal(taskStatus(camera({ phase: 'running', lastFrameAt: t0 - 40_000 }), t0).text, 'online');
  });
});
