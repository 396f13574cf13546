import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adHocConfig, resolveConfig } from '../src/config/load.js';
import { formatProblem } from '../src/config/validate.js';
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

test('bad detect_region values are one config problem each, naming the path, the value and what is accepted', () => {
  const at = '$.cameras[0].detect_region';
  const accepted = 'must be "auto", "full" or a list of [x, y, w, h] rectangles in fractions of the frame';
  // Each was two to five problems, one of them "must match a schema in anyOf".
  const cases: [unknown, string][] = [
    ['everywhere', `${at}: ${accepted} (found "everywhere")`],
    [5, `${at}: ${accepted} (found 5)`],
    [null, `${at}: ${accepted} (found null)`],
    [[], `${at}: is an empty list of rectangles (use "auto", "full" or at least one [x, y, w, h]) (found [])`],
    [[[0, 0, 0.5]], `${at}: rectangle [0,0,0.5] is not four numbers x,y,w,h (found [[0,0,0.5]])`],
    [[5], `${at}[0]: must be array (found 5)`],
    [[[0.6, 0, 0.5, 0.5]], `${at}: rectangle [0.6,0,0.5,0.5] reaches outside the frame (x, y ≥ 0 and x + w, y + h ≤ 1, in fractions of the frame) (found [[0.6,0,0.5,0.5]])`],
    [[[0.1, 0.1, 0, 0.5]], `${at}: rectangle [0.1,0.1,0,0.5] is empty (width and height must be > 0) (found [[0.1,0.1,0,0.5]])`],
  ];
  for (const [value, expected] of cases) {
    const r = resolveConfig({ cameras: [task({ detect_region: value })] }, null, '/tmp');
    assert.deepEqual(r.ok ? [] : r.problems.map(formatProblem), [expected], JSON.stringify(value));
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
