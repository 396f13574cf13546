import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderParser, LineTail } from '../../src/worker/ffmpeg-header.js';

function parse(lines: string[]): HeaderParser {
  const h = new HeaderParser();
  for (const line of lines) h.feed(line);
  return h;
}

test('of two video streams, the facts are those of the one ffmpeg maps, not of the first', () => {
  // The bundled ffmpeg's header for an MKV with a 160x120 stream before the 768x576 one (ffmpeg decodes the larger).
  const h = parse([
    "Input #0, matroska,webm, from 'two.mkv':",
    '  Duration: 00:00:03.00, start: 0.000000, bitrate: 1286 kb/s',
    '    Stream #0:0: Video: mpeg4 (Simple Profile), yuv420p, 160x120 [SAR 1:1 DAR 4:3], 10 fps, 10 tbr, 1k tbn, 10 tbc (default)',
    '    Stream #0:1: Video: msmpeg4v3, yuv420p, 768x576, 25 fps, 25 tbr, 1k tbn, 1k tbc (default)',
    'Stream mapping:',
  ]);
  assert.equal(h.done, false, 'the mapping line is still to come');
  h.feed('  Stream #0:1 -> #0:0 (msmpeg4v3 (msmpeg4) -> rawvideo (native))');
  assert.equal(h.done, true);
  assert.deepEqual(h.info, { width: 768, height: 576, fps: 25, duration: 3, codec: 'msmpeg4v3', container: 'matroska,webm', interlaced: false });
});

test('an audio stream before the video one, with a stream id, is passed over', () => {
  const h = parse([
    "Input #0, mpegts, from 'a.ts':",
    '  Duration: 00:00:02.60, start: 1.500000, bitrate: 1185 kb/s',
    '    Stream #0:0[0x101](eng): Audio: mp2, 48000 Hz, stereo, s16p, 384 kb/s',
    '    Stream #0:1[0x100]: Video: mpeg2video (Main) ([2][0][0][0] / 0x0002), yuv420p(tv, progressive), 720x576 [SAR 16:15 DAR 4:3], 25 fps, 25 tbr, 90k tbn, 50 tbc',
    'Stream mapping:',
    '  Stream #0:1 -> #0:0 (mpeg2video (native) -> rawvideo (native))',
  ]);
  assert.deepEqual(h.info, { width: 768, height: 576, fps: 25, duration: 2.6, codec: 'mpeg2video', container: 'mpegts', interlaced: false });
});

test('a stream that says its field order is interlaced; progressive and unsaid ones are not', () => {
  const interlaced = (format: string) =>
    parse(["Input #0, mpegts, from 'dvr.ts':", `    Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), ${format}, 720x576 [SAR 16:15 DAR 4:3], 25 fps`, 'Output #0, rawvideo'])
      .info?.interlaced;
  // As the bundled ffmpeg prints DVR recordings: H.264 and MPEG-2, top and bottom field first, and a swapped order.
  const said = ['yuv420p(top first)', 'yuv420p(tv, top first)', 'yuv420p(tv, bt470bg, bottom first)', 'yuv420p(tv, bottom coded first (swapped))'];
  assert.deepEqual(said.map(interlaced), [true, true, true, true]);
  assert.deepEqual(['yuv420p(progressive)', 'yuv420p(tv, progressive)', 'yuv420p', 'yuvj420p(pc, bt709)'].map(interlaced), [false, false, false, false]);
});

test('non-square pixels give the width they are shown at; 1:1, nearly 1:1 and unknown (0:1) keep the stored width', () => {
  const width = (sar: string) =>
    parse(["Input #0, matroska,webm, from 'x.mkv':", `    Stream #0:0: Video: mpeg4, yuv420p, 540x576 ${sar}, 10 fps, 10 tbr`, 'Output #0, rawvideo'])
      .info?.width;
  assert.deepEqual([width('[SAR 64:45 DAR 4:3]'), width('[SAR 1:1 DAR 15:16]'), width('[SAR 0:1 DAR 0:1]'), width('')], [768, 540, 540, 540]);
  // A scaler's rounding (a bench clip cropped and rescaled): within 2 % of square, left as stored.
  assert.equal(width('[SAR 1442:1429 DAR 23072:12861]'), 540);
});

test('a rotated stream swaps its size (the side data of the mapped stream, not of another)', () => {
  const h = parse([
    "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':",
    '    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 1920x1080, 30 fps, 30 tbr, 90k tbn, 60 tbc (default)',
    '    Side data:',
    '      displaymatrix: rotation of -90.00 degrees',
    '    Stream #0:1(und): Video: mjpeg, yuvj420p, 320x240, 1 fps, 1 tbr',
    'Stream mapping:',
    '  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
  ]);
  assert.deepEqual([h.info?.width, h.info?.height], [1080, 1920]);
});

test("ffmpeg's per-frame lines can be kept out of the tail that error messages quote", () => {
  const tail = new LineTail(2, (line) => !line.startsWith('[Parsed_showinfo'));
  tail.push('[h264 @ 0x1] error while decoding MB 38 0\n[Parsed_showinfo_0 @ 0x2] n:  20 pts: 2 pts_time:2\n');
  assert.deepEqual(tail.lines, ['[h264 @ 0x1] error while decoding MB 38 0']);
});
