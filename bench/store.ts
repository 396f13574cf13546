/**
 * npm run bench:store — the store's two speed targets.
 *
 * 1. Writing a crossing, the way the pool does it before anything shows it (TaskRunJournal.crossing: occupancy, one
 *    INSERT in WAL mode with synchronous=NORMAL, the tally), 20,000 times, with a progress report (coverage and
 *    checkpoint) every 25 crossings and a WAL checkpoint (the pool's once-a-second sync) every 500. Target: p99 < 1 ms.
 * 2. A day of one busy camera (10,000 crossings on two lines, a reconnect gap) reported in 15-minute, hourly and daily
 *    buckets (query, buckets, occupancy, coverage and formatting). Target: < 200 ms.
 *
 *   npm run bench:store [-- --dir FOLDER]     (default: a new folder under the system temp folder)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { StoreGate, TaskRunJournal } from '../src/store/journal.js';
import { formatReport } from '../src/store/report-format.js';
import { buildReport } from '../src/store/report.js';
import { Store } from '../src/store/store.js';
import { Tally } from '../src/store/tally.js';

const args = process.argv.slice(2);
const dirArg = args.indexOf('--dir') >= 0 ? args[args.indexOf('--dir') + 1] : tmpdir();
const dir = mkdtempSync(path.join(dirArg, 'pcount-bench-store-'));
const fsType = (() => {
  try {
    return execFileSync('df', ['--output=fstype', dir], { encoding: 'utf8' }).trim().split('\n').pop();
  } catch {
    return 'unknown';
  }
})();
const cpu0 = process.cpuUsage();
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (v: number) => `${v.toFixed(3)} ms`;
const rules = { reset: '04:00', floor: 0, zone: 'Europe/Berlin' };

function openRun(file: string, task: string): { store: Store; journal: TaskRunJournal } {
  const store = Store.open(file);
  store.beginRun({ id: `run-${task}`, started_at: 0, folder: null, config: null, host: 'bench', pid: process.pid, heartbeat_at: 0 });
  const row = store.startTaskRun({
    runId: `run-${task}`,
    chainId: null,
    task,
    kind: 'camera',
    source: 'rtsp://cam/stream',
    fingerprint: 'bench',
    lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }, { name: 'side', points: [0, 0.5, 1, 0.5] }],
    file: null,
    startFrame: null,
    startedAt: 0,
    occupancy: rules,
  });
  const journal = new TaskRunJournal(new StoreGate(store, (e) => { throw e; }), row, new Tally(['door', 'side'], rules));
  return { store, journal };
}

// 1. Writing crossings.
{
  const { store, journal } = openRun(path.join(dir, 'write.db'), 'cam');
  const n = 20_000;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const t0 = Date.parse('2025-06-02T00:00:00Z');
  journal.hello(25, t0);
  let frame = 0;
  for (let seq = 1; seq <= n; seq++) {
    const ts = t0 + seq * 1000;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    journal.crossing({ seq, line: seq % 3 ? 'door' : 'side', track: seq, direction: seq % 2 ? 'in' : 'out', frame: seq * 10, pts: seq, ts, attributes: null });
    const cpu = process.cpuUsage(cpuStart);
    times.push(performance.now() - started);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    if (seq % 25 === 0) journal.progress((frame += 250), ts);
    if (seq % 500 === 0) store.sync();
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  console.log(`writing a crossing (${n} crossings, ${fsType} at ${dir}):`);
  console.log(`  wall: p50 ${ms(quantile(times, 0.5))}  p99 ${ms(quantile(times, 0.99))}  p99.9 ${ms(quantile(times, 0.999))}  max ${ms(times[times.length - 1])}   target p99 < 1 ms`);
  console.log(`  CPU:  p50 ${ms(quantile(cpuTimes, 0.5))}  p99 ${ms(quantile(cpuTimes, 0.99))}  p99.9 ${ms(quantile(cpuTimes, 0.999))}  (microsecond clock; less sensitive to load)`);
  const syncTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    journal.crossing({ seq: n + 1 + i, line: 'door', track: 1, direction: 'in', frame: 1, pts: 1, ts: t0 + (n + 1 + i) * 1000, attributes: null });
    const s = performance.now();
    store.sync();
    syncTimes.push(performance.now() - s);
  }
  syncTimes.sort((a, b) => a - b);
  console.log(`  the once-a-second sync (WAL checkpoint with fsync) after a write: median ${ms(quantile(syncTimes, 0.5))}, max ${ms(syncTimes[syncTimes.length - 1])}`);
  store.close();
}

// 2. Reporting a day of a busy camera.
{
  const { store, journal } = openRun(path.join(dir, 'report.db'), 'busy');
  const day = Date.parse('2025-06-02T00:00:00+02:00');
  const n = 10_000;
  journal.hello(25, day);
  store.transaction(() => {
    let frame = 0;
    for (let seq = 1; seq <= n; seq++) {
      const ts = day + Math.floor((seq / n) * 86_400_000);
      // A reconnect gap from 13:00 to 13:20: no frames, no crossings.
      if (ts >= day + 13 * 3_600_000 && ts < day + 13 * 3_600_000 + 1_200_000) continue;
      journal.crossing({ seq, line: seq % 3 ? 'door' : 'side', track: seq, direction: seq % 2 ? 'in' : 'out', frame: seq * 10, pts: seq, ts, attributes: null });
    }
    for (let t = day + 60_000; t <= day + 86_400_000; t += 60_000) {
      const gap = t > day + 13 * 3_600_000 && t <= day + 13 * 3_600_000 + 1_200_000;
      journal.progress(gap ? frame : (frame += 1500), t);
    }
  });
  const count = store.db.prepare(`SELECT count(*) FROM crossings`).pluck().get();
  console.log(`reporting a day of one busy camera (${count} crossings on 2 lines, coverage every minute, a 20-minute gap):`);
  for (const bucket of ['15m', '1h', '1d'] as const) {
    const runs: number[] = [];
    const cpus: number[] = [];
    let rows = 0;
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      const c = process.cpuUsage();
      const report = buildReport(store, { bucket, since: day, until: day + 86_400_000, zone: 'Europe/Berlin', now: day + 2 * 86_400_000 });
      formatReport(report, { store: store.file, zone: 'Europe/Berlin', bucket, now: Date.now() }, 'table');
      const used = process.cpuUsage(c);
      runs.push(performance.now() - s);
      cpus.push((used.user + used.system) / 1000);
      rows = report.rows.length;
    }
    const first = runs[0];
    runs.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    console.log(`  --bucket ${bucket.padEnd(3)}  ${String(rows).padStart(3)} rows  wall median ${ms(quantile(runs, 0.5))} (first ${ms(first)})  CPU median ${ms(quantile(cpus, 0.5))}   target < 200 ms`);
  }
  store.close();
}

const cpu = process.cpuUsage(cpu0);
console.log(`CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
rmSync(dir, { recursive: true, force: true });
