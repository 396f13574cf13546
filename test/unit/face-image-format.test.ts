import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isImageContainer } from '../../src/faces/image.js';

test('faces reads still pictures only: ffmpeg\'s single-image demuxers and GIF, never a video container', () => {
  for (const c of ['png_pipe', 'jpeg_pipe', 'bmp_pipe', 'webp_pipe', 'tiff_pipe', 'ppm_pipe', 'pgm_pipe', 'image2', 'gif']) {
    assert.equal(isImageContainer(c), true, c);
  }
  // What ffmpeg names vtest.avi, an mp4, a matroska file, an MJPEG stream, and a header it could not read.
  for (const c of ['avi', 'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'mjpeg', 'mpegts', null]) {
    assert.equal(isImageContainer(c), false, String(c));
  }
});
