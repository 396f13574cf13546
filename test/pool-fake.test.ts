import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it, mock } from 'node:test';
import type { WorkerEvent } from '../src/protocol/events.js';
import { fakeTask, isAlive, makePool, shutdownPools, task, until } from './pool-helpers.js';

afterEach(async () => {
  mock.timers.reset();
  await shutdownPools();
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
      assert.equal(task(waiting, 'cam').phase, 'restarting');
      assert.equal(waiting.workers[0].state, 'idle', 'a camera waiting to restart holds no worker slot');
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

  it('retries an unreachable camera forever and shows it offline, while the files queued behind it take the worker slot', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    const pool = makePool({
      workerCount: 1,
      tasks: [fakeTask('cam', 'fail=SOURCE_UNREACHABLE', 'camera'), fakeTask('a', 'events=3;crossings=1'), fakeTask('b', 'events=3;crossings=2')],
      offlineBackoff: { baseMs: 1000, maxMs: 4000 },
      restartLimit: { count: 5, windowMs: 60_000 },
    });
    pool.begin();
    const offline = await until(pool, (s) => task(s, 'cam').phase === 'offline');
    assert.equal(task(offline, 'cam').state, 'processing');
    assert.match(task(offline, 'cam').reason!, /SOURCE_UNREACHABLE: scripted SOURCE_UNREACHABLE/);
    const running = await until(pool, (s) => s.workers[0].task === 'a');
    assert.equal(task(running, 'cam').phase, 'offline', 'the camera waits without its slot while file a runs');
    await until(pool, (s) => task(s, 'a').state === 'completed');
    // Far more attempts than the crash limit allows: an offline camera is never given up. Each retry takes the slot
    // for a moment, so file b gets it in between.
    for (let attempt = 2; attempt <= 9; attempt++) {
      mock.timers.tick(4000);
      await until(pool, (s) => task(s, 'cam').restarts >= attempt && task(s, 'cam').phase === 'offline');
    }
    const later = await until(pool, (s) => task(s, 'b').state === 'completed');
    const cam = task(later, 'cam');
    assert.deepEqual([cam.state, cam.phase], ['processing', 'offline']);
    assert.ok(cam.retryAt! > Date.now(), 'the next attempt is in the future');
    assert.ok(cam.logs.some((l) => /offline: SOURCE_UNREACHABLE.*attempt \d+ in \d/.test(l)));
    pool.stop('cam');
    const stopped = task(pool.snapshot(), 'cam');
    assert.equal(stopped.state, 'completed');
    assert.match(stopped.reason!, /stopped by user while offline/);
    assert.deepEqual([task(later, 'a').in, task(later, 'b').in], [1, 2]);
  });

  it('fails a camera at once on a setup error: no restart can fix a bad argument', async () => {
    const pool = makePool({ tasks: [fakeTask('cam', 'fail=BAD_ARGUMENT', 'camera')] });
    pool.begin();
    const end = await until(pool, (s) => s.finished);
    assert.deepEqual([task(end, 'cam').state, task(end, 'cam').restarts], ['error', 0]);
    assert.match(task(end, 'cam').reason!, /BAD_ARGUMENT/);
  });

  it('keeps a bounded amount of a child that floods its stdout and stderr', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'pcount-flood-'));
    const rounds = 3000;
    const pool = makePool({
      tasks: [fakeTask('flood', `flood=${rounds}`, 'camera')],
      outputDir: out,
      autoExport: false,
      limits: { logLines: 50, samples: 100, crossings: 1000 },
    });
    pool.begin();
    // The child writes 3 events and a stderr line per round, then one 1 MB line without an end.
    const s = await until(pool, (x) => task(x, 'flood').in === rounds && task(x, 'flood').logs.some((l) => l.includes('line too long, dropped')));
    const flood = task(s, 'flood');
    assert.equal(flood.logs.length, 50, 'the log pane keeps its last 50 lines');
    assert.equal(flood.logs.filter((l) => l.includes('line too long')).length, 1, 'the overlong line is reported once, not kept');
    const files = await pool.exportResults(path.join(out, 'export'));
    const crossings = readFileSync(files.find((f) => f.endsWith('crossings.ndjson'))!, 'utf8').trimEnd().split('\n');
    assert.equal(crossings.length, 1000, 'the newest 1000 crossings are kept for the export');
    assert.equal(JSON.parse(crossings.at(-1)!).track, rounds);
    const results = JSON.parse(readFileSync(files.find((f) => f.endsWith('results.json'))!, 'utf8')) as { detailed_results: { crossings_dropped: number; total_in: number }[] };
    assert.deepEqual([results.detailed_results[0].crossings_dropped, results.detailed_results[0].total_in], [rounds - 1000, rounds], 'the export says what it lacks; the counts are whole');
    const csvRows = readFileSync(files.find((f) => f.endsWith('flood.csv'))!, 'utf8').trimEnd().split('\n').length - 1;
    assert.ok(csvRows <= 100, `${csvRows} samples: progress reports closer than 0.5 s add none`);
  });

  it('escapes the control characters a child prints, in the log pane, the log files and the events it passes on', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'pcount-evil-'));
    const pool = makePool({ tasks: [fakeTask('evil', 'evil=1;events=2')], outputDir: out, autoExport: false });
    const events: WorkerEvent[] = [];
    pool.onEvent((ev) => events.push(ev));
    pool.begin();
    const end = await until(pool, (s) => s.finished);
    await pool.shutdown();
    const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    const logs = task(end, 'evil').logs;
    assert.ok(logs.every((l) => !CONTROL.test(l) && !l.includes('\n')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('ok\\n2026-01-01T00:00:00.000Z ERROR [other] forged line\\x1b]0;pwned\\x07\\x9b2J')), 'shown escaped, on one line');
    assert.ok(logs.some((l) => l.includes('\\x1b[2J\\x1b]0;title\\x07cleared the screen')));
    for (const name of readdirSync(path.join(out, 'logs'))) {
      const text = readFileSync(path.join(out, 'logs', name), 'utf8');
      assert.ok(!CONTROL.test(text), `${name} holds no control character`);
      for (const line of text.trimEnd().split('\n')) assert.doesNotMatch(line, /^2026-01-01T00:00:00\.000Z/, `${name}: no forged line`);
    }
    const strings = events.flatMap((e) => Object.values(e).filter((v): v is string => typeof v === 'string'));
    assert.ok(strings.some((v) => v.includes('forged line')));
    assert.ok(strings.every((v) => !CONTROL.test(v) && !v.includes('\n')), 'no control character in the events passed on');
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
