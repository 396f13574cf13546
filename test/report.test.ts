import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bucketsBetween } from '../src/store/buckets.js';
import { StoreGate, TaskRunJournal } from '../src/store/journal.js';
import { nextReset, Occupancy } from '../src/store/occupancy.js';
import { buildReport, type ReportRow } from '../src/store/report.js';
import { Store } from '../src/store/store.js';
import { Tally } from '../src/store/tally.js';
import { parseTimeArg } from '../src/store/time-arg.js';
import { formatLocal, instantAt } from '../src/store/zone.js';
import { binPath } from './real-clips.js';
import { beginRun, crossing, taskRun, tempStore } from './store-helpers.js';

const BERLIN = 'Europe/Berlin';
const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('report: buckets in a time zone', () => {
  it('a spring-forward day in Berlin has 23 hourly buckets and a 23-hour day bucket; fall-back 25 and 25', () => {
    const spring = bucketsBetween(at('2025-03-29T23:00:00Z'), at('2025-03-30T22:00:00Z'), '1h', BERLIN);
    assert.equal(spring.length, 23);
    assert.deepEqual(spring.slice(0, 3).map((b) => formatLocal(b.start, BERLIN)), ['2025-03-30T00:00:00+01:00', '2025-03-30T01:00:00+01:00', '2025-03-30T03:00:00+02:00']);
    const springDay = bucketsBetween(at('2025-03-29T23:00:00Z'), at('2025-03-29T23:00:01Z'), '1d', BERLIN);
    assert.deepEqual(springDay.map((b) => (b.end - b.start) / H), [23]);

    const fall = bucketsBetween(at('2025-10-25T22:00:00Z'), at('2025-10-26T23:00:00Z'), '1h', BERLIN);
    assert.equal(fall.length, 25);
    assert.deepEqual(fall.slice(2, 4).map((b) => formatLocal(b.start, BERLIN)), ['2025-10-26T02:00:00+02:00', '2025-10-26T02:00:00+01:00']);
    assert.equal(formatLocal(fall[24].end, BERLIN), '2025-10-27T00:00:00+01:00');
    assert.equal(bucketsBetween(at('2025-10-25T22:00:00Z'), at('2025-10-26T23:00:00Z'), '15m', BERLIN).length, 100);
    const fallDay = bucketsBetween(at('2025-10-26T12:00:00Z'), at('2025-10-26T12:00:01Z'), '1d', BERLIN);
    assert.deepEqual([formatLocal(fallDay[0].start, BERLIN), (fallDay[0].end - fallDay[0].start) / H], ['2025-10-26T00:00:00+02:00', 25]);
  });

  it('reads local times that a DST change skips or repeats: the jump, and the first of the two', () => {
    assert.equal(new Date(instantAt(Date.UTC(2025, 2, 30, 2, 30), BERLIN)).toISOString(), '2025-03-30T01:00:00.000Z');
    assert.equal(new Date(instantAt(Date.UTC(2025, 9, 26, 2, 30), BERLIN)).toISOString(), '2025-10-26T00:30:00.000Z');
    assert.equal(parseTimeArg('2025-10-26', BERLIN, 0), at('2025-10-25T22:00:00Z'));
    assert.equal(parseTimeArg('2025-10-26T04:00', BERLIN, 0), at('2025-10-26T03:00:00Z'));
    assert.equal(parseTimeArg('2025-10-26T04:00:00+02:00', BERLIN, 0), at('2025-10-26T02:00:00Z'));
    assert.equal(parseTimeArg('24h', BERLIN, 100 * H), 76 * H);
    assert.equal(parseTimeArg('2025-02-30', BERLIN, 0), null);
    assert.equal(parseTimeArg('last tuesday', BERLIN, 0), null);
    // Was 'out of range' (expected "from 1970-01-01"): local midnight in Berlin is an hour before the epoch.
    assert.equal(parseTimeArg('1970-01-01', BERLIN, 0), 0);
    assert.equal(parseTimeArg('9999-12-31T23:30', 'America/New_York', 0), Date.UTC(10_000, 0, 1) - 1);
    assert.equal(parseTimeArg('1969-12-31T23:30', 'UTC', 0), 'out of range');
  });
});

