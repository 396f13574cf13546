import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
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

  it('a file: URL names its path, as in detect and snapshot (was: "not found: file:/…")', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-faces-url-'));
    const face = path.join(dir, 'a face.jpg');
    writeFileSync(face, '');
    mkdirSync(path.join(dir, 'more'));
    writeFileSync(path.join(dir, 'more', 'b.png'), '');
    try {
      assert.deepEqual(await listImages([`file:${face}`, pathToFileURL(face).href, pathToFileURL(path.join(dir, 'more')).href]), [face, face, path.join(dir, 'more', 'b.png')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
