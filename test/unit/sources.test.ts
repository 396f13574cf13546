import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSource } from '../../src/sources/credentials.js';
import { FIRST_FRAME, frameNumber } from '../../src/sources/frames.js';
import { describeSource, isLiveSource, resolveSource, unusableSource } from '../../src/sources/kind.js';
import { DEFAULT_LINE, defaultLineName, parseLines } from '../../src/sources/lines.js';
import { taskIdFor, uniqueTaskIds } from '../../src/sources/task-id.js';

test('live or file: one answer for every kind of source', () => {
  const cases: [string, string, boolean, string | null][] = [
    ['/data/clip.mp4', 'file', false, '/data/clip.mp4'],
    ['clip.avi', 'file', false, 'clip.avi'],
    ['file:///data/a%20b.mp4', 'file', false, '/data/a b.mp4'],
    ['file:clip.mp4', 'file', false, 'clip.mp4'],
    ['frames/%04d.png', 'sequence', false, 'frames/%04d.png'],
    ['/data/gate/%05d.jpg', 'sequence', false, '/data/gate/%05d.jpg'],
    ['http://host/videos/x.mp4', 'remote-file', false, null],
    ['https://host/x.MKV?token=1', 'remote-file', false, null],
    ['ftp://host/a.avi', 'remote-file', false, null],
    ['http://cam/mjpg/video', 'stream', true, null],
    ['https://host/live/index.m3u8', 'stream', true, null],
    ['rtsp://admin:pw@cam/stream', 'stream', true, null],
    ['RTMP://host/app', 'stream', true, null],
    ['udp://239.0.0.1:1234', 'stream', true, null],
    ['srt://host:9000', 'stream', true, null],
    ['/dev/video0', 'device', true, null],
    ['-', 'pipe', false, null],
    ['pipe:0', 'pipe', false, null],
    ['/dev/stdin', 'pipe', false, null],
    ['/dev/fd/3', 'pipe', false, null],
  ];
  for (const [source, kind, live, local] of cases) {
    assert.deepEqual(describeSource(source), { kind, live, local }, source);
    assert.equal(isLiveSource(source), live, source);
  }
});

test('pipes and empty sources are refused with a reason; local paths resolve, URLs do not', () => {
  assert.match(unusableSource('/dev/stdin') ?? '', /pipe.*save the video to a file or serve it as a stream/);
  assert.match(unusableSource('  ') ?? '', /empty/);
  assert.equal(unusableSource('rtsp://cam/x'), null);
  assert.equal(resolveSource('clip.mp4', '/cfg'), '/cfg/clip.mp4');
  assert.equal(resolveSource('file:///data/a%20b.mp4', '/cfg'), '/data/a b.mp4');
  assert.equal(resolveSource('frames/%04d.png', '/cfg'), '/cfg/frames/%04d.png');
  assert.equal(resolveSource('http://h/x.mp4', '/cfg'), 'http://h/x.mp4');
  assert.equal(resolveSource('/dev/video0', '/cfg'), '/dev/video0');
});

test('task ids: one function, from the redacted source, never a password', () => {
  assert.equal(taskIdFor('/data/Front Door.mp4'), 'Front-Door');
  assert.equal(taskIdFor('frames/%04d.png'), 'frames');
  assert.equal(taskIdFor('/data/gate-3/%05d.jpg'), 'gate-3');
  assert.equal(taskIdFor('img%03d.jpg'), 'img');
  assert.equal(taskIdFor('file:///data/lobby.mp4'), 'lobby');
  assert.equal(taskIdFor('/dev/video2'), 'video2');
  assert.equal(taskIdFor('rtsp://cam.local/live'), 'cam.local-live');
  assert.equal(taskIdFor('rtsp://admin:s3cret@10.0.0.5:554/live/1?auth=x'), '10.0.0.5-554-live-1');
  assert.equal(taskIdFor('rtsp://admin:p@ss@cam/x'), 'cam-x');
  assert.equal(taskIdFor('http://host/videos/x.mp4'), 'host-videos-x.mp4');
  assert.equal(taskIdFor('...'), 'task');
  assert.ok(taskIdFor(`/data/${'a'.repeat(100)}.mp4`).length <= 64);
  for (const id of [taskIdFor('rtsp://admin:s3cret@h/x'), taskIdFor('rtsp://s3cret@h/x')]) assert.doesNotMatch(id, /s3cret/);
  assert.deepEqual(uniqueTaskIds(['/a/clip.mp4', '/b/clip.mp4', 'rtsp://cam/x', '/c/clip.avi']), ['clip', 'clip-2', 'cam-x', 'clip-3']);
});

test('credentials: the password is starred, the rest of the source kept', () => {
  assert.equal(redactSource('rtsp://admin:s3cret@10.0.0.5:554/live'), 'rtsp://admin:***@10.0.0.5:554/live');
  assert.equal(redactSource('rtsp://admin:p@ss@cam/x'), 'rtsp://admin:***@cam/x');
  assert.equal(redactSource('http://user@host/x'), 'http://user@host/x');
  assert.equal(redactSource('http://host/x?a=b@c'), 'http://host/x?a=b@c');
  assert.equal(redactSource('/data/a:b@c.mp4'), '/data/a:b@c.mp4');
});

test('line names: `line` for the default and for one unnamed line, line1..N for several', () => {
  assert.deepEqual(DEFAULT_LINE, { name: 'line', points: [0.5, 0, 0.5, 1] });
  assert.deepEqual([defaultLineName(0, 1), defaultLineName(0, 3), defaultLineName(2, 3)], ['line', 'line1', 'line3']);
  assert.deepEqual(parseLines([]).map((l) => l.name), ['line']);
  assert.deepEqual(parseLines(['0,0,1,1']).map((l) => l.name), ['line']);
  assert.deepEqual(parseLines(['0,0,1,1', '1,0,0,1,back', '0,1,1,0']).map((l) => l.name), ['line1', 'back', 'line3']);
});

test('frames are numbered from 1', () => {
  assert.equal(FIRST_FRAME, 1);
  assert.equal(frameNumber(0), 1);
  assert.equal(frameNumber(99), 100);
});
