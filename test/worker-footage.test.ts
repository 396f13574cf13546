import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { CrossingEvent, HelloEvent, TracksEvent } from '../src/protocol/events.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { probeSource } from '../src/worker/ffmpeg-probe.js';
import { openSource } from '../src/worker/source.js';
import { ffmpeg } from './footage.js';
import { runWorkerCli, vtest } from './worker-harness.js';

/**
 * Footage as operators have it, made from vtest's first seconds with the bundled ffmpeg: a file with a second video
 * stream, a recording that paused, one stored with non-square pixels, and a recorder's MPEG-TS. Each is counted as the
 * plain file is.
 */

const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-footage-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function make(name: string, args: string[]): string {
  const out = path.join(tmp, name);
  execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, out]);
  return out;
}

async function count(source: string, args: string[]) {
  const r = await runWorkerCli(['--source', source, '--emit-tracks', ...args], 90_000);
  assert.equal(r.code, 0, r.stderr);
  const hello = r.events.find((e): e is HelloEvent => e.type === 'hello')!;
  const tracks = r.events.filter((e): e is TracksEvent => e.type === 'tracks').map(({ frame, pts, tracks }) => ({ frame, pts, tracks }));
  return { size: `${hello.width}x${hello.height}`, tracks };
}

test('a file with a small video stream before the main one is counted on the stream ffmpeg decodes, at its size', async () => {
  const small = make('small.mkv', ['-i', vtest, '-t', '2', '-vf', 'scale=160:120', '-c:v', 'mpeg4']);
  const plain = make('plain.mkv', ['-i', vtest, '-t', '2', '-c', 'copy']);
  const two = make('two.mkv', ['-i', small, '-i', plain, '-map', '0:v', '-map', '1:v', '-c', 'copy']);
  const [got, want] = [await count(two, ['--skip-frames', '2']), await count(plain, ['--skip-frames', '2'])];
  assert.equal(got.size, '768x576');
  assert.ok(want.tracks.some((t) => t.tracks.length > 0));
  assert.deepEqual(got.tracks, want.tracks);
});

test('a recording that paused keeps its frames at their own times, and frames on the grid at index / fps exactly', async () => {
  // Frames 31 on (0-based 30) come 10 s later than the rate says.
  const paused = make('paused.mkv', ['-i', vtest, '-frames:v', '45', '-vf', "setpts='if(gte(N,30),PTS+10/TB,PTS)'", '-vsync', 'passthrough', '-c:v', 'mpeg4', '-q:v', '4']);
  const { tracks } = await count(paused, ['--skip-frames', '3']);
  const pts = new Map(tracks.map((t) => [t.frame, t.pts]));
  assert.equal(pts.size, 45);
  for (let n = 1; n <= 30; n++) assert.equal(pts.get(n), (n - 1) / 10, `frame ${n}`);
  // Detection frames (every 3rd from frame 1) after the pause carry their own time.
  for (const n of [31, 34, 37, 40, 43]) assert.equal(pts.get(n), Math.round(((n - 1) / 10 + 10) * 1000) / 1000, `frame ${n}`);
  const times = [...pts.values()];
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]), `times go forward: ${times.join(' ')}`);
});