describe('report: occupancy', () => {
  it('resets at 04:00 local time, also on the day the clocks change, and never goes below the floor', () => {
    const rules = { reset: '04:00', floor: 0, zone: BERLIN };
    assert.equal(new Date(nextReset(at('2025-10-25T12:00:00Z'), rules)!).toISOString(), '2025-10-26T03:00:00.000Z');
    assert.equal(new Date(nextReset(at('2025-03-29T12:00:00Z'), rules)!).toISOString(), '2025-03-30T02:00:00.000Z');
    const o = new Occupancy(rules);
    assert.equal(o.apply(1, at('2025-10-25T20:00:00Z')), 1);
    assert.equal(o.apply(1, at('2025-10-25T21:00:00Z')), 2);
    assert.equal(o.apply(-1, at('2025-10-26T03:00:00Z')), 0, 'the reset at 04:00 came first, then the floor');
    assert.equal(o.apply(-1, at('2025-10-26T03:10:00Z')), 0);
    assert.equal(o.apply(1, at('2025-10-26T03:20:00Z')), 1);
    assert.equal(new Occupancy({ reset: null, floor: null, zone: BERLIN }, 0).apply(-1, 0), -1);
  });
});

/**
 * A camera on 2025-10-26 in Berlin (the fall-back day): crossings before and after the 04:00 reset, and a reconnect
 * gap from 02:30 to 02:45 CET (01:30–01:45 UTC) inside the second 02:00 hour.
 */
function fallBackStore(): Store {
  const store = tempStore();
  beginRun(store, 'r1', at('2025-10-25T21:00:00Z'));
  const rules = { reset: '04:00', floor: 0, zone: BERLIN };
  const row = store.startTaskRun(taskRun({ task: 'cam', kind: 'camera', file: null, startedAt: at('2025-10-25T22:00:00Z'), occupancy: rules, lines: [{ name: 'door', points: [0, 0, 1, 1] }, { name: 'side', points: [0, 1, 1, 0] }] }));
  const j = new TaskRunJournal(new StoreGate(store, () => {}), row, new Tally(['door', 'side'], rules));
  j.hello(null, at('2025-10-25T22:00:00Z'));
  let frame = 0;
  const seconds = (from: string, to: string) => {
    // A report a minute (the worker's is a second): the same coverage, fewer writes.
    for (let t = at(from) + 60_000; t <= at(to); t += 60_000) j.progress((frame += 600), t);
  };
  seconds('2025-10-25T22:00:00Z', '2025-10-26T01:30:00Z');
  let seq = 0;
  const cross = (iso: string, dir: 'in' | 'out', line = 'door') => j.crossing({ ...crossing(++seq, dir, at(iso), line) });
  cross('2025-10-25T22:10:00Z', 'in'); // 00:10 CEST
  cross('2025-10-25T22:20:00Z', 'in');
  cross('2025-10-26T00:15:00Z', 'in'); // 02:15 CEST
  cross('2025-10-26T01:10:00Z', 'out', 'side'); // 02:10 CET
  // Reconnect gap 01:30–01:45 UTC: the progress reports stop, frames do not advance.
  j.progress(frame, at('2025-10-26T01:45:00Z'));
  seconds('2025-10-26T01:45:00Z', '2025-10-26T05:00:00Z');
  cross('2025-10-26T01:50:00Z', 'in'); // 02:50 CET
  cross('2025-10-26T03:30:00Z', 'out'); // 04:30 CET, after the reset
  return store;
}

