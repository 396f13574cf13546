import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { LINE_COLOUR, strokeSizes } from '../src/picture/annotate.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openFrames } from '../src/worker/ffmpeg-frames.js';
import { cliBin, repoRoot } from './worker-harness.js';

const vtest = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');
const mot = path.join(repoRoot, 'test/fixtures/footage/mot17-09-141-280.mp4');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliBin, ...args], { cwd: repoRoot, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The PNG's own structure: signature, chunks with good CRCs, IHDR first and IEND last; and its pixels, unfiltered. */
function decodePng(file: string): { width: number; height: number; rgb: Buffer } {
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  assert.equal(chunks[0].type, 'IHDR');
  assert.equal(chunks.at(-1)?.type, 'IEND');
  const h = chunks[0].data;
  const [width, height] = [h.readUInt32BE(0), h.readUInt32BE(4)];
  assert.deepEqual([...h.subarray(8)], [8, 2, 0, 0, 0], '8-bit truecolour, not interlaced');
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 3;
  assert.equal(raw.length, (stride + 1) * height);
  const rgb = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const left = i >= 3 ? rgb[y * stride + i - 3] : 0;
      const up = y > 0 ? rgb[(y - 1) * stride + i] : 0;
      const upLeft = y > 0 && i >= 3 ? rgb[(y - 1) * stride + i - 3] : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, filter === 4 ? paeth() : 0][filter];
      assert.ok(predictor !== undefined, `filter ${filter}`);
      rgb[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, rgb };
}

/** Frame `n` (1-based) of a video at its own size, decoded by ffmpeg (found the project's way). */
async function ffmpegFrame(input: string, n: number, width: number, height: number): Promise<Buffer> {
  const ffmpeg = await resolveFfmpeg({});
  const reader = openFrames({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input, output: { width, height }, every: Math.max(1, n - 1), maxFrames: n === 1 ? 1 : 2 });
  let last = null;
  for await (const f of reader) last = f;
  return Buffer.from(last!.data);
}

const at = (img: { width: number; rgb: Buffer }, x: number, y: number) => [...img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

test('snapshot: a PNG of the frame asked for, at the source size, with the line and its in-arrow where they belong', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-snapshot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'door.png');
  const r = await cli(['snapshot', vtest, '--frame', '10', '--line', '0.25,0,0.25,1,door', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /door\.png: vtest-480 768x576, frame 10, \d+ (people|person), 1 line/);

  const png = decodePng(out);
  assert.deepEqual([png.width, png.height], [768, 576]);
  // An independent decoder agrees on every pixel.
  const byFfmpeg = await ffmpegFrame(out, 1, 768, 576);
  assert.ok(byFfmpeg.equals(png.rgb), 'ffmpeg decodes the same pixels');

  // The line: x = 0.25 × 768 = 192, 2 px wide at this size, top to bottom.
  assert.equal(strokeSizes(768, 576).thickness, 2);
  for (const y of [0, 40, 150, 450, 575]) assert.deepEqual(at(png, 192, y), [...LINE_COLOUR], `line pixel at y ${y}`);
  // Its in side is the left (right → left is in): the arrow's shaft runs left from the middle, at y = 288.
  assert.deepEqual(at(png, 192 - 30, 288), [...LINE_COLOUR], 'arrow shaft on the in side');
  assert.notDeepEqual(at(png, 192 + 30, 288), [...LINE_COLOUR], 'nothing of the arrow on the out side');
  // Away from the drawing the picture is frame 10 itself.
  const frame10 = await ffmpegFrame(vtest, 10, 768, 576);
  const frame11 = await ffmpegFrame(vtest, 11, 768, 576);
  const corner = (img: Buffer) => [...Array(40).keys()].map((i) => img.readUInt32BE(((560 * 768) + 20 + i * 3) * 3));
  assert.deepEqual(corner(png.rgb), corner(frame10));
  assert.ok(!frame10.equals(frame11), 'frames differ, so the comparison tells them apart');
});

