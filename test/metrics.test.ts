import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/load.js';
import { MetricsCollector } from '../src/monitoring/collector.js';
import { formatMetrics, OPENMETRICS_CONTENT_TYPE } from '../src/monitoring/openmetrics.js';
import { parseListenAddress, serveMetrics } from '../src/monitoring/server.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { until } from './pool-helpers.js';
import { cliBin, killLater, repoRoot, within } from './worker-harness.js';

const footage = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');

interface Parsed {
  families: Map<string, { type: string; help: string; unit?: string }>;
  samples: { name: string; family: string; labels: Record<string, string>; value: number }[];
}

const SUFFIXES: Record<string, string[]> = { counter: ['_total', '_created'], gauge: [''], info: ['_info'], unknown: [''] };

/** A strict reader of the OpenMetrics text format (the parts a counter, gauge and info family use). */
function parseOpenMetrics(text: string): Parsed {
  assert.ok(text.endsWith('# EOF\n'), 'ends with # EOF and a newline');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
  const families: Parsed['families'] = new Map();
  const samples: Parsed['samples'] = [];
  let current: string | null = null;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const line of lines) {
    const meta = /^# (TYPE|HELP|UNIT) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, fam, rest] = meta;
      assert.match(fam, name);
      if (kind === 'TYPE') {
        assert.ok(!families.has(fam), `family ${fam} declared once`);
        assert.ok(['counter', 'gauge', 'info'].includes(rest), `type ${rest}`);
        assert.ok(rest !== 'counter' || !/_total$/.test(fam), 'a counter family is named without _total');
        families.set(fam, { type: rest, help: '' });
        current = fam;
      } else {
        assert.ok(fam === current, `${kind} belongs to the family just declared`);
        if (kind === 'HELP') families.get(fam)!.help = rest;
        else {
          assert.ok(fam.endsWith(`_${rest}`), 'a unit is the suffix of the name');
          families.get(fam)!.unit = rest;
        }
      }
      continue;
    }
    assert.ok(!line.startsWith('#'), `no other comment: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${JSON.stringify(line)}`);
    const [, sampleName, labelText, valueText] = m;
    assert.ok(current && SUFFIXES[families.get(current)!.type].some((s) => sampleName === current + s), `${sampleName} is a sample of ${current}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;
      let at = 0;
      while (at < labelText.length) {
        re.lastIndex = at;
        const l = re.exec(labelText);
        assert.ok(l, `labels: ${labelText}`);
        assert.ok(!(l[1] in labels), 'a label once');
        labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        at = re.lastIndex;
      }
    }
    const value = Number(valueText);
    assert.ok(Number.isFinite(value) || /^[+-]Inf$|^NaN$/.test(valueText), `value ${valueText}`);
    if (families.get(current)!.type === 'counter') assert.ok(value >= 0, 'counters are not negative');
    samples.push({ name: sampleName, family: current, labels, value });
  }
  return { families, samples };
}

test('exposition: OpenMetrics names counter families without _total and ends with # EOF; the older format does neither; labels escaped', () => {
  const families = [
    { name: 'pcount_crossings', type: 'counter' as const, help: 'People\ncounted', samples: [{ labels: { task: 'a "b"\\c', line: 'x\ny' }, value: 3 }] },
    { name: 'pcount_detector_latency_seconds', type: 'gauge' as const, unit: 'seconds', help: 'Latency.', samples: [{ labels: { task: 'a' }, value: 0.0123456789 }] },
    { name: 'pcount_task', type: 'info' as const, help: 'Info.', samples: [{ labels: { task: 'a', kind: 'video' }, value: 1 }] },
  ];
  const open = formatMetrics(families, true);
  const parsed = parseOpenMetrics(open);
  assert.deepEqual(parsed.samples[0].labels, { task: 'a "b"\\c', line: 'x\ny' });
  assert.match(open, /^# HELP pcount_crossings People\\ncounted$/m);
  assert.match(open, /^pcount_detector_latency_seconds\{task="a"\} 0\.012346$/m);
  assert.match(open, /^pcount_task_info\{task="a",kind="video"\} 1$/m);
  const old = formatMetrics(families, false);
  assert.match(old, /^# TYPE pcount_crossings_total counter$/m);
  assert.match(old, /^# TYPE pcount_task_info gauge$/m);
  assert.doesNotMatch(old, /# EOF|# UNIT/);
});

test('listen address: a port alone binds 127.0.0.1; a host or [IPv6] when given; nonsense is refused', () => {
  assert.deepEqual(parseListenAddress('9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress(':9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
  assert.throws(() => parseListenAddress('host:99999'), /expected PORT or HOST:PORT/);
  assert.throws(() => parseListenAddress('nine'), /--metrics 'nine'/);
});

test('config: parallel_config.metrics is where to serve, --metrics wins, a malformed address is a config problem', () => {
  const config = (metrics: unknown) => ({ parallel_config: { metrics }, cameras: [{ id: 'c', source: 'rtsp://cam/x', lines: [{ name: 'l', points: [0, 0, 1, 1] }] }] });
  const ok = resolveConfig(config('0.0.0.0:9464'), null, '/tmp');
  assert.ok(ok.ok && ok.config.metrics === '0.0.0.0:9464');
  const flag = resolveConfig(config('9464'), null, '/tmp', { metrics: '127.0.0.1:9999' });
  assert.ok(flag.ok && flag.config.metrics === '127.0.0.1:9999');
  const none = resolveConfig({ cameras: config('1').cameras }, null, '/tmp');
  assert.ok(none.ok && none.config.metrics === null);
  const bad = resolveConfig(config('port nine'), null, '/tmp');
  assert.ok(!bad.ok && bad.problems.some((p) => p.path === '$.parallel_config.metrics'), JSON.stringify(bad));
});

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
        skipFrames: 1,
        confidence: 0.3,
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

  await until(pool, (s) => s.tasks[0].frames !== undefined && s.tasks[0].frames > 30);
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