describe('report: counts per bucket', () => {
  const row = (rows: ReportRow[], local: string, line = 'door') => rows.find((r) => formatLocal(r.start, BERLIN) === local && r.line === line)!;

  it('counts the fall-back day hour by hour with coverage, a reconnect gap and the 04:00 reset', () => {
    const store = fallBackStore();
    const { rows } = buildReport(store, { bucket: '1h', zone: BERLIN, now: at('2026-01-01T00:00:00Z') });
    assert.equal(rows.length, 7 * 2, 'hours 00:00 CEST to 05:00 CET, two lines each');
    const first = row(rows, '2025-10-26T00:00:00+02:00');
    assert.deepEqual([first.in, first.out, first.net, first.occupancy, first.coverage, first.provisional], [2, 0, 2, 2, 1, false]);
    assert.deepEqual([row(rows, '2025-10-26T02:00:00+02:00').in, row(rows, '2025-10-26T02:00:00+02:00').occupancy], [1, 3]);
    const gap = row(rows, '2025-10-26T02:00:00+01:00');
    assert.deepEqual([gap.in, gap.occupancy, gap.coverage], [1, 3, 0.75], 'a quarter of the hour was not processed');
    assert.deepEqual([row(rows, '2025-10-26T02:00:00+01:00', 'side').out, row(rows, '2025-10-26T02:00:00+01:00', 'side').occupancy], [1, 3]);
    const afterReset = row(rows, '2025-10-26T04:00:00+01:00');
    assert.deepEqual([afterReset.out, afterReset.occupancy], [1, 0], 'reset to 0 at 04:00, then the floor keeps it at 0');
    assert.equal(row(rows, '2025-10-26T03:00:00+01:00').occupancy, 0, 'the reset at 04:00 ends the 03:00 bucket');

    const days = buildReport(store, { bucket: '1d', zone: BERLIN, tasks: ['cam'], lines: ['door'], now: at('2026-01-01T00:00:00Z') });
    assert.equal(days.rows.length, 1);
    const day = days.rows[0];
    assert.deepEqual([day.in, day.out, day.end - day.start], [4, 1, 25 * H]);
    assert.ok(day.coverage > 0 && day.coverage < 1, `the day is partly covered: ${day.coverage}`);
    store.close();
  });

  it('marks the bucket that is still open as provisional, with the coverage of its elapsed part', () => {
    const store = fallBackStore();
    const now = at('2025-10-26T04:30:00Z');
    const { rows } = buildReport(store, { bucket: '1h', zone: BERLIN, now, lines: ['door'] });
    const open = rows.at(-1)!;
    assert.equal(formatLocal(open.start, BERLIN), '2025-10-26T05:00:00+01:00');
    assert.deepEqual([open.provisional, open.coverage], [true, 1]);
    store.close();
  });

  it('refuses a span of more buckets than anyone reads, before building them', () => {
    const store = fallBackStore();
    assert.throws(
      () => buildReport(store, { bucket: '15m', zone: BERLIN, now: at('2025-11-01T00:00:00Z'), since: 0 }),
      /1970-01-01 to 2025-10-26 is \d+ buckets of 15m, more than 100000: give a larger --bucket or a shorter --since\/--until$/,
    );
    assert.equal(buildReport(store, { bucket: '1d', zone: BERLIN, now: at('2025-11-01T00:00:00Z'), since: 0 }).rows.length > 20_000, true, 'by the day it is fine');
    store.close();
  });

  it('names an unknown task and the tasks there are', () => {
    const store = fallBackStore();
    assert.throws(() => buildReport(store, { bucket: '1h', zone: BERLIN, now: 0, tasks: ['nope'] }), /no task nope in .* \(it has: cam\)/);
    store.close();
  });

  it('names an unknown line and the lines there are, as for a task (was: "no counts … for this selection", exit 0)', () => {
    const store = fallBackStore();
    assert.throws(() => buildReport(store, { bucket: '1h', zone: BERLIN, now: 0, lines: ['door', 'dor'] }), /no line dor in .* \(it has: door, side\)$/);
    assert.throws(() => buildReport(store, { bucket: '1h', zone: BERLIN, now: 0, tasks: ['cam'], lines: ['gate'] }), /no line gate in .* for task cam \(it has: door, side\)$/);
    store.close();
  });
});