test('snapshot of a config: one PNG per task, each at its own source size', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-snapshot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'two.json');
  writeFileSync(
    config,
    JSON.stringify({
      videos: [
        { id: 'lawn', source: vtest, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }] },
        { id: 'street', source: mot, lines: [{ name: 'kerb', points: [0, 0.8, 1, 0.8] }] },
      ],
    }),
  );
  const r = await cli(['snapshot', config, '--at', '2', '-o', path.join(dir, 'shots')]);
  assert.equal(r.code, 0, r.stderr);
  const lawn = decodePng(path.join(dir, 'shots', 'lawn.png'));
  const street = decodePng(path.join(dir, 'shots', 'street.png'));
  assert.deepEqual([lawn.width, lawn.height], [768, 576]);
  assert.deepEqual([street.width, street.height], [1920, 1080]);
  assert.match(r.stdout, /lawn 768x576, frame 21/);
  assert.match(r.stdout, /street 1920x1080, frame 61/);
  // kerb: y = 0.8 × 1080 = 864, drawn thicker on the bigger picture.
  const t1080 = strokeSizes(1920, 1080).thickness;
  assert.ok(t1080 > 2);
  const top = 864 - Math.floor((t1080 - 1) / 2);
  for (let y = top; y < top + t1080; y++) assert.deepEqual(at(street, 100, y), [...LINE_COLOUR], `row ${y} of the line`);
  assert.notDeepEqual(at(street, 100, top - 1), [...LINE_COLOUR]);
  assert.notDeepEqual(at(street, 100, top + t1080), [...LINE_COLOUR]);
});

test('snapshot: bad options and frames past the end are clear errors with a non-zero exit', async () => {
  const both = await cli(['snapshot', vtest, '--at', '1', '--frame', '2']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--at or --frame, not both/);
  const zero = await cli(['snapshot', vtest, '--frame', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /bad --frame '0': expected a whole number ≥ 1/);
  const early = await cli(['snapshot', vtest, '--at', '-1']);
  assert.equal(early.code, 2);
  assert.match(early.stderr, /bad --at '-1': expected a number of seconds ≥ 0/);
  const past = await cli(['snapshot', vtest, '--frame', '481', '-o', path.join(tmpdir(), 'never.png')]);
  assert.equal(past.code, 1);
  assert.match(past.stderr, /has no frame at frame 481/);
  const late = await cli(['snapshot', vtest, '--at', '48', '-o', path.join(tmpdir(), 'never.png')]);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /has no frame at 48 s \(it is 48 s long\)/);
  const missing = await cli(['snapshot', path.join(tmpdir(), 'no-such-video.mp4')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /SOURCE_NOT_FOUND/);
  // Was: no end, at 100 % CPU (Node's recursive mkdir under /proc); then 'INTERNAL', as if a bug; then found only
  // after the frame was grabbed and its people found. Now said before that work, naming the folder that cannot be made.
  const nowhere = await cli(['snapshot', vtest, '-o', '/proc/pcount-tui-nowhere/a.png']);
  assert.equal(nowhere.code, 1);
  assert.equal(nowhere.stderr, 'pcount-tui snapshot: cannot write /proc/pcount-tui-nowhere/a.png: cannot make /proc/pcount-tui-nowhere: /proc is not writable (ENOENT)\n');
  // Was: the missing folders made without a word, exit 0 (a typo in the folder hid the picture where nobody looks).
  const base = mkdtempSync(path.join(tmpdir(), 'pcount-snap-nodir-'));
  const typo = path.join(base, 'no-such', 'dir');
  const notMade = await cli(['snapshot', vtest, '-o', path.join(typo, 'x.png')]);
  assert.equal(notMade.code, 1);
  assert.equal(notMade.stderr, `pcount-tui snapshot: cannot write ${path.join(typo, 'x.png')}: the folder ${typo} does not exist (make it first, or give another -o)\n`);
  assert.equal(lstatSync(path.join(base, 'no-such'), { throwIfNoEntry: false }), undefined, 'no folder made');
  rmSync(base, { recursive: true, force: true });
});

test('snapshot -o a device (here a link to /dev/full) writes into it: its failure is said, exit 1, and the device is not replaced by a file', async () => {
  // Was: the PNG renamed over the target, exit 0; run as root with -o /dev/full, /dev/full became a regular file.
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-snap-dev-'));
  const link = path.join(dir, 'out.png');
  symlinkSync('/dev/full', link);
  const full = await cli(['snapshot', vtest, '-o', link]);
  assert.equal(full.code, 1, full.stderr);
  assert.equal(full.stdout, '');
  assert.equal(full.stderr, `pcount-tui snapshot: vtest-480: cannot write ${link}: ENOSPC: no space left on device, write\n`);
  assert.ok(lstatSync(link).isSymbolicLink() && statSync(link).isCharacterDevice(), 'the link and the device are still there');
  rmSync(dir, { recursive: true, force: true });
});

test('snapshot -o - (or -o naming what stdout already is): the PNG alone on stdout, the status line on stderr', async () => {
  // Was: the status line went to stdout after the PNG; with stdout sent to a file, the PNG was renamed over the path
  // (as root, `-o /dev/stdout > x.png` replaced /dev/stdout with a file) and x.png held only the status line.
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-snap-stdout-'));
  const into = (args: string[], file: string) => {
    const fd = openSync(file, 'w');
    try {
      return spawnSync(process.execPath, [cliBin, 'snapshot', vtest, ...args], { cwd: repoRoot, timeout: 180_000, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    } finally {
      closeSync(fd);
    }
  };
  const dash = path.join(dir, 'dash.png');
  const r = into(['-o', '-'], dash);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^standard output: vtest-480 768x576, frame 1, \d+ (people|person), 1 line\n$/);
  assert.deepEqual([decodePng(dash).width, decodePng(dash).height], [768, 576]);
  const same = path.join(dir, 'same.png');
  const s = into(['-o', same], same);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /^standard output: vtest-480 768x576/);
  assert.equal(decodePng(same).width, 768);
  // Through a pipe, /dev/stdout: the bytes read are the PNG and nothing else.
  const piped = spawnSync(process.execPath, [cliBin, 'snapshot', vtest, '-o', '/dev/stdout'], { cwd: repoRoot, timeout: 180_000 });
  assert.equal(piped.status, 0, String(piped.stderr));
  writeFileSync(path.join(dir, 'piped.png'), piped.stdout);
  assert.equal(decodePng(path.join(dir, 'piped.png')).height, 576);
  const config = path.join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ videos: [{ id: 'v', source: vtest, lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }] }] }));
  const many = await cli(['snapshot', config, '-o', '-']);
  assert.equal(many.code, 2);
  assert.equal(many.stderr, "pcount-tui snapshot: bad --output '-': a config file makes one PNG per task; give the folder to write them in\n");
  rmSync(dir, { recursive: true, force: true });
});

