import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Pool } from '../src/orchestrator/pool.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { LocalTransport } from '../src/orchestrator/local-transport.js';
import type { TaskRunner, Transport } from '../src/orchestrator/runner.js';
import { fakeTask, fakeWorker, makePool, shutdownPools, task, until } from './pool-helpers.js';

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

  it('with a transport that cannot reach its workers (a fleet), preview and line edits say so and nothing breaks', async () => {
    // Local fake workers behind a runner without sendCommand: what a fleet's agents look like to the controller.
    const local = new LocalTransport({ command: fakeWorker });
    const transport: Transport = {
      remote: false,
      start(spec, launch, handlers): TaskRunner {
        const r = local.start(spec, launch, handlers);
        return { pid: r.pid, stop: (intent) => r.stop(intent), kill: () => r.kill() };
      },
    };
    const pool = makePool({ tasks: [fakeTask('cam', 'events=30;interval=40;crossings=3', 'camera')], transport });
    pool.begin();
    await until(pool, (s) => s.active === 1 && task(s, 'cam').logs.some((l) => l.includes('argv')));
    pool.setPreview('cam', { width: 80, height: 40, intervalMs: 500 });
    assert.ok(task(pool.snapshot(), 'cam').logs.some((l) => /WARN {2}live preview is not available in fleet mode/.test(l)));
    assert.equal(pool.preview('cam'), null);
    const lines = [{ name: 'hall', points: [0, 0.5, 1, 0.5] as [number, number, number, number] }];
    pool.setLines('cam', lines);
    const after = task(pool.snapshot(), 'cam');
    assert.deepEqual(after.lineSpecs, lines);
    assert.ok(after.logs.some((l) => /lines set by the user, used from the next run \(a running fleet worker cannot change lines\)/.test(l)));
    pool.setPreview('cam', null);
    // The running worker was not told: it goes on counting on the line it started with.
    const counted = await until(pool, (s) => task(s, 'cam').in > 0);
    assert.ok(task(counted, 'cam').lines.find((l) => l.name === 'door')!.in > 0);
  });
});