test('non-square pixels are counted in the geometry they are shown at', async () => {
  // PAL-style storage: 540 stored columns shown 768 wide (SAR 64:45), and the same picture stored square.
  const anamorphic = make('sar.mkv', ['-i', vtest, '-t', '2', '-vf', 'scale=540:576,setsar=64/45', '-c:v', 'mpeg4', '-q:v', '2']);
  const square = make('square.mkv', ['-i', vtest, '-t', '2', '-c:v', 'mpeg4', '-q:v', '2']);
  const [got, want] = [await count(anamorphic, ['--skip-frames', '2']), await count(square, ['--skip-frames', '2'])];
  assert.equal(got.size, '768x576');
  // The same people in the same places, give or take what 540 columns lose: box centres and widths.
  const centres = (r: typeof got) => r.tracks.flatMap((t) => t.tracks.map((k) => ({ frame: t.frame, x: k.box[0] + k.box[2] / 2, w: k.box[2] })));
  const wanted = centres(want);
  const pairs = centres(got).map((c) => {
    const near = wanted.filter((w) => w.frame === c.frame).sort((a, b) => Math.abs(a.x - c.x) - Math.abs(b.x - c.x))[0];
    return near ? { dx: Math.abs(near.x - c.x), ratio: c.w / near.w } : null;
  });
  assert.ok(pairs.length > 10 && pairs.every((p) => p !== null), `${pairs.length} boxes, each with a box of the square file's frame`);
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  assert.ok(median(pairs.map((p) => p!.dx)) < 4, `median centre offset ${median(pairs.map((p) => p!.dx))} px`);
  assert.ok(Math.abs(median(pairs.map((p) => p!.ratio)) - 1) < 0.1, `median width ratio ${median(pairs.map((p) => p!.ratio))}`);
});