test('snapshot -o - into a reader that is gone: a quiet end, exit 0, and no line saying the PNG was written', async () => {
  // Was: "standard output: vtest-480 768x576, …" on stderr, the PNG said to be written where no byte of it arrived.
  const child = spawn(process.execPath, [cliBin, 'snapshot', vtest, '-o', '-'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the frame is even read: every write of the PNG meets a pipe with no reader (EPIPE).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
});

test('snapshot --at of an image sequence takes the frame at that time at its frame rate (--frame-rate, or the task\'s frame_rate), as a run times it', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-snapshot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ffmpeg = await resolveFfmpeg({});
  const frames = path.join(dir, 'frames');
  mkdirSync(frames);
  // 60 frames: at ffmpeg's own 25 per second, 2 s is frame 51, which is there too.
  execFileSync(ffmpeg.path, ['-v', 'error', '-i', vtest, '-frames:v', '60', path.join(frames, '%04d.png')]);
  const sequence = path.join(frames, '%04d.png');
  const frame21 = decodePng(path.join(frames, '0021.png')).rgb;
  const flag = await cli(['snapshot', sequence, '--at', '2', '--frame-rate', '10', '-o', path.join(dir, 'flag.png')]);
  assert.equal(flag.code, 0, flag.stderr);
  assert.match(flag.stdout, /flag\.png: frames 768x576, frame 21,/);
  const config = path.join(dir, 'seq.json');
  writeFileSync(config, JSON.stringify({ videos: [{ id: 'seq', source: sequence, frame_rate: 10, lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }] }] }));
  const task = await cli(['snapshot', config, '--at', '2', '-o', path.join(dir, 'shots')]);
  assert.equal(task.code, 0, task.stderr);
  assert.match(task.stdout, /seq 768x576, frame 21,/);
  // Away from the line and the boxes, the pictures are frame 21 itself.
  const corner = (img: Buffer) => [...Array(40).keys()].map((i) => img.readUInt32BE(((560 * 768) + 20 + i * 3) * 3));
  assert.deepEqual(corner(decodePng(path.join(dir, 'flag.png')).rgb), corner(frame21));
  assert.deepEqual(corner(decodePng(path.join(dir, 'shots', 'seq.png')).rgb), corner(frame21));
});
