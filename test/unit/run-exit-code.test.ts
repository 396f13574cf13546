import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot, runExitCode, signalledExitCode } from '../../src/orchestrator/snapshot.js';
import type { PoolSnapshot, TaskView } from '../../src/orchestrator/types.js';

const done = { id: 'a', state: 'completed' } as TaskView;
const exported = (error: string | null): PoolSnapshot['lastExport'] => ({ dir: '/r/runs/x', files: error ? [] : ['/r/runs/x/results.json'], at: 1, error });

test('a run exits 0 only when its tasks completed, its store took every crossing and its results were written', () => {
  assert.equal(runExitCode(buildSnapshot([done], [], 0, exported(null))), 0);
  assert.equal(runExitCode(buildSnapshot([done, { ...done, id: 'b', state: 'cancelled' }], [], 0, exported(null))), 1);
  assert.equal(runExitCode({ ...buildSnapshot([done], [], 0, exported(null)), store: { path: '/r/pcount.db', error: 'the disk is full' } }), 1);
  // A full disk that the store survived (its WAL had room) but results.json did not: no results, not a success.
  assert.equal(runExitCode(buildSnapshot([done], [], 0, exported('ENOSPC: no space left on device, write'))), 1);
});

test('a headless run a signal ended: 128 + the signal when it cut a task short, as the dashboard; 0 when every task ended well', () => {
  const cut = buildSnapshot([done, { ...done, id: 'b', state: 'cancelled' }], [], 0, exported(null));
  assert.deepEqual([signalledExitCode(cut, 'SIGINT'), signalledExitCode(cut, 'SIGTERM'), signalledExitCode(cut, 'SIGHUP')], [130, 143, 129]);
  // Cameras stopped at the end of the run completed, and a task left running in its fleet was left on purpose.
  assert.equal(signalledExitCode(buildSnapshot([done, { ...done, id: 'b', state: 'left' }], [], 0, exported(null)), 'SIGTERM'), 0);
});