test('a recorder\'s MPEG-TS (picture after its sound, seeks landing on the next key frame): a resumed run numbers, times and counts its frames as the whole run does', async () => {
  // The container starts at 1.4 s (ffmpeg's MPEG-TS muxer, as recorders write), its picture 0.5 s after its sound, a key
  // frame every 2.5 s: a seek lands up to 2.5 s after the point asked for.
  const ts = make('recorder.ts', ['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-i', vtest, '-map', '0:a', '-map', '1:v', '-frames:v', '250',
    '-t', '25.5', '-vf', 'setpts=PTS+0.5/TB', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a', 'mp2']);
  const base = ['--source', ts, '--skip-frames', '5', '--line', '0.5,0,0.5,1', '--emit-tracks'];
  const run = async (name: string, args: string[]) => {
    const file = path.join(tmp, `${name}.ndjson`);
    const r = await runWorkerCli([...base, '--record-detections', file, ...args], 120_000);
    assert.equal(r.code, 0, r.stderr);
    const detected = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { f?: number }).filter((s) => s.f !== undefined);
    const tracks = r.events.filter((e): e is TracksEvent => e.type === 'tracks').map(({ frame, pts, tracks }) => JSON.stringify({ frame, pts, tracks }));
    // Each crossing with the frame whose `tracks` came last before it: those after frame 120's are the resumed run's.
    let frame = 0;
    const crossings: { after: number; crossing: string }[] = [];
    for (const e of r.events) {
      if (e.type === 'tracks') frame = (e as TracksEvent).frame;
      if (e.type === 'crossing') crossings.push({ after: frame, crossing: JSON.stringify({ ...(e as CrossingEvent), seq: 0, ts: 0 }) });
    }
    return { r, detected, tracks, crossings };
  };
  const whole = await run('whole', []);
  assert.equal(whole.detected.length, 50);
  const byFrame = new Map(whole.detected.map((d) => [d.f, JSON.stringify(d)]));

  // Counting from frame 121: decoding starts at the warm-up's first frame, 41, in the middle of a group of pictures.
  const warm = await run('warm', ['--start-frame', '121']);
  assert.deepEqual(warm.detected.map((d) => d.f), whole.detected.map((d) => d.f).filter((f) => f! >= 41), 'the same detection frames');
  for (const d of warm.detected) assert.equal(JSON.stringify(d), byFrame.get(d.f), `frame ${d.f}: its time and detections`);

  // Resumed from the counting state after frame 120: frames, times, tracks and crossings from 121 on are the whole run's.
  const cut = await run('cut', ['--emit-state', '--max-frames', '120']);
  const state = cut.r.events.filter((e) => e.type === 'state').at(-1) as { frame: number; state: unknown } | undefined;
  assert.equal(state?.frame, 120);
  const stateFile = path.join(tmp, 'state.json');
  writeFileSync(stateFile, JSON.stringify(state.state));
  const resumed = await run('resumed', ['--start-frame', '121', '--start-state', stateFile]);
  const after = (t: string) => (JSON.parse(t) as { frame: number }).frame >= 121;
  assert.ok(whole.tracks.filter(after).some((t) => t.includes('"box"')), 'people after the resume point');
  assert.deepEqual(resumed.tracks.filter(after), whole.tracks.filter(after));
  assert.deepEqual(resumed.crossings.map((c) => c.crossing), whole.crossings.filter((c) => c.after >= 120).map((c) => c.crossing));
  assert.ok(resumed.crossings.length > 0, 'crossings after the resume point');
});

test('a Matroska file whose picture starts 0.6 s after its sound: counted from frame 121, its frames are the whole run\'s, timed from the picture\'s start', async () => {
  const mkv = make('late-picture.mkv', ['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-i', vtest, '-map', '0:a', '-map', '1:v', '-frames:v', '200',
    '-t', '20.5', '-vf', 'setpts=PTS+0.5/TB', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a', 'aac']);
  const detected = async (name: string, args: string[]) => {
    const file = path.join(tmp, `${name}.ndjson`);
    const r = await runWorkerCli(['--source', mkv, '--skip-frames', '5', '--record-detections', file, ...args], 120_000);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.startsWith('{"f":'));
  };
  const whole = await detected('mkv-whole', []);
  assert.equal(JSON.parse(whole[1]).t, 0.5, 'frame 6 at 0.5 s: times count from the picture\'s first frame');
  const resumed = await detected('mkv-resumed', ['--start-frame', '121']);
  assert.equal(JSON.parse(resumed[0]).f, 41, 'the warm-up starts at frame 41');
  assert.deepEqual(resumed, whole.slice(whole.length - resumed.length));
});

test('an image sequence is read at --frame-rate: its frames are timed (and its tracks aged) at that rate, not ffmpeg\'s 25', async () => {
  const folder = path.join(tmp, 'sequence');
  mkdirSync(folder);
  execFileSync(ffmpeg, ['-v', 'error', '-i', vtest, '-frames:v', '30', path.join(folder, '%04d.png')]);
  const source = path.join(folder, '%04d.png');
  const run = async (args: string[]) => {
    const r = await runWorkerCli(['--source', source, '--emit-tracks', '--skip-frames', '3', ...args], 90_000);
    assert.equal(r.code, 0, r.stderr);
    const hello = r.events.find((e): e is HelloEvent => e.type === 'hello')!;
    const tracks = r.events.filter((e): e is TracksEvent => e.type === 'tracks');
    return { fps: hello.fps, frames: tracks.map((t) => t.frame), pts: tracks.map((t) => t.pts), people: tracks.some((t) => t.tracks.length > 0) };
  };
  const [given, unsaid] = [await run(['--frame-rate', '10']), await run([])];
  assert.equal(given.fps, 10);
  assert.deepEqual(given.frames, Array.from({ length: 30 }, (_, i) => i + 1));
  assert.deepEqual(given.pts, given.frames.map((n) => (n - 1) / 10));
  assert.ok(given.people, 'people tracked');
  assert.equal(unsaid.fps, 25);
  assert.deepEqual(unsaid.pts, unsaid.frames.map((n) => (n - 1) / 25));
});

/** How much the rows of a frame's luma zig-zag (each row off both its neighbours the same way): combing. */
function combing(f: { width: number; height: number; data: Uint8Array }): number {
  let sum = 0;
  for (let y = 1; y < f.height - 1; y++) {
    for (let x = 0; x < f.width; x++) {
      const [a, b, c] = [f.data[(y - 1) * f.width + x], f.data[y * f.width + x], f.data[(y + 1) * f.width + x]];
      sum += Math.max(0, (b - a) * (b - c));
    }
  }
  return sum / (f.width * (f.height - 2));
}

test('interlaced footage (a DVR\'s 720x576, top field first) is deinterlaced, a frame per frame; progressive footage is read as it is', async () => {
  // Two fields 20 ms apart in every frame of moving pictures, as an analogue camera's, flagged as such.
  const dvr = make('dvr.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=50', '-t', '1', '-vf', 'tinterlace=interleave_top,setfield=tff',
    '-c:v', 'mpeg2video', '-flags', '+ilme+ildct', '-top', '1', '-q:v', '2']);
  const progressive = make('progressive.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=25', '-t', '1', '-c:v', 'mpeg2video', '-q:v', '2']);
  const bin = await resolveFfmpeg();
  const read = async (file: string) => {
    const probed = await probeSource({ ffmpeg: bin.path, input: file });
    const source = await openSource({ source: file, live: false, ffmpeg: bin, probed, skipFrames: 1, maxSide: 1920, stallTimeoutMs: 10_000, onReconnect: () => {}, onLog: () => {} });
    const frames = [];
    for (let f = await source.next(); f; f = await source.next()) frames.push({ ...f, data: Uint8Array.from(f.data) });
    source.close();
    const raw = [];
    for await (const f of openFrames({ ffmpeg: bin.path, input: file, output: { kind: 'native', maxSide: 1920 } })) raw.push({ ...f, data: Uint8Array.from(f.data) });
    return { probed, frames, raw };
  };
  const interlaced = await read(dvr);
  assert.equal(interlaced.probed.interlaced, true);
  assert.equal(interlaced.frames.length, 25, 'a frame per frame, not per field');
  assert.deepEqual(interlaced.frames.map((f) => f.pts), interlaced.raw.map((f) => f.ptsSeconds));
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const [combed, deinterlaced] = [median(interlaced.raw.map(combing)), median(interlaced.frames.map(combing))];
  assert.ok(deinterlaced < combed / 4, `combing ${deinterlaced.toFixed(1)} deinterlaced, ${combed.toFixed(1)} as decoded`);

  const plain = await read(progressive);
  assert.equal(plain.probed.interlaced, false);
  assert.equal(plain.frames.length, 25);
  plain.frames.forEach((f, i) => assert.ok(Buffer.from(f.data).equals(Buffer.from(plain.raw[i].data)), `frame ${f.number}: the decoded pixels`));
});

