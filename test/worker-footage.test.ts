import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { HelloEvent, TracksEvent } from '../src/protocol/events.js';
import { ffmpeg } from './footage.js';
import { runWorkerCli, vtest } from './worker-harness.js';

/**
 * Footage as operators have it, made from vtest's first seconds with the bundled ffmpeg: a file with a second video
 * stream, a recording that paused, and one stored with non-square pixels. Each is counted as the plain file is.
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
