import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/load.js';
import { parseListenAddress } from '../../src/config/values.js';
import { formatMetrics } from '../../src/monitoring/openmetrics.js';
import { parseOpenMetrics } from '../openmetrics-reader.js';

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
  assert.throws(() => parseListenAddress('nine'), /expected PORT or HOST:PORT/);
});

test('listen address: a host no server can bind is refused by the one check validate, --metrics and run share', () => {
  assert.deepEqual(parseListenAddress('localhost:9464'), { host: 'localhost', port: 9464 });
  assert.deepEqual(parseListenAddress('metrics-1.internal:9464'), { host: 'metrics-1.internal', port: 9464 });
  assert.deepEqual(parseListenAddress('10.0.0.7:9464'), { host: '10.0.0.7', port: 9464 });
  for (const host of ['1.2.3.4.5', '300.1.1.1', 'a b', '-lead', 'a..b', '[::1::2]']) {
    assert.throws(() => parseListenAddress(`${host}:80`), new RegExp(`^Error: ${host.replace(/[.[\]]/g, '\\$&')} is not an IP address or host name \\(expected PORT or HOST:PORT`), host);
  }
  const config = { parallel_config: { metrics: '1.2.3.4.5:80' }, cameras: [{ id: 'c', source: 'rtsp://cam/x', lines: [{ name: 'l', points: [0, 0, 1, 1] }] }] };
  const checked = resolveConfig(config, null, '/tmp');
  assert.deepEqual(!checked.ok && checked.problems.map((p) => [p.path, p.message]), [
    ['$.parallel_config.metrics', '1.2.3.4.5 is not an IP address or host name (expected PORT or HOST:PORT, e.g. 9464 or 0.0.0.0:9464)'],
  ]);
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

test('config: a bare port may be a JSON number, served as the text would be; a number that is no port says what is expected', () => {
  const config = (metrics: unknown) => ({ parallel_config: { metrics }, cameras: [{ id: 'c', source: 'rtsp://cam/x', lines: [{ name: 'l', points: [0, 0, 1, 1] }] }] });
  const port = resolveConfig(config(9464), null, '/tmp');
  assert.ok(port.ok && port.config.metrics === '9464', JSON.stringify(port));
  const said = (metrics: unknown) => {
    const r = resolveConfig(config(metrics), null, '/tmp');
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };
  const form = 'must be PORT or HOST:PORT, e.g. 9464 or 0.0.0.0:9464';
  assert.deepEqual(said(70000), [`$.parallel_config.metrics: ${form}`]);
  assert.deepEqual(said(94.5), [`$.parallel_config.metrics: ${form}`]);
  assert.deepEqual(said(-1), [`$.parallel_config.metrics: ${form}`]);
  assert.deepEqual(said(true), ['$.parallel_config.metrics: must be an address "HOST:PORT" or "PORT" or a port number from 0 to 65535']);
});
