import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot } from '../../src/orchestrator/snapshot.js';
import type { TaskView } from '../../src/orchestrator/types.js';
import { quitSummary } from '../../src/tui/quit-summary.js';

const long = 'entrance-north-camera-recorded-on-the-third-of-december-morning-shift';
const tasks = [
  { id: 'a', state: 'completed', in: 3, out: 2 },
  { id: long, state: 'completed', in: 1, out: 1 },
] as TaskView[];
const dir = '/srv/results/runs/20261203-220000-abc';
const files = ['results.json', 'a.csv', `${long}.csv`, 'crossings.ndjson'].map((f) => `${dir}/${f}`);

test('the quit summary names each file on a line of its own that fits the terminal (was: one list the terminal broke mid-name)', () => {
  const snapshot = { ...buildSnapshot(tasks, [], 0, { dir, files, at: 1, error: null }), store: { path: '/srv/results/pcount.db', error: null } };
  const lines = quitSummary(snapshot, 40).split('\n');
  assert.deepEqual(lines, [
    'pcount-tui: 2 tasks, 2 completed, 0 failed, 0 cancelled; 4 in, 3 out',
    `results: ${dir}`,
    '  results.json',
    '  a.csv',
    '  entrance-north-came…-morning-shift.csv',
    '  crossings.ndjson',
    'store: /srv/results/pcount.db',
    '',
  ]);
  assert.ok(lines.slice(2, 6).every((l) => l.length <= 40));
  // Wide enough, every name is whole.
  assert.ok(quitSummary(snapshot, 120).includes(`\n  ${long}.csv\n`));
});