describe('report: the command', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [binPath, 'report', ...args], { encoding: 'utf8' });

  it('prints the fixture store as a table, CSV and JSON', () => {
    const store = fallBackStore();
    const file = store.file;
    store.close();
    const common = ['--db', file, '--tz', BERLIN, '--since', '2025-10-26T02:00', '--until', '2025-10-26T04:00', '--line', 'door'];
    const table = run(...common);
    assert.equal(table.status, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        'task  line  bucket (Europe/Berlin)     in  out  net  occupancy  coverage',
        'cam   door  2025-10-26 02:00:00+02:00   1    0    1          3    100.0%',
        'cam   door  2025-10-26 02:00:00+01:00   1    0    1          3     75.0%  PARTIAL',
        'cam   door  2025-10-26 03:00:00+01:00   0    0    0          0    100.0%',
        '',
        'PARTIAL: the source was processed for only part of the bucket (coverage); its counts are a lower bound.',
        '',
      ].join('\n'),
    );
    const csv = run(...common, '--format', 'csv');
    assert.equal(
      csv.stdout,
      [
        'task,line,bucket_start,bucket_end,in,out,net,occupancy,coverage,provisional,status',
        'cam,door,2025-10-26T02:00:00+02:00,2025-10-26T02:00:00+01:00,1,0,1,3,1,false,complete',
        'cam,door,2025-10-26T02:00:00+01:00,2025-10-26T03:00:00+01:00,1,0,1,3,0.75,false,partial',
        'cam,door,2025-10-26T03:00:00+01:00,2025-10-26T04:00:00+01:00,0,0,0,0,1,false,complete',
        '',
      ].join('\n'),
    );
    const day = ['--db', file, '--tz', BERLIN, '--line', 'door', '--format', 'json', '--bucket', '1d', '--since', '2025-10-26', '--until', '2025-10-27'];
    const json = JSON.parse(run(...day).stdout) as Record<string, any>;
    assert.equal(json.zone, BERLIN);
    assert.deepEqual(
      json.rows.map((r: Record<string, unknown>) => [r.bucket_start, r.bucket_end, r.in, r.out, r.net, r.occupancy, r.provisional, r.status]),
      [['2025-10-26T00:00:00+02:00', '2025-10-27T00:00:00+01:00', 4, 1, 3, 0, false, 'partial']],
    );
  });

  it('reads a store in a folder this user may not write (another user\'s results, a read-only mount)', () => {
    const store = fallBackStore();
    const folder = mkdtempSync(path.join(tmpdir(), 'pcount-readonly-'));
    const file = path.join(folder, 'pcount.db');
    store.close();
    copyFileSync(store.file, file);
    // SQLite cannot make the WAL store's -shm file there. Root may write anywhere: it reads as somebody else.
    chmodSync(file, 0o644);
    chmodSync(folder, 0o555);
    const asRoot = process.getuid?.() === 0;
    const prefs = mkdtempSync(path.join(tmpdir(), 'pcount-prefs-'));
    chmodSync(prefs, 0o777);
    const command = [binPath, 'report', '--db', file, '--tz', BERLIN, '--line', 'door', '--bucket', '1d', '--format', 'csv'];
    const report = asRoot
      ? spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, ...command], { encoding: 'utf8', env: { ...process.env, PCOUNT_CONFIG_DIR: prefs } })
      : spawnSync(process.execPath, command, { encoding: 'utf8', env: { ...process.env, PCOUNT_CONFIG_DIR: prefs } });
    assert.equal(report.stderr, '');
    assert.equal(report.status, 0);
    assert.match(report.stdout, /^cam,door,2025-10-26T00:00:00\+02:00,2025-10-27T00:00:00\+01:00,4,1,3,0,/m);
    assert.deepEqual(readdirSync(folder), ['pcount.db']);
  });

  it('without --db or a config, says which config it took the store from when that is the last config run', () => {
    const prefs = mkdtempSync(path.join(tmpdir(), 'pcount-prefs-'));
    const site = mkdtempSync(path.join(tmpdir(), 'pcount-site-'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'pcount-cwd-'));
    const config = path.join(site, 'site.json');
    writeFileSync(config, JSON.stringify({ parallel_config: { store: 'counts.db' }, videos: [{ id: 'door', source: 'door.mp4', lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }] }] }));
    writeFileSync(path.join(prefs, 'config.json'), JSON.stringify({ lastConfig: config }));
    Store.open(path.join(site, 'counts.db')).close();
    const report = spawnSync(process.execPath, [binPath, 'report'], { encoding: 'utf8', cwd: elsewhere, env: { ...process.env, PCOUNT_CONFIG_DIR: prefs } });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /^no counts in .*counts\.db for this selection$/m);
    assert.equal(report.stderr, `pcount-tui report: the store of the last config run, ${config}: ${path.join(site, 'counts.db')} (pass --db PATH or a config for another)\n`);
  });

  it('explains bad arguments and a missing store, with exit 2 and 1', () => {
    const tz = run('--db', '/nonexistent/pcount.db', '--tz', 'Mars/Olympus');
    assert.equal(tz.status, 2);
    assert.match(tz.stderr, /bad --tz 'Mars\/Olympus': unknown time zone/);
    const since = run('--db', '/nonexistent/pcount.db', '--since', 'soon');
    assert.equal(since.status, 2);
    assert.match(since.stderr, /--since: cannot read 'soon' as a time/);
    // Years BC, or a number too large to be one: said, not answered with 'no counts'.
    for (const value of ['10000000d', '99999999999999999999999999h', '0000-01-01']) {
      const far = run('--db', '/nonexistent/pcount.db', '--since', value);
      assert.equal(far.status, 2, value);
      assert.equal(far.stderr, `pcount-tui report: --since: '${value}' is out of range: expected a time from 1970-01-01 to 9999-12-31\n`);
    }
    const future = run('--db', '/nonexistent/pcount.db', '--until', '+275760-09-13T00:00:00Z');
    assert.equal(future.status, 2);
    // Was exit 1, as if the store could not be used: the span asked for is the command line's problem.
    const store = fallBackStore();
    store.close();
    const span = run('--db', store.file, '--since', '1970-01-01', '--bucket', '15m', '--tz', BERLIN);
    assert.equal(span.status, 2, span.stderr);
    assert.match(span.stderr, /^pcount-tui report: 1970-01-01 to 2025-10-26 is \d+ buckets of 15m, more than 100000: give a larger --bucket/);
    const missing = run('--db', '/nonexistent/pcount.db');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /store \/nonexistent\/pcount\.db does not exist/);
    assert.doesNotMatch(execFileSync('ls', ['/']).toString(), /nonexistent/, 'no folder was created for it');
  });
});
