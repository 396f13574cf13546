import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Pool } from '../src/orchestrator/pool.js';
import type { PoolOptions } from '../src/orchestrator/pool-options.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { buildReport } from '../src/store/report.js';
import { Store } from '../src/store/store.js';
import { fakeTask, fakeWorker, task, until } from './pool-helpers.js';

/** The pool with the fake worker and a real store: what reaches the listeners, and what the store holds. */
function makePool(dir: string, opts: Partial<PoolOptions>) {
  const store = Store.open(path.join(dir, 'pcount.db'));
  const pool = new Pool({ workerCount: 2, outputDir: dir, command: fakeWorker, cpus: 2, random: () => 0, store, tasks: [], ...opts });
  const shown: WorkerEvent[] = [];
  pool.onEvent((e) => shown.push(e));
  return { pool, store, shown };
}

describe('pool with a store', () => {
  it('stores each crossing before any listener sees it, and shows the totals of the store', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-pool-store-'));
    const { pool, store, shown } = makePool(dir, { tasks: [fakeTask('film', 'events=5;crossings=4')] });
    const count = store.db.prepare(`SELECT count(*) FROM crossings`).pluck();
    const storedWhenShown: number[] = [];
    pool.onEvent((e) => e.type === 'crossing' && storedWhenShown.push(Number(count.get())));
    pool.begin();
    await until(pool, (s) => s.finished);
    await pool.shutdown();
    assert.deepEqual(storedWhenShown, [1, 2, 3, 4], 'the n-th crossing was the n-th row when it was shown');
    const done = shown.find((e) => e.type === 'done')!;
    assert.deepEqual([done.type === 'done' && done.in, task(pool.snapshot(), 'film').in], [4, 4]);
    store.close();
  });

  it('a camera whose run died continues its totals in the next run; a re-run with s never overwrites the earlier results', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-pool-store-'));
    const cam = fakeTask('cam', 'events=3;crossings=3;end=forever', 'camera');
    const film = fakeTask('film', 'events=3;crossings=2');
    // First run: the process "dies" (no shutdown, nothing ended in the store) while the camera runs.
    const first = makePool(dir, { tasks: [cam, film] });
    first.pool.begin();
    await until(first.pool, (s) => task(s, 'cam').in === 3 && task(s, 'film').state === 'completed');
    // What the death of the parent does to its workers: each group is killed at once.
    for (const w of first.pool.snapshot().workers) if (w.pid) process.kill(-w.pid, 'SIGKILL');
    first.store.close();
    // The dead process writes nothing more: its store is closed before the pool lets go of its timers.
    await first.pool.shutdown();

    const second = makePool(dir, { tasks: [cam, film] });
    assert.deepEqual(second.pool.resumed(), [{ task: 'cam', note: 'continues its count from the store: 3 in, 0 out, occupancy 3' }]);
    second.pool.begin();
    await until(second.pool, (s) => task(s, 'cam').in === 6 && task(s, 'film').state === 'completed');
    second.pool.stop('cam');
    await until(second.pool, (s) => s.finished && s.lastExport?.files.length === 4);
    await new Promise((r) => setTimeout(r, 50));
    const firstFolder = second.pool.snapshot().run!.folder;
    const results = () => JSON.parse(readFileSync(path.join(firstFolder, 'results.json'), 'utf8')) as Record<string, any>;
    const before = readFileSync(path.join(firstFolder, 'results.json'), 'utf8');
    assert.deepEqual(results().detailed_results.map((r: Record<string, unknown>) => [r.id, r.total_in]), [['cam', 6], ['film', 2]]);

    // s on the finished file, then x at once: the earlier results stay, the re-run goes to a new run folder.
    second.pool.start('film');
    await until(second.pool, (s) => task(s, 'film').state === 'processing');
    second.pool.stop('film');
    await until(second.pool, (s) => s.finished && s.lastExport?.dir !== firstFolder && s.lastExport?.error === null);
    await second.pool.shutdown();
    assert.equal(readFileSync(path.join(firstFolder, 'results.json'), 'utf8'), before);
    const newFolder = second.pool.snapshot().run!.folder;
    assert.notEqual(newFolder, firstFolder);
    assert.equal(readdirSync(path.join(dir, 'runs')).length, 3, 'the dead run, the finished one, the re-run');
    assert.equal(realpathSync(path.join(dir, 'latest')), realpathSync(newFolder));
    second.store.close();
  });

  it('s on a finished file while a camera counts: a fresh pass with its own results, the earlier pass kept beside them', async () => {
    // Was: the run folder is not final while the camera runs, so the re-run reset the file's results in it; the next
    // export held only the new pass (its first pass was left only in the store).
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-pool-store-'));
    const { pool, store } = makePool(dir, { tasks: [fakeTask('cam', 'events=3;crossings=1;end=forever', 'camera'), fakeTask('film', 'events=3;crossings=2')] });
    pool.begin();
    await until(pool, (s) => task(s, 'film').state === 'completed' && task(s, 'cam').in === 1);
    const folder = pool.snapshot().run!.folder;
    pool.start('film');
    await until(pool, (s) => task(s, 'film').logs.some((l) => /its earlier results are kept in /.test(l)));
    await until(pool, (s) => task(s, 'film').state === 'completed');
    await pool.shutdown();
    assert.equal(pool.snapshot().run!.folder, folder, 'the run goes on in its folder');
    const [kept] = readdirSync(path.join(folder, 'earlier'));
    assert.match(kept, /^film-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const earlier = JSON.parse(readFileSync(path.join(folder, 'earlier', kept, 'results.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(earlier.detailed_results.map((r: Record<string, unknown>) => [r.id, r.status, r.total_in]), [['film', 'completed', 2]]);
    assert.equal(readFileSync(path.join(folder, 'earlier', kept, 'crossings.ndjson'), 'utf8').trim().split('\n').length, 2);
    assert.ok(readFileSync(path.join(folder, 'earlier', kept, 'film.csv'), 'utf8').startsWith('timestamp,'));
    // The run's own exports: the camera and the new pass of the file, whose start is after the earlier one's end.
    const now = JSON.parse(readFileSync(path.join(folder, 'results.json'), 'utf8')) as Record<string, any>;
    const film = now.detailed_results.find((r: Record<string, unknown>) => r.id === 'film');
    assert.deepEqual([film.status, film.total_in], ['completed', 2]);
    assert.ok(film.started_at >= earlier.detailed_results[0].ended_at, `${film.started_at} after ${earlier.detailed_results[0].ended_at}`);
    // The store holds both passes of the file, as two task runs.
    assert.equal(store.db.prepare(`SELECT count(*) FROM task_runs WHERE task = 'film'`).pluck().get(), 2);
    store.close();
  });

  it('crossings a crashed worker left pending say interrupted in the run\'s events and exports, as in the store', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-pool-store-'));
    const film = fakeTask('film', 'events=3;crossings=2;pending=1;end=crash');
    const { pool, store, shown } = makePool(dir, { tasks: [{ ...film, options: { ...film.options, demographics: { enabled: true } } }] });
    pool.begin();
    await until(pool, (s) => s.finished && s.lastExport?.error === null);
    await pool.shutdown();
    const said = shown.filter((e) => e.type === 'demographics').map((e) => [e.seq, e.line, e.gender, e.reason]);
    assert.deepEqual(said, [[1, 'door', null, 'interrupted'], [2, 'door', null, 'interrupted']]);
    const reasons = store.db.prepare(`SELECT json_extract(attributes, '$.reason') FROM crossings ORDER BY seq`).pluck().all();
    assert.deepEqual(reasons, ['interrupted', 'interrupted']);
    const exported = readFileSync(path.join(pool.snapshot().run!.folder, 'crossings.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason?: string });
    assert.deepEqual(exported.map((c) => c.reason), ['interrupted', 'interrupted']);
    store.close();
  });

  it('lines changed while a camera runs: crossings on the new line are stored and reported, and a resume with them continues', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-pool-store-'));
    const cam = fakeTask('cam', 'events=1;interval=30;crossings=1000;end=forever', 'camera');
    const gate = { name: 'gate', points: [0, 0.5, 1, 0.5] as [number, number, number, number] };
    const first = makePool(dir, { tasks: [cam] });
    first.pool.begin();
    await until(first.pool, (s) => task(s, 'cam').in >= 2);
    first.pool.setLines('cam', [gate]);
    const moved = await until(first.pool, (s) => (task(s, 'cam').lines.find((l) => l.name === 'gate')?.in ?? 0) >= 2);
    const shown = task(moved, 'cam').lines;
    // The parent dies: nothing is ended in the store.
    for (const w of first.pool.snapshot().workers) if (w.pid) process.kill(-w.pid, 'SIGKILL');
    const stored = first.store.db.prepare(`SELECT line, count(*) AS n FROM crossings GROUP BY line ORDER BY line`).all() as { line: string; n: number }[];
    assert.deepEqual(stored.map((r) => r.line), ['door', 'gate']);
    for (const l of shown) assert.ok(stored.find((r) => r.line === l.name)!.n >= l.in, `${l.name}: what was shown is stored`);
    const run = first.store.db.prepare(`SELECT lines FROM task_runs ORDER BY id DESC LIMIT 1`).get() as { lines: string };
    assert.deepEqual(JSON.parse(run.lines), [gate], 'the task run records the lines it counts on now');
    const report = buildReport(first.store, { bucket: '1d', zone: 'UTC', now: Date.now() });
    const reported = (line: string) => report.rows.filter((r) => r.line === line).reduce((n, r) => n + r.in, 0);
    assert.deepEqual([reported('door'), reported('gate')], [stored[0].n, stored[1].n]);
    first.store.close();
    await first.pool.shutdown();

    // The next run has the lines the editor saved: the camera's count goes on. With the old lines it would start anew.
    const same = makePool(dir, { tasks: [{ ...cam, lines: [gate] }] });
    assert.match(same.pool.resumed()[0]?.note ?? '', /continues its count from the store/);
    same.store.close();
    await same.pool.shutdown();
  });
});
