import assert from 'node:assert/strict';
import { test } from 'node:test';
import { damageReport, failureReason } from '../../src/worker/ffmpeg-errors.js';

test("ffmpeg's reason is the last line that says why, not its closing 'Conversion failed!'", () => {
  // The end of ffmpeg 6's stderr for the first 20 kB of an MP4 (`head -c 20000 clip.mp4`).
  const truncated = [
    'trunc.mp4: corrupt input packet in stream 0',
    '[h264 @ 0x32273600] Invalid NAL unit size (89214 > 16743).',
    'Error while decoding stream #0:0: Invalid data found when processing input',
    'Cannot determine format of input stream 0:0 after EOF',
    'Error marking filters as finished',
    'Conversion failed!',
  ];
  assert.equal(failureReason(truncated), 'Error while decoding stream #0:0: Invalid data found when processing input');
  assert.equal(failureReason(['/x/a.mp4: No such file or directory']), '/x/a.mp4: No such file or directory');
  assert.equal(failureReason(['Conversion failed!']), 'Conversion failed!', 'nothing better: the line it has');
  assert.equal(failureReason([]), undefined);
});

test("ffmpeg's own name for the input before its reason is left out: the message names the source (pipe:0 said nothing)", () => {
  assert.equal(failureReason(['[concat @ 0x1] Impossible to open', 'pipe:0: Connection refused'], 'pipe:0'), 'Connection refused');
  assert.equal(failureReason(['/x/README.md: Invalid data found when processing input'], '/x/README.md'), 'Invalid data found when processing input');
  assert.equal(failureReason(['Error while decoding stream #0:0: Invalid data'], '/x/a.mp4'), 'Error while decoding stream #0:0: Invalid data');
});

test('damage ffmpeg reports in a file it still reads to the end is found; a clean run reports none', () => {
  const cutShort = [
    "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'half.mp4':",
    'half.mp4: corrupt input packet in stream 0',
    '[h264 @ 0x3c465040] Invalid NAL unit size (38270 > 33332).',
    'Error while decoding stream #0:0: Invalid data found when processing input',
    'video:32kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown',
  ];
  assert.equal(damageReport(cutShort), 'Error while decoding stream #0:0: Invalid data found when processing input');
  assert.equal(damageReport(["Input #0, avi, from 'vtest.avi':", '  Stream #0:0: Video: mpeg4', 'video:0kB audio:0kB']), null);
  // The bundled ffmpeg's last words on an MKV and an MPEG-TS file cut in half (test/worker-bad-input.test.ts).
  assert.equal(damageReport(['[matroska,webm @ 0x2acfce00] Read error', 'video:15552kB audio:0kB']), '[matroska,webm @ 0x2acfce00] Read error');
  const ts = ['[mpeg2video @ 0x3c886780] ac-tex damaged at 33 27', '[mpeg2video @ 0x3c886780] Warning MVs not available', '[mpeg2video @ 0x3c886780] concealing 432 DC, 432 AC, 432 MV errors in P frame'];
  assert.equal(damageReport(ts), ts[2]);
});
