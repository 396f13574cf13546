import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Pool } from '../src/orchestrator/pool.js';
import { TaskResults } from '../src/orchestrator/results.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { taskStatus } from '../src/tui/task-status.js';
import { fakeTask as fakeView } from '../src/tui/dev/fake-pool.js';
import { fakeTask, makePool, shutdownPools, task, until } from './pool-helpers.js';

afterEach(shutdownPools);

const argvLines = (s: ReturnType<Pool['snapshot']>, id: string) => task(s, id).logs.filter((l) => l.includes('argv'));

describe('pool: pictures and lines for the dashboard', () => {
  it('asks a worker for pictures only while watched, keeps them out of the event stream, and asks every new child again', async () => {
    const pool = makePool({ tasks: [fakeTask('cam', 'events=3;interval=30;end=crash', 'camera')], backoff: { baseMs: 50, maxMs: 50 } });
    const seen: WorkerEvent[] = [];
    pool.onEvent((e) => seen.push(e));
    pool.begin();
    await until(pool, (s) => s.active === 1);
    assert.equal(pool.preview('cam'), null);
    pool.setPreview('cam', { width: 80, height: 40, intervalMs: 500 });
    await until(pool, () => pool.preview('cam') !== null);
    const first = pool.preview('cam')!;
    assert.equal(first.type, 'preview');
    // The child crashes and a new one starts: it gets the request too, its own picture replaces the old one.
    await until(pool, (s) => task(s, 'cam').restarts === 1 && s.active === 1);
    await until(pool, () => pool.preview('cam') !== null && pool.preview('cam') !== first);
    assert.equal(seen.filter((e) => e.type === 'preview').length, 0, 'pictures never reach the merged events (headless, store)');
    pool.setPreview('cam', null);
    assert.equal(pool.preview('cam'), null);
  });

  it('sends new lines to the running worker, shows them at once, logs its answer, and starts later runs with them', async () => {
    const pool = makePool({ tasks: [fakeTask('cam', 'events=4;interval=40;end=crash', 'camera')], backoff: { baseMs: 50, maxMs: 50 } });
    pool.begin();
    await until(pool, (s) => s.active === 1 && task(s, 'cam').logs.some((l) => l.includes('argv')));
    const lines = [
      { name: 'door', points: [0.4, 0, 0.4, 1] as [number, number, number, number] },
      { name: 'hall', points: [0, 0.5, 1, 0.5] as [number, number, number, number] },
    ];
    pool.setLines('cam', lines);
    const now = task(pool.snapshot(), 'cam');
    assert.deepEqual(now.lineSpecs, lines);
    assert.deepEqual(
      now.lines.map((l) => l.name),
      ['door', 'hall'],
      'the new line shows at once, with zero counts',
    );
    const answered = await until(pool, (s) => task(s, 'cam').logs.some((l) => /INFO {2}lines changed from frame \d+: door 0\.4,0,0\.4,1; hall 0,0\.5,1,0\.5/.test(l)));
    assert.ok(task(answered, 'cam').logs.some((l) => /lines set by the user, sent to the running worker/.test(l)));
    const restarted = await until(pool, (s) => argvLines(s, 'cam').length >= 2);
    assert.match(argvLines(restarted, 'cam').at(-1)!, /"--line","0\.4,0,0\.4,1,door","--line","0,0\.5,1,0\.5,hall"/);
    assert.throws(() => pool.setLines('cam', []), /at least one line/);
    assert.throws(() => pool.setLines('nope', lines), /no task nope/);
  });
});

describe('camera health in the results and the state column', () => {
  const ev = (e: Record<string, unknown>) => ({ v: 1, task: 'cam', ...e }) as WorkerEvent;
  const progress = (ts: number, frame: number) => ev({ type: 'progress', ts, frame, fps: frame ? 10 : 0, in: 0, out: 0, occupancy: 0, tracks: 0, dropped: 0, position: null, duration: null, lines: [] });

  it('online while frames come; reconnecting with a countdown; offline after 30 s without frames; online again', () => {
    const r = new TaskResults(['door']);
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
    const r = new TaskResults(['door']);
    r.apply(ev({ type: 'done', ts: 1, reason: 'stopped', frames: 5, wall_seconds: 1, avg_fps: 5, dropped: 0, lines: [], in: 0, out: 0 }));
    assert.equal(taskStatus(fakeView('a', { state: 'completed', doneReason: r.doneReason }), 0).text, 'stopped');
    assert.equal(taskStatus(fakeView('a', { state: 'completed', doneReason: 'end' }), 0).text, 'completed');
    assert.equal(taskStatus(fakeView('c', { kind: 'camera', state: 'completed', doneReason: null }), 0).text, 'stopped', 'a camera never ends by itself');
    assert.equal(taskStatus(fakeView('a', { state: 'cancelled' }), 0).text, 'cancelled');
  });
});
