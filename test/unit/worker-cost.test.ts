import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { defaultWorkerCommand, WORKER_NODE_OPTIONS } from '../../src/orchestrator/spawn-worker.js';
import { ffmpegArgs, type FrameReaderOptions } from '../../src/worker/ffmpeg-args.js';

const base: FrameReaderOptions = { ffmpeg: 'ffmpeg', ffmpegVersion: 'ffmpeg version 6.0', input: 'http://127.0.0.1:9/x', output: { kind: 'native', maxSide: 1920 }, every: 5 };

test('decoder threads: -threads N is an input option (before -i), and absent unless asked for', () => {
  const args = ffmpegArgs({ ...base, decoderThreads: 1 });
  const at = args.indexOf('-threads');
  assert.ok(at >= 0 && args[at + 1] === '1', args.join(' '));
  assert.ok(at < args.indexOf('-i'), 'before the input, where it sets the decoder');
  assert.ok(!ffmpegArgs(base).includes('-threads'));
  // A source with a password goes through the concat demuxer on stdin: the decoder option still comes first.
  const secret = ffmpegArgs({ ...base, input: 'rtsp://user:pw@10.0.0.5/x', decoderThreads: 2 });
  assert.ok(secret.indexOf('-threads') < secret.indexOf('-i') && secret[secret.indexOf('-threads') + 1] === '2', secret.join(' '));
});

test('workers start with the Node options, which this Node accepts', () => {
  const { args } = defaultWorkerCommand();
  assert.deepEqual(args.slice(0, WORKER_NODE_OPTIONS.length), WORKER_NODE_OPTIONS);
  assert.match(args[WORKER_NODE_OPTIONS.length], /bin\/pcount-tui\.js$/);
  assert.equal(args[WORKER_NODE_OPTIONS.length + 1], 'worker');
  const run = spawnSync(process.execPath, [...WORKER_NODE_OPTIONS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
