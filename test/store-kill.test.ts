import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Store } from '../src/store/store.js';
import { processesMentioning } from './real-clips.js';
import { crossingsOf, eventually, startRun, vtest480, type RunProcess } from './run-process.js';

/** The worker child of a run: the process whose parent is the run and whose command line says `worker`. */
function workerOf(parent: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('\0worker\0')) return Number(name);
    } catch {
      // Gone while we looked.
    }
  }
  return null;
}

interface Totals {
  in: number;
  out: number;
}

const summaryOf = (r: RunProcess) => r.events.find((e) => e.type === 'summary');

/** Every crossing the run printed is in the store, under the task run that was live then. */
function assertPrintedAreStored(dbFile: string, r: RunProcess): number {
  const printed = crossingsOf(r.events);
  const store = Store.open(dbFile);
  try {
    const taskRun = store.latestTaskRun('film')!;
    const rows = store.db.prepare(`SELECT seq, line, track, direction, frame, pts, ts FROM crossings WHERE task_run_id = ? ORDER BY seq`).all(taskRun.id) as Record<string, unknown>[];
    const key = (c: Record<string, unknown>) => JSON.stringify([c.seq, c.line, c.track, c.direction, c.frame, c.pts, c.ts]);
    const stored = new Set(rows.map(key));
    for (const c of printed) assert.ok(stored.has(key(c)), `printed crossing ${key(c)} is in the store`);
    return printed.length;
  } finally {
    store.close();
  }
}

/** The confirmed tracks on screen at the last progress report: people a resume may count differently. */
const onScreen = (r: RunProcess) => r.events.filter((e) => e.type === 'progress').at(-1)?.tracks ?? 0;

describe('crash-proof counts: kill -9, a killed worker, SIGHUP, then resume to the uninterrupted totals', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-kill-'));
  const config = path.join(dir, 'config.json');
  const db = path.join(dir, 'results', 'pcount.db');
  let reference: Totals;
  let tolerance = 0;
  const runs: RunProcess[] = [];

  before(async () => {
    copyFileSync(vtest480, path.join(dir, 'film.avi'));
    writeFileSync(
      config,
      JSON.stringify({
        parallel_config: { worker_count: 1, skip_frames: 2 },
        videos: [{ id: 'film', source: 'film.avi', lines: [{ name: 'mid', points: [0.5, 0, 0.5, 1] }] }],
      }),
    );
    const ref = startRun([config, '--db', path.join(dir, 'reference.db'), '--output', path.join(dir, 'reference')]);
    assert.equal((await ref.exited).code, 0, ref.stderr());
    const s = summaryOf(ref)!;
    reference = { in: s.total_in, out: s.total_out };
    assert.ok(reference.in + reference.out >= 10, `the reference run counts people: ${JSON.stringify(reference)}`);
  });

  it('kill -9 of the parent mid-file: every crossing it printed is in the store, and its workers go away', async () => {
    const r = startRun([config]);
    runs.push(r);
    await r.until((ev) => crossingsOf(ev).length >= 3, 90_000, 'three crossings');
    tolerance += onScreen(r);
    process.kill(r.child.pid!, 'SIGKILL');
    await r.exited;
    await eventually(() => processesMentioning(dir).length === 0, 10_000, 'the workers of the killed run exit');
    assert.ok(assertPrintedAreStored(db, r) >= 3);
  });

  it('the next run resumes the file, and a worker killed with -9 leaves every printed crossing stored', async () => {
    const r = startRun([config]);
    runs.push(r);
    await r.until((ev) => ev.some((e) => e.type === 'log' && /^resumes at frame \d+, keeping \d+ in, \d+ out/.test(e.message)), 60_000, 'the resume note');
    assert.match(r.stderr(), /pcount-tui: film: resumes at frame \d+/);
    await r.until((ev) => crossingsOf(ev).length >= 2, 90_000, 'two more crossings');
    tolerance += onScreen(r);
    const worker = workerOf(r.child.pid!);
    assert.ok(worker, 'the worker process is found');
    process.kill(worker, 'SIGKILL');
    const { code } = await r.exited;
    assert.equal(code, 1);
    const film = summaryOf(r)!.tasks[0];
    assert.equal(film.state, 'error');
    assert.match(film.reason, /SIGKILL/);
    assertPrintedAreStored(db, r);
    const store = Store.open(db);
    assert.equal(store.latestTaskRun('film')!.end_reason, 'failed');
    store.close();
  });

  it('SIGHUP of a headless run stops it cleanly: summary, status 129 (it dies of the hang-up, as the dashboard does), the task run interrupted', async () => {
    const r = startRun([config]);
    runs.push(r);
    await r.until((ev) => crossingsOf(ev).length >= 2, 90_000, 'two more crossings');
    tolerance += onScreen(r);
    process.kill(r.child.pid!, 'SIGHUP');
    const { code, signal } = await r.exited;
    assert.deepEqual([code, signal], [null, 'SIGHUP']);
    const summary = summaryOf(r)!;
    assert.equal(summary.exit_code, 129);
    assert.equal(summary.tasks[0].state, 'cancelled');
    assert.equal(summary.store.path, db);
    assert.match(summary.run.folder, new RegExp(`^${dir}/results/runs/`));
    assertPrintedAreStored(db, r);
    const store = Store.open(db);
    assert.equal(store.latestTaskRun('film')!.end_reason, 'interrupted');
    assert.equal(store.db.prepare(`SELECT end_reason FROM runs ORDER BY started_at DESC LIMIT 1`).pluck().get(), 'stopped');
    store.close();
  });

  it('the last run finishes the file with the totals of an uninterrupted run; no run touched another run\'s folder', async () => {
    const folders = path.join(dir, 'results', 'runs');
    const snapshot = () =>
      Object.fromEntries(
        readdirSync(folders).flatMap((run) =>
          readdirSync(path.join(folders, run)).map((f) => {
            const file = path.join(folders, run, f);
            return [file, `${statSync(file).mtimeMs}:${readFileSync(file, 'utf8')}`];
          }),
        ),
      );
    const before = snapshot();
    const r = startRun([config]);
    runs.push(r);
    const { code } = await r.exited;
    assert.equal(code, 0, r.stderr());
    const summary = summaryOf(r)!;
    const got = { in: summary.total_in, out: summary.total_out };
    const off = Math.abs(got.in - reference.in) + Math.abs(got.out - reference.out);
    console.log(`# resumed three times: ${JSON.stringify(got)} vs uninterrupted ${JSON.stringify(reference)}, off by ${off}; people on screen at the interruptions: ${tolerance}`);
    assert.ok(off <= tolerance, `off by ${off}, more than the ${tolerance} people on screen at the interruptions`);
    assert.equal(readdirSync(folders).length, runs.length, 'one folder per run');
    const after = snapshot();
    for (const [file, content] of Object.entries(before)) assert.equal(after[file], content, `${file} untouched by later runs`);
    assert.equal(realpathSync(path.join(dir, 'results', 'latest')), realpathSync(summary.run.folder));
    const results = JSON.parse(readFileSync(path.join(summary.run.folder, 'results.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual([results.summary.total_in, results.summary.total_out], [got.in, got.out]);
  });
});
