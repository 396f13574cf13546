import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listImages } from '../../src/faces/image.js';

describe('faces: the images named on the command line', () => {
  it('a URL is refused as not a local image, its password starred (was: "not found: rtsp://admin:s3cret@…")', async () => {
    await assert.rejects(listImages(['rtsp://admin:s3cret@cam/x?pwd=s3cret2']), (err: Error) => {
      assert.doesNotMatch(err.message, /s3cret/);
      assert.match(err.message, /^not a local image or folder: rtsp:\/\/admin:\*\*\*@cam\/x\?pwd=\*\*\* \(faces reads image files/);
      return true;
    });
  });

  it('a missing path is named as it was given', async () => {
    await assert.rejects(listImages(['no/such/face.jpg']), /^Error: not found: no\/such\/face\.jpg$/);
  });
});
