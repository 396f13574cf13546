import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MetricsCollector } from '../src/monitoring/collector.js';
import { OPENMETRICS_CONTENT_TYPE } from '../src/monitoring/openmetrics.js';
import { serveMetrics } from '../src/monitoring/server.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { parseOpenMetrics, type Parsed } from './openmetrics-reader.js';
import { until } from './pool-helpers.js';
import { cliBin, killLater, repoRoot, within } from './worker-harness.js';

const footage = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');

async function scrape(url: string): Promise<Parsed> {
  const res = await fetch(url, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), OPENMETRICS_CONTENT_TYPE);
  return parseOpenMetrics(await res.text());
}

const value = (p: Parsed, name: string, labels: Record<string, string>) =>
  p.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

test('/metrics during a real run parses as OpenMetrics, and its crossing counters match the NDJSON crossings', async (t) => {
  const pool = new Pool({
    tasks: [
      {
        id: 'lawn',
        kind: 'video',
        source: footage,
        lines: [
          { name: 'door', points: [0.5, 0, 0.5, 1] },
          { name: 'hall', points: [0, 0.5, 1, 0.5] },
        ],
        options: { skip_frames: 1, confidence: 0.3 },
      },
    ],
    workerCount: 1,
    outputDir: null,
    cpus: 2,
  });
  const collector = new MetricsCollector(pool);
  const endpoint = await serveMetrics('0', () => collector.families());
  t.after(async () => {
    await pool.shutdown();
    collector.close();
    await endpoint.close();
  });
  assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const events: WorkerEvent[] = [];
  pool.onEvent((e) => events.push(e));
  pool.begin();

  // Decoded fps is a rate between two progress events: a fast start can pass 30 frames by the first one.
  const progressed = () => events.filter((e) => e.type === 'progress' && e.frame > 0).length >= 2;
  await until(pool, (s) => s.tasks[0].frames !== undefined && s.tasks[0].frames > 30 && progressed());
  const during = await scrape(endpoint.url);
  assert.equal(value(during, 'pcount_up', { task: 'lawn' }), 1);
  assert.ok(value(during, 'pcount_processed_fps', { task: 'lawn' })! > 0);
  assert.ok(value(during, 'pcount_decoded_fps', { task: 'lawn' })! > 0);
  assert.ok(value(during, 'pcount_detector_latency_seconds', { task: 'lawn' })! > 0);
  for (const f of ['pcount_crossings', 'pcount_occupancy', 'pcount_dropped_fps', 'pcount_reconnects', 'pcount_restarts', 'pcount_online', 'pcount_task']) {
    assert.ok(during.families.has(f), f);
  }
  assert.equal(value(during, 'pcount_task_info', { task: 'lawn' }), 1);

  await until(pool, (s) => s.finished);
  const after = await scrape(endpoint.url);
  const crossings = events.filter((e) => e.type === 'crossing');
  assert.ok(crossings.length > 5, `${crossings.length} crossings`);
  for (const line of ['door', 'hall']) {
    for (const direction of ['in', 'out']) {
      const ndjson = crossings.filter((e) => e.type === 'crossing' && e.line === line && e.direction === direction).length;
      assert.equal(value(after, 'pcount_crossings_total', { task: 'lawn', line, direction }), ndjson, `${line} ${direction}`);
    }
  }
  const done = events.find((e) => e.type === 'done');
  assert.ok(done?.type === 'done');
  assert.equal(value(after, 'pcount_occupancy', { task: 'lawn' }), done.in - done.out);
  assert.equal(value(after, 'pcount_up', { task: 'lawn' }), 0);
  assert.equal(value(after, 'pcount_task_info', { task: 'lawn', state: 'completed' }), 1);
});

test('run --metrics: the address is printed, bound to 127.0.0.1, scraped while the run goes on', async (t) => {
  const child = spawn(process.execPath, [cliBin, 'run', '--source', footage, '--line', '0.5,0,0.5,1,door', '--no-tui', '--metrics', '0'], {
    cwd: repoRoot,
    env: { ...process.env, XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'pcount-xdg-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(killLater(child));
  let stderr = '';
  child.stdout.resume();
  const url = await within(
    new Promise<string>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /metrics at (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      }),
    ),
    60_000,
    'the metrics address',
  );
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const parsed = await scrape(url);
  assert.ok(parsed.samples.some((s) => s.name === 'pcount_crossings_total' && s.labels.line === 'door'));
  const plain = await fetch(url);
  assert.match(plain.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
  child.kill('SIGTERM');
  await within(new Promise((r) => child.on('close', r)), 30_000, 'the run to stop');
});
