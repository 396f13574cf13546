import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLiveSource } from '../../src/sources/kind.js';
import { DEFAULT_LINE, parseLine, parseLines } from '../../src/sources/lines.js';
import { taskIdFor } from '../../src/sources/task-id.js';
import { inputArgsFor } from '../../src/worker/source-kind.js';

test('--line: four fractions and an optional name', () => {
  assert.deepEqual(parseLine('0.5,0,0.5,1', 'line'), { name: 'line', points: [0.5, 0, 0.5, 1] });
  assert.deepEqual(parseLine(' 0, 0.25 ,1,0.25 , door east ', 'x'), { name: 'door east', points: [0, 0.25, 1, 0.25] });
  assert.deepEqual(parseLine('0,0.5,1,0.5,Eingang Süd (2)', 'x').name, 'Eingang Süd (2)');
});

test('--line: every malformed value is refused, quoting it and saying what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['0.5,0,0.5', /expected x1,y1,x2,y2/],
    ['0.5,0,,1', /x2 '' is not a number/],
    ['a,0,0.5,1', /x1 'a' is not a number/],
    ['0.5,0,0.5,1.5', /y2 = 1.5 is outside 0..1/],
    ['384,0,384,576', /outside 0..1/],
    ['0.3,0.3,0.3,0.3', /same/],
    ['0,0,1,1,', /name .* empty/],
    ['0,0,1,1,door\n2026-01-01T00:00:00Z ERROR forged', /the name may hold only letters, digits/],
    ['0,0,1,1,\u001b]0;pwned\u0007', /the name may hold only/],
    ['0,0,1,1,lobby\u009b2J', /the name may hold only/],
    ['0,0,1,1,door,east', /may not contain a comma/],
  ];
  for (const [value, why] of cases) {
    assert.throws(
      () => parseLine(value, 'line'),
      (err: unknown) => err instanceof Error && err.message.includes(`'${value}'`) && why.test(err.message),
      value,
    );
  }
});

test('--line list: default line, numbered names, duplicate names rejected', () => {
  assert.deepEqual(parseLines(undefined), [DEFAULT_LINE]);
  assert.deepEqual(DEFAULT_LINE, { name: 'line', points: [0.5, 0, 0.5, 1] });
  assert.deepEqual(parseLines(['0,0,1,1']).map((l) => l.name), ['line'], 'one unnamed line is called like the default line');
  assert.deepEqual(parseLines(['0,0,1,1', '1,0,0,1,back']).map((l) => l.name), ['line1', 'back']);
  assert.throws(() => parseLines(['0,0,1,1,a', '1,0,0,1,a']), /'a' is used twice/);
});


test('source kinds: what is live, which input options, task ids', () => {
  assert.equal(isLiveSource('rtsp://cam/stream'), true);
  assert.equal(isLiveSource('HTTP://host/x'), true);
  assert.equal(isLiveSource('/dev/video0'), true);
  assert.equal(isLiveSource('/data/clip.mp4'), false);
  assert.equal(isLiveSource('frames/%04d.png'), false);
  assert.deepEqual(inputArgsFor('rtsp://cam/s').slice(0, 2), ['-rtsp_transport', 'tcp']);
  // A camera that speaks only UDP is reached with ?udp: TCP forced beside it made ffmpeg ask for TCP (400 Bad Request).
  assert.deepEqual(inputArgsFor('rtsp://cam/s?udp'), ['-analyzeduration', '1000000']);
  assert.deepEqual(inputArgsFor('rtsp://cam/s?x=1&multicast'), ['-analyzeduration', '1000000']);
  assert.deepEqual(inputArgsFor('/dev/video2'), ['-f', 'v4l2']);
  assert.deepEqual(inputArgsFor('clip.mp4'), []);
  assert.deepEqual(inputArgsFor('http://cam/stream.ts'), []);
  assert.deepEqual(inputArgsFor('http://cam/stream.ts', true), ['-analyzeduration', '1000000']);
  assert.deepEqual(inputArgsFor('clip.mp4', true), [], 'a local file is never a quick-start stream');
  assert.equal(taskIdFor('/data/Front Door.mp4'), 'Front-Door');
  assert.equal(taskIdFor('/data/gate-3/%05d.jpg'), 'gate-3');
  assert.equal(taskIdFor('rtsp://user@10.0.0.5:554/live/1'), '10.0.0.5-554-live-1');
});
