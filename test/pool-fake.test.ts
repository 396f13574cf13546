import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { backoffDelay } from '../src/orchestrator/backoff.js';
import { Pool, type PoolOptions } from '../src/orchestrator/pool.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { fakeTask, fakeWorker, isAlive, task, until } from './pool-helpers.js';

const pools: Pool[] = [];

function makePool(opts: Partial<PoolOptions> & Pick<PoolOptions, 'tasks'>): Pool {
  const pool = new Pool({ workerCount: 2, outputDir: null, command: fakeWorker, cpus: 4, random: () => 0, logLevel: 'debug', ...opts });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  mock.timers.reset();
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
});

describe('pool with a fake worker', () => {
  it('runs at most worker_count children, queues the rest in order, and shares the CPUs fairly', async () => {
    const pool = makePool({
      tasks: [fakeTask('a', 'events=4;crossings=2'), fakeTask('b', 'events=4;crossings=1'), fakeTask('c', 'events=3;crossings=3')],
    });
    let maxActive = 0;
    const started: string[] = [];
    const argv = new Map<string, string[]>();
    pool.subscribe(() => (maxActive = Math.max(maxActive, pool.snapshot().active)));
    pool.onEvent((ev) => {
      if (ev.type === 'hello') started.push(ev.task);
      if (ev.type === 'log' && ev.message.startsWith('argv ')) argv.set(ev.task, JSON.parse(ev.message.slice(5)) as string[]);
    });
    pool.begin();
    const first = pool.snapshot();
    assert.deepEqual(
      first.tasks.map((t) => t.state),
      ['processing', 'processing', 'pending'],
    );
    assert.equal(first.queued, 1);
    const end = await until(pool, (s) => s.finished);
    assert.equal(maxActive, 2);
    assert.equal(started[2], 'c');
    assert.deepEqual(
      end.tasks.map((t) => [t.id, t.state, t.in, t.out]),
      [
        ['a', 'completed', 2, 0],
        ['b', 'completed', 1, 0],
        ['c', 'completed', 3, 0],
      ],
    );
    const threads = (id: string) => argv.get(id)![argv.get(id)!.indexOf('--threads') + 1];
    assert.deepEqual(['a', 'b', 'c'].map(threads), ['2', '2', '2'], 'two children at a time share 4 CPUs');
    assert.deepEqual(argv.get('a')!.slice(argv.get('a')!.indexOf('--line'), argv.get('a')!.indexOf('--line') + 2), ['--line', '0.5,0,0.5,1,door']);
    assert.equal(end.tasks[0].progress, 1);
  });

  it('reassembles lines split across chunks, sets task on every event, and logs stray output and invalid events', async () => {
    const pool = makePool({ tasks: [fakeTask('split', 'events=3;crossings=2;split=1;noise=1')] });
    const events: WorkerEvent[] = [];
    let argv: string[] = [];
    pool.onEvent((ev) => {
      if (ev.type === 'log' && ev.message.startsWith('argv ')) argv = JSON.parse(ev.message.slice(5)) as string[];
    });
    pool.onEvent((ev) => events.push(ev));
    pool.begin();
    const end = await until(pool, (s) => s.finished);
    const t = task(end, 'split');
    assert.equal(t.state, 'completed');
    assert.equal(t.in, 2);
    assert.deepEqual(t.lines, [{ name: 'door', in: 2, out: 0 }]);
    assert.deepEqual(
      events.map((e) => e.type).filter((x) => x !== 'log'),
      ['hello', 'crossing', 'progress', 'crossing', 'progress', 'progress', 'done'],
    );
    assert.ok(events.every((e) => e.task === 'split'));
    assert.equal(argv[argv.indexOf('--threads') + 1], '4', 'a child alone gets every CPU');
    assert.ok(t.logs.some((l) => l.includes('WARN') && l.includes('this is not json')));
    assert.ok(t.logs.some((l) => l.includes('a warning on stderr')));
    assert.ok(t.logs.some((l) => /WARN {2}invalid event \(.*\/frame must be integer.*"frame":"one"/.test(l)));
  });

  it('marks a failing file task as error and lets the others finish', async () => {
    const pool = makePool({
      workerCount: 1,
      tasks: [fakeTask('crashes', 'events=2;end=crash'), fakeTask('quits', 'events=1;end=silent-exit'), fakeTask('fine', 'events=3;crossings=1')],
    });
    pool.begin();
    const end = await until(pool, (s) => s.finished);
    assert.deepEqual(
      end.tasks.map((t) => t.state),
      ['error', 'error', 'completed'],
    );
    assert.match(task(end, 'crashes').reason!, /FAKE_CRASH: scripted crash/);
    assert.match(task(end, 'quits').reason!, /without reporting done/);
    assert.equal(task(end, 'fine').in, 1);
    assert.equal(end.failed, 2);
    assert.ok(end.workers.every((w) => w.state === 'idle'));
  });

  it('restarts a crashing camera with exponential backoff, keeps its counts, and gives up after 5 restarts in 60 s', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    const pool = makePool({
      tasks: [fakeTask('cam', 'events=1;crossings=1;end=crash', 'camera')],
      backoff: { baseMs: 1000, maxMs: 30_000 },
      restartLimit: { count: 5, windowMs: 60_000 },
    });
    pool.begin();
    // random() = 0 gives the lower end of the jitter: half of 1, 2, 4, 8, 16 s.
    const expected = [500, 1000, 2000, 4000, 8000];
    for (const [i, delay] of expected.entries()) {
      const waiting = await until(pool, (s) => task(s, 'cam').restarts === i + 1);
      assert.equal(task(waiting, 'cam').state, 'processing');
      assert.equal(task(waiting, 'cam').backoff, true);
      assert.equal(waiting.workers[0].state, 'error');
      assert.equal(waiting.active, 0);
      mock.timers.tick(delay - 1);
      assert.equal(pool.snapshot().active, 0, `restart ${i + 1} waits ${delay} ms`);
      mock.timers.tick(1);
      assert.equal(pool.snapshot().active, 1);
    }
    const gaveUp = await until(pool, (s) => task(s, 'cam').state === 'error');
    const cam = task(gaveUp, 'cam');
    assert.match(cam.reason!, /gave up after 5 restarts in 60 s/);
    assert.equal(cam.in, 6, 'each of the 6 children counted one person, carried across restarts');
    assert.equal(cam.restarts, 5);

    pool.restart('cam');
    const again = await until(pool, (s) => task(s, 'cam').state === 'processing' && s.active === 1);
    assert.equal(task(again, 'cam').restarts, 0);
    assert.equal(task(again, 'cam').in, 0);
  });

  it('forgets restarts older than the window', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    const pool = makePool({
      tasks: [fakeTask('cam', 'events=1;end=crash', 'camera')],
      backoff: { baseMs: 1000, maxMs: 1000 },
      restartLimit: { count: 2, windowMs: 10_000 },
    });
    pool.begin();
    for (let i = 1; i <= 4; i++) {
      await until(pool, (s) => task(s, 'cam').restarts === i);
      // 500 ms of backoff, then 6 s of running before the next crash: only ever one earlier restart in a 10 s window.
      mock.timers.tick(6_500);
    }
    assert.equal(task(pool.snapshot(), 'cam').state, 'processing');
  });

  it('kills and restarts a camera that stalls, and fails a file that stalls', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    const pool = makePool({
      tasks: [fakeTask('cam', 'events=1;end=stall', 'camera'), fakeTask('file', 'events=1;end=stall')],
      stallTimeoutMs: 5000,
    });
    pool.begin();
    await until(pool, (s) => s.tasks.every((t) => t.frames === 1));
    const pids = pool.snapshot().workers.map((w) => w.pid!);
    mock.timers.tick(5000);
    const s = await until(pool, (x) => task(x, 'file').state === 'error' && task(x, 'cam').restarts === 1);
    assert.match(task(s, 'file').reason!, /no event from the worker for 5 s/);
    assert.equal(task(s, 'cam').state, 'processing');
    assert.ok(pids.every((pid) => !isAlive(pid)));
  });

  it('gives a starting worker the longer start-up time-out until its hello', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    const pool = makePool({ tasks: [fakeTask('slow', 'hello=never')], stallTimeoutMs: 5000, startupTimeoutMs: 20_000 });
    pool.begin();
    await until(pool, (s) => task(s, 'slow').logs.some((l) => l.includes('argv')));
    mock.timers.tick(19_999);
    assert.equal(task(pool.snapshot(), 'slow').state, 'processing');
    mock.timers.tick(1);
    const s = await until(pool, (x) => task(x, 'slow').state === 'error');
    assert.equal(task(s, 'slow').reason, 'the worker did not start within 20 s');
  });

  it('stops gracefully and keeps the counts; SIGKILLs a child that ignores the stop', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    const pool = makePool({
      tasks: [fakeTask('polite', 'events=2;crossings=2;end=forever', 'camera'), fakeTask('deaf', 'events=1;crossings=1;end=forever;onstop=ignore', 'camera')],
      stopTimeoutMs: 3000,
    });
    pool.begin();
    await until(pool, (s) => task(s, 'polite').in === 2 && task(s, 'deaf').in === 1);
    const deafPid = pool.snapshot().workers[1].pid!;
    pool.stop('polite');
    pool.stop('deaf');
    const polite = await until(pool, (s) => task(s, 'polite').state === 'completed');
    assert.equal(task(polite, 'polite').reason, 'stopped by user');
    assert.equal(task(polite, 'polite').in, 2);
    assert.equal(task(polite, 'deaf').state, 'processing');
    mock.timers.tick(2999);
    assert.equal(task(pool.snapshot(), 'deaf').state, 'processing');
    mock.timers.tick(1);
    const deaf = await until(pool, (s) => task(s, 'deaf').state === 'completed');
    assert.equal(task(deaf, 'deaf').reason, 'stopped by user (killed after the stop time-out)');
    assert.equal(task(deaf, 'deaf').in, 1);
    assert.equal(isAlive(deafPid), false);
  });

  it('cancels a queued task without running it, and a running one with its counts kept', async () => {
    const pool = makePool({
      workerCount: 1,
      tasks: [fakeTask('running', 'events=1;crossings=1;end=forever'), fakeTask('queued', 'events=1')],
    });
    const spawned: string[] = [];
    pool.onEvent((ev) => ev.type === 'hello' && spawned.push(ev.task));
    pool.begin();
    pool.cancel('queued');
    await until(pool, (s) => task(s, 'running').in === 1);
    pool.cancel('running');
    const end = await until(pool, (s) => s.finished);
    assert.deepEqual(
      end.tasks.map((t) => [t.state, t.reason]),
      [
        ['cancelled', 'cancelled by user'],
        ['cancelled', 'cancelled before it started'],
      ],
    );
    assert.equal(task(end, 'running').in, 1);
    assert.deepEqual(spawned, ['running']);
  });

  it('re-runs a finished task on start, and rejects commands that do not apply', async () => {
    const pool = makePool({ workerCount: 1, tasks: [fakeTask('again', 'events=2;crossings=1')] });
    let hellos = 0;
    pool.onEvent((ev) => ev.type === 'hello' && hellos++);
    pool.begin();
    await until(pool, (s) => s.finished);
    pool.stop('again');
    assert.match(task(pool.snapshot(), 'again').logs.at(-1)!, /cannot stop a completed task/);
    pool.start('again');
    assert.equal(task(pool.snapshot(), 'again').state, 'processing');
    const end = await until(pool, (s) => s.finished);
    assert.equal(hellos, 2);
    assert.equal(task(end, 'again').in, 1, 'counts start from zero on a re-run');
  });

  it('restarts a running task from zero in the same slot', async () => {
    const pool = makePool({ workerCount: 1, tasks: [fakeTask('r', 'events=1;crossings=1;end=forever'), fakeTask('next', 'events=1')] });
    pool.begin();
    await until(pool, (s) => task(s, 'r').in === 1);
    const firstPid = pool.snapshot().workers[0].pid;
    pool.restart('r');
    const s = await until(pool, (x) => x.workers[0].pid !== firstPid && x.workers[0].pid !== null && task(x, 'r').in === 1);
    assert.equal(task(s, 'r').state, 'processing');
    assert.equal(task(s, 'next').state, 'pending', 'the queued task still waits');
  });

  it('shutdown stops every child, cancels what did not finish, and leaves no process', async () => {
    const pool = makePool({
      workerCount: 2,
      stopTimeoutMs: 500,
      tasks: [fakeTask('cam', 'end=forever', 'camera'), fakeTask('file', 'events=100000;onstop=ignore'), fakeTask('waiting', 'events=1')],
    });
    pool.begin();
    const running = await until(pool, (s) => s.workers.every((w) => w.pid !== null) && s.tasks.slice(0, 2).every((t) => (t.frames ?? 0) > 0));
    const pids = running.workers.map((w) => w.pid!);
    await pool.shutdown();
    const end = pool.snapshot();
    assert.deepEqual(
      end.tasks.map((t) => t.state),
      ['completed', 'cancelled', 'cancelled'],
    );
    assert.ok(end.workers.every((w) => w.state === 'stopped'));
    assert.ok(pids.every((pid) => !isAlive(pid)), 'no child left');
  });

  it('samples the CPU and memory of the running children from /proc', async () => {
    const pool = makePool({ tasks: [fakeTask('busy', 'end=forever;interval=1')], sampleIntervalMs: 100 });
    pool.begin();
    const s = await until(pool, (x) => x.childRssBytes > 0 && x.childCpuPercent > 0);
    assert.ok(s.workers[0].rssBytes! > 10 * 1024 * 1024, 'a node child uses more than 10 MB');
    assert.ok(s.childCpuPercent < 100 * 4 + 1);
  });
});

describe('backoff delay', () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };
  it('doubles per attempt, stays within [d/2, d], and is capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, () => 0)),
      [500, 1000, 2000, 4000, 8000, 15_000, 15_000],
    );
    assert.deepEqual(
      [1, 2, 3, 6].map((n) => backoffDelay(n, policy, () => 1)),
      [1000, 2000, 4000, 30_000],
    );
    assert.equal(backoffDelay(3, policy, () => 0.5), 3000);
  });
});
