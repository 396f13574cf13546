import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem, validateConfig } from '../../src/config/validate.js';

const line = { name: 'door', points: [0.5, 0, 0.5, 1] };

test('a number too large for JSON (1e400) is shown as Infinity, not as the null JSON.stringify makes of it', () => {
  const data = JSON.parse('{"parallel_config":{"worker_count":1e309},"videos":[{"id":"v","source":"a.mp4","lines":[{"name":"door","points":[0.5,0,0.5,-1e400]}]}]}') as unknown;
  assert.deepEqual(validateConfig(data).map(formatProblem), [
    '$.parallel_config.worker_count: must be integer (found Infinity: a number too large to hold)',
    '$.videos[0].lines[0].points[3]: must be number (found -Infinity: a number too large to hold)',
  ]);
  // Other values are shown as before.
  assert.deepEqual(validateConfig({ parallel_config: { worker_count: 'two' }, videos: [{ id: 'v', source: 'a.mp4', lines: [line] }] }).map(formatProblem), [
    '$.parallel_config.worker_count: must be integer (found "two")',
  ]);
});
