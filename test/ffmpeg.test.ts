import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { ffmpegArgs, type FrameReaderOptions } from '../src/worker/ffmpeg-args.js';
import { FrameReaderError } from '../src/worker/ffmpeg-errors.js';
import { openFrames, type RawFrame } from '../src/worker/ffmpeg-frames.js';
import { vtest as VTEST } from './footage.js';
import { waitUntil } from './worker-harness.js';

const none = async () => null;
const scripts = mkdtempSync(path.join(tmpdir(), 'pcount-ffmpeg-bin-'));
after(() => rmSync(scripts, { recursive: true, force: true }));

/** An executable shell script named `ffmpeg` in a folder of its own. */
function script(folder: string, body: string): string {
  const dir = path.join(scripts, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ffmpeg');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The bundled ffmpeg under another path, to tell the resolution's candidates apart. */
const bundled = await resolveFfmpeg({ env: {} });
const wrapper = script('wrapper', `exec '${bundled.path}' "$@"`);
/** What ffmpeg 5 prints for the questions resolveFfmpeg asks (its help text as of 5.1). */
const helpOf5 = script(
  'ffmpeg-5',
  [
    'case "$*" in',
    '  *-version*) echo "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers" ;;',
    '  *"-h long"*) echo "-fps_mode[:<stream_spec>]  set framerate mode for matching video streams; overrides vsync" ;;',
    '  *demuxer=rtsp*) printf "RTSP demuxer AVOptions:\\n  -timeout           <int64>      .D......... set timeout (in microseconds) of socket I/O operations\\n" ;;',
    'esac',
  ].join('\n'),
);

async function readAll(opts: FrameReaderOptions): Promise<RawFrame[]> {
  const frames: RawFrame[] = [];
  for await (const f of openFrames(opts)) frames.push(f);
  return frames;
}

async function failure(opts: FrameReaderOptions): Promise<FrameReaderError> {
  const reader = openFrames(opts);
  try {
    await reader.next();
  } catch (err) {
    assert.ok(err instanceof FrameReaderError);
    return err;
  }
  assert.fail('expected the reader to fail');
}

describe('ffmpeg binary resolution', () => {
  it('prefers --ffmpeg over FFMPEG_PATH, and FFMPEG_PATH over the packages', async () => {
    assert.equal(bundled.origin, '@ffmpeg-installer/ffmpeg');
    assert.match(bundled.version, /^ffmpeg version /);

    const viaOption = await resolveFfmpeg({ option: wrapper, env: { FFMPEG_PATH: bundled.path } });
    assert.deepEqual([viaOption.origin, viaOption.path], ['option', wrapper]);
    const viaEnv = await resolveFfmpeg({ env: { FFMPEG_PATH: helpOf5 } });
    assert.deepEqual([viaEnv.origin, viaEnv.path], ['env', helpOf5]);
    assert.match(viaEnv.version, /^ffmpeg version 5\./);
  });

  it('never falls back when the explicit choice does not run', async () => {
    await assert.rejects(resolveFfmpeg({ option: '/nonexistent/ffmpeg', env: {} }), (e: Error & { code?: string }) => {
      return e.code === 'FFMPEG_NOT_FOUND' && /--ffmpeg \(\/nonexistent\/ffmpeg\)/.test(e.message);
    });
    await assert.rejects(resolveFfmpeg({ env: { FFMPEG_PATH: '/etc/hostname' } }), /FFMPEG_PATH \(\/etc\/hostname\) does not run/);
    // A bare name is a command looked up on PATH, not the file of that name here.
    await assert.rejects(
      resolveFfmpeg({ option: 'pcount-no-such-ffmpeg.mp4', env: {} }),
      /--ffmpeg \(pcount-no-such-ffmpeg\.mp4\) does not run: no program "pcount-no-such-ffmpeg\.mp4" on PATH .*give \.\/pcount-no-such-ffmpeg\.mp4/,
    );
  });

  it('reads option names that changed between releases from the binary itself', async () => {
    const old = bundled; // a 2018 git build without a release number
    const v5 = await resolveFfmpeg({ option: helpOf5 });
    assert.deepEqual(old.features, { fpsMode: false, rtspTimeout: '-stimeout' });
    assert.deepEqual(v5.features, { fpsMode: true, rtspTimeout: '-timeout' });
    const rtsp = { input: 'rtsp://127.0.0.1:9/x', output: { width: 32, height: 32 }, networkTimeoutMs: 2000 };
    const oldArgs = ffmpegArgs({ ...rtsp, ffmpeg: old.path }).join(' ');
    const v5Args = ffmpegArgs({ ...rtsp, ffmpeg: v5.path }).join(' ');
    assert.match(oldArgs, /-stimeout 2000000 .*-vsync passthrough/);
    assert.match(v5Args, /-timeout 2000000 .*-fps_mode passthrough/);
    assert.match(ffmpegArgs({ ...rtsp, input: 'http://127.0.0.1:9/x', ffmpeg: v5.path }).join(' '), /-rw_timeout 2000000 /);
  });

  it('tries ffmpeg-static, then @ffmpeg-installer/ffmpeg, then PATH, skipping candidates that do not run', async () => {
    const viaStatic = await resolveFfmpeg({ env: {}, packages: { 'ffmpeg-static': async () => wrapper } });
    assert.deepEqual([viaStatic.origin, viaStatic.path], ['ffmpeg-static', wrapper]);
    const broken = await resolveFfmpeg({
      env: { PATH: `/nonexistent:${path.dirname(wrapper)}` },
      packages: { 'ffmpeg-static': async () => '/etc/hostname', '@ffmpeg-installer/ffmpeg': none },
    });
    assert.deepEqual([broken.origin, broken.path], ['PATH', wrapper]);
    await assert.rejects(
      resolveFfmpeg({ env: { PATH: '/nonexistent' }, packages: { 'ffmpeg-static': none, '@ffmpeg-installer/ffmpeg': none } }),
      /no working ffmpeg found \(ffmpeg-static: not installed; @ffmpeg-installer\/ffmpeg: not installed; PATH: not installed\)/,
    );
  });
});

describe('raw frames from vtest.avi', async () => {
  const bin = bundled;
  const base = { ffmpeg: bin.path, ffmpegVersion: bin.version, input: VTEST, output: { width: 384, height: 288 } };
  const firstTwelve = await readAll({ ...base, maxFrames: 12 });

  it('reports the source size, rate and duration before the first frame', async () => {
    const reader = openFrames({ ...base, maxFrames: 1 });
    const info = await reader.info();
    assert.deepEqual([info.width, info.height, info.fps, info.duration], [768, 576, 10, 48]);
    assert.equal(reader.bufferedFrames, 0);
    reader.close();
  });

  it('hands out consecutive frames of exactly W×H×3 bytes with decode-order indices', () => {
    assert.deepEqual(
      firstTwelve.map((f) => f.index),
      [...Array(12).keys()],
    );
    for (const f of firstTwelve) {
      assert.equal(f.data.length, 384 * 288 * 3);
      assert.equal(f.ptsSeconds, f.index / 10);
    }
    assert.notDeepEqual(firstTwelve[0].data, firstTwelve[11].data);
  });

  it('keeps the original indices when taking every 10th frame', async () => {
    const frames = await readAll({ ...base, every: 10, maxFrames: 3 });
    assert.deepEqual(
      frames.map((f) => f.index),
      [0, 10, 20],
    );
    assert.deepEqual(frames[1].data, firstTwelve[10].data);
  });

  it('decodes the same pixels with one decoder thread (-threads 1) as with ffmpeg\'s default', async () => {
    const native = { ...base, output: { kind: 'native', maxSide: 1920 } as const, every: 5, maxFrames: 4 };
    const [one, auto] = await Promise.all([readAll({ ...native, decoderThreads: 1 }), readAll(native)]);
    assert.deepEqual(
      one.map((f) => f.index),
      [0, 5, 10, 15],
    );
    one.forEach((f, i) => assert.deepEqual(f.data, auto[i].data, `frame ${f.index}`));
  });

  it('starts at -ss with indices offset by start × fps', async () => {
    const fromStart = await readAll({ ...base, every: 10, maxFrames: 3 });
    const seeked = await readAll({ ...base, startSeconds: 2, every: 5, maxFrames: 2 });
    assert.deepEqual(
      seeked.map((f) => f.index),
      [20, 25],
    );
    assert.deepEqual(seeked[0].data, fromStart[2].data);
  });

  it('letterboxes with the pad colour where asked', async () => {
    const [f] = await readAll({
      ...base,
      output: { width: 320, height: 320, scaledWidth: 320, scaledHeight: 240, padX: 0, padY: 40, padValue: 114 },
      maxFrames: 1,
    });
    assert.equal(f.data.length, 320 * 320 * 3);
    const rowIsGrey = (y: number) => f.data.subarray(y * 960, (y + 1) * 960).every((v) => v === 114);
    assert.ok(rowIsGrey(0) && rowIsGrey(39) && rowIsGrey(280) && rowIsGrey(319));
    assert.ok(!rowIsGrey(40) && !rowIsGrey(279));
  });

  it('pauses ffmpeg while the consumer is busy, and close() stops it', async () => {
    const reader = openFrames({ ...base, bufferFrames: 2 });
    await reader.next();
    // The consumer takes nothing more: the reader fills up to its two frames and stops reading ffmpeg.
    await waitUntil(() => reader.paused, 10_000, 'the reader pausing ffmpeg');
    assert.ok(reader.bufferedFrames >= 2 && reader.bufferedFrames <= 3, `${reader.bufferedFrames} frames buffered`);
    const next = await reader.next();
    assert.equal(next?.index, 1);
    assert.ok(reader.bufferedFrames <= 3);
    reader.close();
    assert.equal(await reader.next(), null);
    const exit = await reader.exited;
    assert.ok(exit.signal === 'SIGTERM' || exit.code !== 0);
  });
});

describe('frame reader errors', async () => {
  const bin = await resolveFfmpeg({ env: {} });
  const base = { ffmpeg: bin.path, ffmpegVersion: bin.version, output: { width: 64, height: 48 } };
  const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-ffmpeg-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('names a missing file', async () => {
    const err = await failure({ ...base, input: '/nonexistent/clip.mp4' });
    assert.equal(err.code, 'SOURCE_NOT_FOUND');
    assert.match(err.message, /\/nonexistent\/clip\.mp4/);
    assert.ok(err.stderr.some((l) => /No such file/.test(l)));
  });

  it('names a file that is not a video', async () => {
    const err = await failure({ ...base, input: fileURLToPath(import.meta.url) });
    assert.equal(err.code, 'SOURCE_UNREADABLE');
    assert.match(err.message, /ffmpeg-test|ffmpeg\.test\.js/);
  });

  it('times out on a source that never delivers a frame, and kills ffmpeg', async () => {
    const fifo = path.join(tmp, 'stalled');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const reader = openFrames({ ...base, input: fifo, openTimeoutMs: 700 });
    await assert.rejects(reader.next(), (e: FrameReaderError) => e.code === 'SOURCE_TIMEOUT' && e.message.includes(fifo));
    assert.ok(Date.now() - started < 3000);
    await reader.exited;
  });

  it('reports a binary that cannot be started', async () => {
    const err = await failure({ ...base, ffmpeg: '/nonexistent/ffmpeg', input: VTEST });
    assert.equal(err.code, 'FFMPEG_NOT_FOUND');
    assert.match(err.message, /\/nonexistent\/ffmpeg/);
  });
});
