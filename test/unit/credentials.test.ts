import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCredentials, redactSource, redactText, sourceSecrets } from '../../src/sources/credentials.js';
import { workerArgs, workerEnv } from '../../src/orchestrator/spawn-worker.js';
import { sourceFrom } from '../../src/commands/worker.js';
import { ffmpegArgs } from '../../src/worker/ffmpeg-args.js';
import { ffmpegInput } from '../../src/worker/ffmpeg-input.js';

describe('redactSource', () => {
  const cases: [string, string][] = [
    ['rtsp://admin:s3cret@10.0.0.5:554/Streaming/Channels/101', 'rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101'],
    ['rtsp://admin:p@ss:w0rd@cam.local/live', 'rtsp://admin:***@cam.local/live'],
    ['http://user:pa%40ss@cam/mjpeg?resolution=640x480', 'http://user:***@cam/mjpeg?resolution=640x480'],
    ['rtsp://admin@cam/live', 'rtsp://admin@cam/live'],
    ['redis://:r3dis-pw@10.0.0.9:6379/0', 'redis://:***@10.0.0.9:6379/0'],
    ['http://host/x?a=b@c', 'http://host/x?a=b@c'],
    ['http://cam/snapshot.cgi?user=admin&pwd=123456&chn=1', 'http://cam/snapshot.cgi?user=admin&pwd=***&chn=1'],
    ['http://cam/video.cgi?Password=x&token=abc#frag', 'http://cam/video.cgi?Password=***&token=***#frag'],
    ['rtsp://cam.local/stream?channel=1', 'rtsp://cam.local/stream?channel=1'],
    ['/data/videos/user:pass@host.mp4', '/data/videos/user:pass@host.mp4'],
    ['frames/%04d.png', 'frames/%04d.png'],
    ['/dev/video0', '/dev/video0'],
  ];
  for (const [source, shown] of cases) {
    it(`${source} → ${shown}`, () => {
      assert.equal(redactSource(source), shown);
      assert.equal(hasCredentials(source), source !== shown);
      assert.equal(redactSource(shown), shown, 'redacting twice changes nothing');
    });
  }
});

describe('redactText', () => {
  it('hides the URL secrets in free text, and the known secrets wherever they appear', () => {
    const source = 'rtsp://admin:s3cret@127.0.0.1:9/x';
    const secrets = sourceSecrets(source);
    assert.deepEqual(secrets, ['s3cret']);
    assert.equal(
      redactText("[concat @ 0x1] Impossible to open 'rtsp://admin:s3cret@127.0.0.1:9/x'", secrets),
      "[concat @ 0x1] Impossible to open 'rtsp://admin:***@127.0.0.1:9/x'",
    );
    assert.equal(redactText('auth failed for password s3cret', secrets), 'auth failed for password ***');
    assert.deepEqual(sourceSecrets('http://u:p%40ss@h/x?pwd=abc'), ['p%40ss', 'p@ss', 'abc']);
    assert.equal(redactText('frame 7 of http://h/x', ['7']), 'frame 7 of http://h/x', 'secrets under 3 characters are hidden in URLs only');
  });
});

describe('the source travels outside the command lines', () => {
  const task = { id: 'door', kind: 'camera' as const, source: 'rtsp://admin:s3cret@10.0.0.5/x', lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] as [number, number, number, number] }], options: { skip_frames: 1, confidence: 0.3 } };

  it('the worker gets the redacted source as --source and the real one in its environment', () => {
    const args = workerArgs(task, { threads: 1, logLevel: 'info' });
    assert.equal(args[args.indexOf('--source') + 1], 'rtsp://admin:***@10.0.0.5/x');
    assert.ok(!args.join(' ').includes('s3cret'));
    assert.deepEqual(workerEnv(task), { PCOUNT_TUI_SOURCE: 'rtsp://admin:s3cret@10.0.0.5/x' });
    assert.deepEqual(workerEnv({ ...task, source: '/data/a.mp4' }), {});
  });

  it('the worker takes the environment only for the source it stands for, and removes it', () => {
    const env: NodeJS.ProcessEnv = { PCOUNT_TUI_SOURCE: 'rtsp://admin:s3cret@10.0.0.5/x' };
    assert.equal(sourceFrom('rtsp://admin:***@10.0.0.5/x', env), 'rtsp://admin:s3cret@10.0.0.5/x');
    assert.equal(env.PCOUNT_TUI_SOURCE, undefined, 'ffmpeg does not inherit it');
    assert.equal(sourceFrom('rtsp://other/x', { PCOUNT_TUI_SOURCE: 'rtsp://admin:s3cret@10.0.0.5/x' }), 'rtsp://other/x');
  });

  it('ffmpeg gets a source with a password as an ffconcat list on stdin, with TCP for RTSP', () => {
    const o = { ffmpeg: 'ffmpeg', input: 'rtsp://admin:it\'s@10.0.0.5/x', output: { width: 32, height: 32 }, inputArgs: ['-rtsp_transport', 'tcp'] };
    const args = ffmpegArgs(o);
    assert.ok(!args.join(' ').includes("it's") && args.includes('pipe:0'));
    assert.deepEqual(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2).filter((a) => a !== args[args.indexOf('-protocol_whitelist') + 1]), ['-f', 'concat', '-safe', '0', '-protocol_whitelist', '-i', 'pipe:0']);
    assert.equal(ffmpegInput(o.input, [], []).stdin, "ffconcat version 1.0\nfile 'rtsp://admin:it'\\''s@10.0.0.5/x?tcp'\n");
    const plain = ffmpegArgs({ ...o, input: 'rtsp://10.0.0.5/x' });
    assert.deepEqual(plain.slice(plain.indexOf('-rtsp_transport'), plain.indexOf('-i') + 2), ['-rtsp_transport', 'tcp', '-i', 'rtsp://10.0.0.5/x']);
  });
});
