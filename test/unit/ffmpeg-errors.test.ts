import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureReason } from '../../src/worker/ffmpeg-errors.js';

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
