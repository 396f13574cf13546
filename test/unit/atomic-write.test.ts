import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../../src/common/atomic-write.js';

describe('writeFileAtomic (exports and built models)', () => {
  it('writes bytes as given and sets the mode asked for, also over an existing file with wider permissions', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-atomic-'));
    const file = path.join(dir, 'results.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    await writeFileAtomic(file, new Uint8Array([1, 2, 255]), { mode: 0o600 });
    assert.deepEqual([...readFileSync(file)], [1, 2, 255]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await writeFileAtomic(path.join(dir, 'new', 'a.csv'), 'x\n');
    assert.equal(readFileSync(path.join(dir, 'new', 'a.csv'), 'utf8'), 'x\n', 'creates the folder');
  });

  it('writes into a device (here through a link to /dev/full) instead of renaming a file over it, so its failure shows', async () => {
    // Through a link in a folder of the test's own: were the device replaced, only the link would be.
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-atomic-'));
    const link = path.join(dir, 'out.png');
    symlinkSync('/dev/full', link);
    await assert.rejects(writeFileAtomic(link, new Uint8Array([1, 2, 3])), { code: 'ENOSPC' });
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still there');
    assert.equal(readlinkSync(link), '/dev/full');
    assert.ok(statSync(link).isCharacterDevice());
  });

  it('follows a link to a file: the file it points to gets the content, the link stays a link', async () => {
    // Was: the temporary file renamed over the link itself, which became a file; the file it named kept the old content.
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-atomic-'));
    const real = path.join(dir, 'kept', 'real.json');
    await writeFileAtomic(real, 'old');
    const link = path.join(dir, 'results.json');
    symlinkSync(path.join('kept', 'real.json'), link);
    await writeFileAtomic(link, 'new', { mode: 0o600 });
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still there');
    assert.equal(readFileSync(real, 'utf8'), 'new');
    assert.equal(statSync(real).mode & 0o777, 0o600);
  });

  it('follows a dangling link: the file it names is made, the link stays a link; a loop of links is an error', async () => {
    // Was: the temporary file renamed over the dangling link, which became a file, and the file it named never appeared.
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-atomic-'));
    const link = path.join(dir, 'out.png');
    symlinkSync(path.join('shots', 'real.png'), link);
    await writeFileAtomic(link, 'png');
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still there');
    assert.equal(readFileSync(path.join(dir, 'shots', 'real.png'), 'utf8'), 'png');
    const loop = path.join(dir, 'loop.png');
    symlinkSync('loop.png', loop);
    await assert.rejects(writeFileAtomic(loop, 'png'), { code: 'ELOOP' });
    assert.ok(lstatSync(loop).isSymbolicLink(), 'the looping link is left alone');
  });
});