test('a live stream whose pictures are interlaced is opened again deinterlaced before its first frame; a progressive one is opened once', async (t) => {
  const dvr = make('dvr-live.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=50', '-t', '4', '-vf', 'tinterlace=interleave_top,setfield=tff',
    '-c:v', 'mpeg2video', '-flags', '+ilme+ildct', '-top', '1', '-q:v', '2']);
  const progressive = make('progressive-live.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=25', '-t', '4', '-c:v', 'mpeg2video', '-q:v', '2']);
  const bin = await resolveFfmpeg();
  // A camera that can be connected to again (ffmpeg's -listen 1 serves one client): each connection gets the clip.
  const served = async (clip: string) => {
    let connections = 0;
    const server = createServer((_, res) => {
      connections++;
      createReadStream(clip).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    server.unref();
    const logs: string[] = [];
    const source = await openSource({
      source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live`,
      live: true,
      ffmpeg: bin,
      skipFrames: 1,
      maxSide: 1920,
      stallTimeoutMs: 10_000,
      onReconnect: () => {},
      onLog: (_, message) => logs.push(message),
    });
    const openedWith = connections;
    const frame = (await source.next())!;
    const picture = { ...frame, data: Uint8Array.from(frame.data) };
    source.close();
    return { openedWith, logs, picture };
  };
  const raw = [];
  for await (const f of openFrames({ ffmpeg: bin.path, input: dvr, output: { kind: 'native', maxSide: 1920 }, maxFrames: 5 })) raw.push(combing(f));

  const interlaced = await served(dvr);
  assert.equal(interlaced.openedWith, 2);
  assert.deepEqual(interlaced.logs.filter((l) => /interlaced/.test(l)), ['the stream\'s pictures are interlaced (two fields each): opened again, deinterlaced']);
  assert.ok(combing(interlaced.picture) < Math.min(...raw) / 4, `combing ${combing(interlaced.picture).toFixed(1)} on the live frame, at least ${Math.min(...raw).toFixed(1)} as decoded`);

  const plain = await served(progressive);
  assert.equal(plain.openedWith, 1);
  assert.deepEqual(plain.logs.filter((l) => /interlaced/.test(l)), []);
});
