import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pcount-config-sources-'));
const lines = [{ name: 'door', points: [0.5, 0, 0.5, 1] }];

test('a video that is a folder or an empty file is a config problem at its path, found before any worker starts', () => {
  mkdirSync(path.join(dir, 'clips'));
  writeFileSync(path.join(dir, 'empty.mp4'), '');
  writeFileSync(path.join(dir, 'fine.mp4'), 'some bytes');
  const config = {
    parallel_config: { result_output: path.join(dir, 'out') },
    videos: [
      { id: 'folder', source: 'clips', lines },
      { id: 'empty', source: 'empty.mp4', lines },
      { id: 'fine', source: 'fine.mp4', lines },
      { id: 'frames', source: 'clips/%04d.png', lines },
    ],
  };
  const result = resolveConfig(config, path.join(dir, 'c.json'), dir);
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems.map(formatProblem);
  assert.deepEqual(problems, [
    `$.videos[0].source: ${path.join(dir, 'clips')} is a folder, not a video file (for an image sequence give a pattern such as ${path.join(dir, 'clips', '%04d.png')})`,
    `$.videos[1].source: ${path.join(dir, 'empty.mp4')} is empty (0 bytes)`,
  ]);
});

test('a store named in a folder that does not exist is refused (--db, parallel_config.store); the default store\'s folder is made', () => {
  // Was: the folder made without a word, so a typo in it started a new, empty store and the run counted from zero
  // instead of resuming; `snapshot -o` and `--record-detections` refuse a missing folder.
  writeFileSync(path.join(dir, 'clip.mp4'), 'some bytes');
  const config = (store?: string) => ({
    parallel_config: { result_output: path.join(dir, 'made', 'out'), ...(store === undefined ? {} : { store }) },
    videos: [{ id: 'clip', source: 'clip.mp4', lines }],
  });
  const named = resolveConfig(config('typo/pcount.db'), path.join(dir, 'c.json'), dir);
  assert.equal(named.ok, false);
  if (!named.ok) {
    assert.deepEqual(named.problems.map(formatProblem), [
      `$.parallel_config.store: the store's folder ${path.join(dir, 'typo')} does not exist (make it first, or give another path)`,
    ]);
  }
  const db = resolveConfig(config(), path.join(dir, 'c.json'), dir, { db: path.join(dir, 'typo2', 'x.db') });
  assert.equal(db.ok, false);
  if (!db.ok) assert.match(db.problems.map(formatProblem).join('\n'), /^--db: the store's folder .*typo2 does not exist/);
  const fine = resolveConfig(config(), path.join(dir, 'c.json'), dir);
  assert.equal(fine.ok, true);
  if (fine.ok) assert.equal(fine.config.storePath, path.join(dir, 'made', 'out', 'pcount.db'));
});

test('a missing model is named where it was given: parallel_config, the task, or --model', () => {
  // Was: a model missing in parallel_config was said to be at `$.videos[0].model`, a key the file does not have.
  writeFileSync(path.join(dir, 'clip.mp4'), 'some bytes');
  const config = {
    parallel_config: { result_output: path.join(dir, 'out'), model: 'shared.onnx' },
    videos: [
      { id: 'a', source: 'clip.mp4', lines },
      { id: 'b', source: 'clip.mp4', model: 'own.onnx', lines },
    ],
  };
  const found = resolveConfig(config, path.join(dir, 'c.json'), dir);
  assert.equal(found.ok, false);
  if (!found.ok) {
    assert.deepEqual(found.problems.map(formatProblem), [
      `$.parallel_config.model: model file not found: ${path.join(dir, 'shared.onnx')}`,
      `$.videos[1].model: model file not found: ${path.join(dir, 'own.onnx')}`,
    ]);
  }
  const flag = resolveConfig(config, path.join(dir, 'c.json'), dir, { task: { model: path.join(dir, 'flag.onnx') } });
  assert.equal(flag.ok, false);
  if (!flag.ok) assert.deepEqual(flag.problems.map(formatProblem), [`--model: model file not found: ${path.join(dir, 'flag.onnx')}`]);
});
