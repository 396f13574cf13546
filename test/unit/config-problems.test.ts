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

test('a redis URL that run would refuse is a problem of the config (validate said ok, run exit 2 naming --redis)', () => {
  const config = (redis: string) => ({ parallel_config: { redis }, videos: [{ id: 'v', source: 'a.mp4', lines: [line] }] });
  assert.deepEqual(validateConfig(config('redis://u:s3cretRD@127.0.0.1:notaport')).map(formatProblem), [
    '$.parallel_config.redis: not a URL; expected redis://[user:pass@]host:port/db or rediss://… for TLS (found "redis://u:***@127.0.0.1:notaport")',
  ]);
  assert.deepEqual(validateConfig(config('redis://cache:6379/zero')).map(formatProblem), [
    "$.parallel_config.redis: the database must be a number (/0, /1, …), not '/zero' (found \"redis://cache:6379/zero\")",
  ]);
  assert.deepEqual(validateConfig(config('redis://cache:6379/0')), []);
});

test('a password in any value shown is hidden, wherever the URL was put (it was printed under a wrong key)', () => {
  const problems = validateConfig({
    bogus: 'rtsp://x:s3cretPW@h/',
    cameras: [{ id: 'c', source: 'rtsp://admin:s3cretPW@cam/x', skip_frames: 'rtsp://admin:s3cretPW@cam/x', lines: [line] }],
  }).map(formatProblem);
  assert.deepEqual(problems, [
    '$.bogus: is not a known property (found "rtsp://x:***@h/")',
    '$.cameras[0].skip_frames: must be integer (found "rtsp://admin:***@cam/x")',
  ]);
});
