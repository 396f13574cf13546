import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adHocConfig, resolveConfig } from '../src/config/load.js';
import { workerArgs } from '../src/orchestrator/spawn-worker.js';

const task = (extra: Record<string, unknown> = {}) => ({ id: 'cam', source: 'rtsp://cam/x', lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], ...extra });
const run = { threads: 1, logLevel: 'info' } as const;
const flag = (args: string[]) => args[args.indexOf('--detect-region') + 1];

test('detect_region from the config reaches the worker as --detect-region; a task overrides parallel_config', () => {
  const r = resolveConfig(
    { parallel_config: { detect_region: 'full' }, cameras: [task(), task({ id: 'two', detect_region: [[0, 0.5, 0.5, 0.5], [0.5, 0, 0.5, 0.5]] })] },
    null,
    '/tmp',
  );
  assert.ok(r.ok, JSON.stringify(r));
  const [a, b] = r.config.tasks;
  assert.equal(flag(workerArgs(a, run)), 'full');
  assert.equal(flag(workerArgs(b, run)), '0,0.5,0.5,0.5;0.5,0,0.5,0.5');
  const none = resolveConfig({ cameras: [task()] }, null, '/tmp');
  assert.ok(none.ok && !workerArgs(none.config.tasks[0], run).includes('--detect-region'), 'auto is the default');
});

test('bad detect_region values are config problems naming the path and the value', () => {
  const cases: [unknown, string, RegExp][] = [
    ['everywhere', '$.cameras[0].detect_region', /./],
    [[], '$.cameras[0].detect_region', /./],
    [[[0, 0, 0.5]], '$.cameras[0].detect_region[0]', /./],
    [[[0.6, 0, 0.5, 0.5]], '$.cameras[0].detect_region', /reaches outside the frame/],
    [[[0.1, 0.1, 0, 0.5]], '$.cameras[0].detect_region', /empty/],
  ];
  for (const [value, at, message] of cases) {
    const r = resolveConfig({ cameras: [task({ detect_region: value })] }, null, '/tmp');
    assert.equal(r.ok, false, JSON.stringify(value));
    if (r.ok) continue;
    const p = r.problems.find((x) => x.path.startsWith(at));
    assert.ok(p, `a problem at ${at} for ${JSON.stringify(value)}: ${JSON.stringify(r.problems)}`);
    assert.match(p.message, message);
  }
  const shared = resolveConfig({ parallel_config: { detect_region: [[0, 0, 1.5, 1]] }, cameras: [task()] }, null, '/tmp');
  assert.ok(!shared.ok && shared.problems.some((p) => p.path === '$.parallel_config.detect_region' && /outside the frame/.test(p.message)));
});

test('--detect-region of run wins over the config and reaches the workers of --source tasks', () => {
  const rects: [number, number, number, number][] = [[0, 0, 1, 0.5]];
  const adHoc = adHocConfig(['rtsp://cam/x'], [], { task: { detect_region: rects } });
  assert.ok(adHoc.ok && flag(workerArgs(adHoc.config.tasks[0], run)) === '0,0,1,0.5');
  const config = resolveConfig({ parallel_config: { detect_region: 'full' }, cameras: [task()] }, null, '/tmp', { task: { detect_region: 'auto' } });
  assert.ok(config.ok && flag(workerArgs(config.config.tasks[0], run)) === 'auto');
});
