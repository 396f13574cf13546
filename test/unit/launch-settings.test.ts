import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskSpec } from '../../src/config/types.js';
import { launchSettings } from '../../src/orchestrator/launch-settings.js';
import type { PoolOptions } from '../../src/orchestrator/pool-options.js';
import { TaskRecord } from '../../src/orchestrator/task-record.js';
import type { Store } from '../../src/store/store.js';
import { Tally } from '../../src/store/tally.js';

const spec: TaskSpec = { id: 'vt', kind: 'video', source: '/videos/vt.avi', lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.3 } };
const record = () =>
  new TaskRecord(spec, { tally: new Tally(['door'], { reset: null, floor: null, zone: 'UTC' }), chainId: null, startFrame: null, note: null, takeIn: null }, { logLines: 10, samples: 10, crossings: 10 });

test('a worker writes its counting state only for a run with a store, which keeps it with the checkpoints', () => {
  const base = { tasks: [spec], workerCount: 1, cpus: 2 } as unknown as PoolOptions;
  assert.equal(launchSettings({ ...base, store: {} as Store }, record(), 1).emitState, true);
  assert.equal(launchSettings({ ...base, store: null }, record(), 1).emitState, false);
  assert.equal(launchSettings(base, record(), 1).emitState, false);
});
