import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/store/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pcount-store-open-'));

test('a report never turns an empty file into a store: it is refused and left as it was', () => {
  const empty = path.join(dir, 'clip.mp4');
  writeFileSync(empty, '');
  assert.throws(() => Store.open(empty, { mustExist: true }), /^StoreError: store .*clip\.mp4 is not a pcount-tui store .*\(it is empty: no run has written to it\)$/);
  assert.equal(statSync(empty).size, 0);
  assert.deepEqual(readdirSync(dir), ['clip.mp4'], 'no -wal or -shm beside it');
  // A run makes its store in an empty file, as in a new one.
  Store.open(empty).close();
  Store.open(empty, { mustExist: true }).close();
});

test('a folder given as the store is named as a folder, for a run and a report', () => {
  const folder = path.join(dir, 'results');
  mkdirSync(folder);
  for (const opts of [{}, { mustExist: true }]) {
    assert.throws(() => Store.open(folder, opts), new RegExp(`^StoreError: store ${folder} is a folder, not a file$`));
  }
});

test('a store under a file is named as the store that cannot be made, with the system error once', () => {
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, 'x');
  const under = path.join(file, 'counts.db');
  for (const opts of [{}, { mustExist: true }]) {
    assert.throws(
      () => Store.open(under, opts),
      (err: Error) => {
        assert.equal(err.name, 'StoreError');
        assert.equal(err.message, `store ${under} cannot be made: a part of its folder is a file, or the file system makes no folders there (ENOTDIR: not a directory, stat '${under}')`);
        return true;
      },
    );
  }
});
