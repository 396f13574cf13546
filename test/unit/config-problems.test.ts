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

test('an empty or too long task id or line name is one problem, in the words of the rule, with the value', () => {
  const long = 'a'.repeat(65);
  const problems = validateConfig({
    videos: [
      { id: '', source: 'a.mp4', lines: [{ name: '', points: [0.5, 0, 0.5, 1] }] },
      { id: long, source: 'b.mp4', lines: [{ name: long, points: [0.5, 0, 0.5, 1] }] },
    ],
  }).map(formatProblem);
  const id = 'may hold only letters A-Z a-z, digits, "_", "." and "-", starting with a letter or digit, at most 64 characters';
  const name = 'may hold only letters, digits, spaces and _ . - # / ( ) + :, starting with a letter or digit, at most 64 characters';
  assert.deepEqual(problems.sort(), [
    `$.videos[0].id: ${id} (found "")`,
    `$.videos[0].lines[0].name: ${name} (found "")`,
    `$.videos[1].id: ${id} (found "${long}")`,
    `$.videos[1].lines[0].name: ${name} (found "${long}")`,
  ]);
});
