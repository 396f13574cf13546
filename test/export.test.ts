import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../src/common/atomic-write.js';
import { CSV_HEADER, writeExport, type TaskExport } from '../src/orchestrator/export.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { CrossingEvent } from '../src/protocol/events.js';
import { fakeTask, fakeWorker, until } from './pool-helpers.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'pcount-export-'));

const crossing = (task: string, ts: number, direction: 'in' | 'out'): CrossingEvent => ({
  v: 1,
  type: 'crossing',
  task,
  ts,
  seq: ts - 1000,
  line: 'door',
  track: ts % 100,
  direction,
  frame: ts - 1000,
  pts: (ts - 1000) / 10,
});

const lobby: TaskExport = {
  id: 'lobby',
  kind: 'video',
  source: '/data/lobby.mp4',
  state: 'completed',
  reason: null,
  in: 2,
  out: 1,
  occupancy: 1,
  lines: [{ name: 'door', in: 2, out: 1 }],
  frames: 300,
  avgFps: 41.5,
  dropped: 0,
  restarts: 0,
  progress: 1,
  startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  endedAt: Date.UTC(2026, 0, 2, 3, 4, 15),
  series: [
    { ts: Date.UTC(2026, 0, 2, 3, 4, 6), fps: 40.123, in: 1, out: 0, occupancy: 1, status: 'processing' },
    { ts: Date.UTC(2026, 0, 2, 3, 4, 15), fps: 0, in: 2, out: 1, occupancy: 1, status: 'completed' },
  ],
  seriesDropped: 0,
  crossings: [crossing('lobby', 1005, 'in'), crossing('lobby', 1030, 'out'), crossing('lobby', 1040, 'in')],
  crossingsDropped: 0,
};
const entrance: TaskExport = {
  ...lobby,
  id: 'entrance',
  kind: 'camera',
  source: 'rtsp://cam/1',
  state: 'error',
  reason: 'gave up',
  in: 1,
  out: 0,
  lines: [{ name: 'door', in: 1, out: 0 }],
  progress: null,
  restarts: 5,
  series: [],
  crossings: [crossing('entrance', 1020, 'in')],
};

describe('export files', () => {
  it('writes results.json, one CSV per task and the crossings, and returns their paths', async () => {
    const dir = path.join(tmp(), 'nested', 'out');
    const files = await writeExport(dir, [lobby, entrance], Date.UTC(2026, 0, 2, 3, 5, 0));
    assert.deepEqual(
      files.map((f) => path.relative(dir, f)),
      ['results.json', 'lobby.csv', 'entrance.csv', 'crossings.ndjson'],
    );

    const json = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(Object.keys(json), ['export_time', 'summary', 'detailed_results']);
    assert.equal(json.export_time, '2026-01-02T03:05:00.000Z');
    assert.deepEqual(json.summary, {
      tasks: 2,
      pending: 0,
      processing: 0,
      completed: 1,
      failed: 1,
      cancelled: 0,
      left_running: 0,
      total_in: 3,
      total_out: 1,
      current_count: 2,
      crossings: 4,
    });
    const [l, e] = json.detailed_results;
    assert.equal(l.id, 'lobby');
    assert.equal(l.status, 'completed');
    assert.deepEqual(l.lines, [{ name: 'door', in: 2, out: 1 }]);
    assert.equal(l.avg_fps, 41.5);
    assert.equal(l.started_at, '2026-01-02T03:04:05.000Z');
    assert.equal(l.series_file, 'lobby.csv');
    assert.deepEqual([e.id, e.status, e.reason, e.restarts], ['entrance', 'error', 'gave up', 5]);

    assert.equal(
      readFileSync(path.join(dir, 'lobby.csv'), 'utf8'),
      `${CSV_HEADER}\n2026-01-02T03:04:06.000Z,40.12,1,0,1,processing\n2026-01-02T03:04:15.000Z,0.00,2,1,1,completed\n`,
    );
    assert.equal(readFileSync(path.join(dir, 'entrance.csv'), 'utf8'), `${CSV_HEADER}\n`);

    const lines = readFileSync(path.join(dir, 'crossings.ndjson'), 'utf8').trimEnd().split('\n');
    const parsed = lines.map((x) => JSON.parse(x) as CrossingEvent);
    assert.deepEqual(
      parsed.map((c) => [c.task, c.ts, c.direction]),
      [
        ['lobby', 1005, 'in'],
        ['entrance', 1020, 'in'],
        ['lobby', 1030, 'out'],
        ['lobby', 1040, 'in'],
      ],
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('replaces a file atomically and leaves the old content when the write cannot complete', async () => {
    const dir = tmp();
    const target = path.join(dir, 'results.json');
    await writeFileAtomic(target, 'old\n');
    await writeFileAtomic(target, 'new\n');
    assert.equal(readFileSync(target, 'utf8'), 'new\n');

    // A folder in the way of the rename makes the write fail after the temporary file was written.
    const blocked = path.join(dir, 'blocked.csv');
    mkdirSync(blocked);
    writeFileSync(path.join(blocked, 'keep'), 'x');
    await assert.rejects(writeFileAtomic(blocked, 'data'));
    assert.deepEqual(readdirSync(blocked), ['keep']);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['blocked.csv', 'results.json'],
      'no temporary file left behind',
    );
  });

  it('exports automatically when a run ends and writes worker and camera log files', async () => {
    const out = tmp();
    const pool = new Pool({
      workerCount: 2,
      outputDir: out,
      command: fakeWorker,
      logLevel: 'info',
      // Progress reports 0.6 s apart, like a worker's (about a second): each makes a row.
      tasks: [fakeTask('film', 'events=3;crossings=2;interval=600'), fakeTask('cam', 'events=2;crossings=1;end=forever', 'camera')],
    });
    pool.begin();
    await until(pool, (s) => s.tasks.find((t) => t.id === 'film')!.state === 'completed' && s.tasks.find((t) => t.id === 'cam')!.in === 1);
    pool.stop('cam');
    await until(pool, (s) => s.finished && s.lastExport?.files.length === 4);
    await pool.shutdown();

    // Each run exports into its own folder under runs/, and latest points at it.
    const runs = readdirSync(path.join(out, 'runs'));
    assert.equal(runs.length, 1);
    assert.match(runs[0], /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-[0-9a-f]{8}$/);
    const run = path.join(out, 'runs', runs[0]);
    assert.equal(realpathSync(path.join(out, 'latest')), realpathSync(run));
    const json = JSON.parse(readFileSync(path.join(run, 'results.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(
      json.detailed_results.map((r: Record<string, unknown>) => [r.id, r.status, r.total_in, r.reason]),
      [
        ['film', 'completed', 2, null],
        ['cam', 'completed', 1, 'stopped by user'],
      ],
    );
    const csv = readFileSync(path.join(run, 'film.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv[0], CSV_HEADER);
    assert.equal(csv.length, 1 + 3 + 1, 'a row per progress event and one for the final state');
    assert.match(csv.at(-1)!, /,2,0,2,completed$/);
    assert.equal(readFileSync(path.join(run, 'crossings.ndjson'), 'utf8').trimEnd().split('\n').length, 3);

    const logs = readdirSync(path.join(out, 'logs')).sort();
    assert.deepEqual(logs, ['camera-cam.log', 'worker-0.log', 'worker-1.log']);
    const camLog = readFileSync(path.join(out, 'logs', 'camera-cam.log'), 'utf8');
    assert.match(camLog, /INFO  \[cam\] in on door/);
    assert.doesNotMatch(camLog, /\[film\]/);
    assert.ok(existsSync(path.join(out, 'logs', 'worker-0.log')));
  });
});
