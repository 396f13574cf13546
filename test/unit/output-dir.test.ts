import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { folderProblem, outputDirProblem } from '../../src/config/output-dir.js';

test('a results folder that is not one says what is there: a file, or a device (was: /dev/null "is a file")', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-output-dir-'));
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, '');
  assert.equal(outputDirProblem(file), `${file} is a file, not a folder`);
  assert.equal(outputDirProblem('/dev/null'), '/dev/null is a device, not a folder');
  assert.equal(folderProblem('/dev/null/results'), 'cannot make /dev/null/results: /dev/null is a device, not a folder');
  assert.equal(outputDirProblem(dir), null);
});
