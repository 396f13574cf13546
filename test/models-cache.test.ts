import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildModel, modelCacheDir, verifyModel } from '../src/models/cache.js';
import { ModelError } from '../src/models/errors.js';
import { resolveBuiltinModel } from '../src/models/registry.js';
import { createSession } from '../src/models/telemetry.js';
import { repoRoot } from './converter-helpers.js';

const run = promisify(execFile);
let tmp: string;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pcount-models-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const fresh = async (name: string): Promise<string> => {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  return dir;
};

describe('where built models live', () => {
  test('PCOUNT_TUI_MODELS_DIR wins, then a checkout, then the XDG or home cache', async () => {
    const checkout = await fresh('checkout');
    await writeFile(path.join(checkout, 'tsconfig.json'), '{}');
    const installed = await fresh('installed');
    assert.equal(modelCacheDir({ PCOUNT_TUI_MODELS_DIR: '/x/y' }, checkout), '/x/y');
    assert.equal(modelCacheDir({}, checkout), path.join(checkout, 'models'));
    assert.equal(modelCacheDir({ XDG_CACHE_HOME: '/cache' }, installed), '/cache/pcount-tui');
    assert.equal(modelCacheDir({}, installed), path.join(os.homedir(), '.cache', 'pcount-tui'));
  });
});

describe('building and verifying', () => {
  test('the build is deterministic and its sha256 is recorded', async () => {
    const [a, b] = [await fresh('a'), await fresh('b')];
    const first = await buildModel('centernet', a);
    const second = await buildModel('centernet', b);
    const bytes = [await readFile(first.path), await readFile(second.path)];
    assert.ok(bytes[0].equals(bytes[1]), 'same bytes from two builds');
    assert.equal(first.manifest!.sha256, second.manifest!.sha256);
    const manifest = JSON.parse(await readFile(first.manifestPath, 'utf8')) as { sha256: string; bytes: number };
    assert.equal(manifest.bytes, bytes[0].length);
    assert.equal((await verifyModel('centernet', a)).state, 'ok');
  });

  test('a missing model is built on demand and loads in onnxruntime with a free input size', async () => {
    const dir = await fresh('on-demand');
    assert.equal((await verifyModel('centernet', dir)).state, 'missing');
    const model = await resolveBuiltinModel('centernet', dir);
    assert.equal(model.format, 'centernet');
    assert.ok(existsSync(model.path));
    const session = await createSession(model.path, { intraOpNumThreads: 1 });
    assert.deepEqual(session.inputNames, [model.input.name]);
    assert.deepEqual([...session.outputNames].sort(), [model.outputs.heatmap, model.outputs.wh].sort());
    const out = await session.run({ images: new ort.Tensor('float32', new Float32Array(288 * 384 * 3), [1, 288, 384, 3]) });
    assert.deepEqual(out.heatmap.dims, [1, 1, 72, 96]);
    assert.deepEqual(out.wh.dims, [1, 4, 72, 96]);
    await session.release();
  });

  test('a corrupt model is reported with code MODEL_CORRUPT and the rebuild command, not silently replaced', async () => {
    const dir = await fresh('corrupt');
    const built = await buildModel('centernet', dir);
    const bytes = await readFile(built.path);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(built.path, bytes);
    const status = await verifyModel('centernet', dir);
    assert.equal(status.state, 'corrupt');
    await assert.rejects(resolveBuiltinModel('centernet', dir), (err: unknown) => {
      assert.ok(err instanceof ModelError);
      assert.equal(err.code, 'MODEL_CORRUPT');
      assert.match(err.message, /centernet\.onnx is corrupt/);
      assert.match(err.message, /npx pcount-tui models build/);
      return true;
    });
  });

  test('a model built by another converter (version or code) is stale and gets rebuilt', async () => {
    const dir = await fresh('stale');
    const built = await buildModel('centernet', dir);
    const manifest = JSON.parse(await readFile(built.manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(built.manifestPath, JSON.stringify({ ...manifest, converterVersion: '0.0.1' }));
    assert.equal((await verifyModel('centernet', dir)).state, 'stale');
    await writeFile(built.manifestPath, JSON.stringify({ ...manifest, converterFingerprint: 'f'.repeat(64) }));
    assert.equal((await verifyModel('centernet', dir)).state, 'stale');
    await resolveBuiltinModel('centernet', dir);
    assert.equal((await verifyModel('centernet', dir)).state, 'ok');
  });

  test('an unknown model name is MODEL_UNKNOWN', async () => {
    await assert.rejects(resolveBuiltinModel('yolo-nope', tmp), { code: 'MODEL_UNKNOWN', message: /unknown built-in model "yolo-nope"/ });
  });
});

describe('pcount-tui models and the install hook', () => {
  const cli = (args: string[], dir: string) =>
    run(process.execPath, [path.join(repoRoot, 'bin/pcount-tui.js'), 'models', ...args], { env: { ...process.env, PCOUNT_TUI_MODELS_DIR: dir } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  test('verify fails with the rebuild hint, build fixes it, list shows it', async () => {
    const dir = await fresh('cli');
    const missing = await cli(['verify'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /centernet: missing: .*npx pcount-tui models build/);
    assert.match(missing.stderr, /faceres: missing: .*npx pcount-tui models build/);
    const built = await cli(['build'], dir);
    assert.equal(built.code, 0, built.stderr);
    for (const name of ['centernet', 'blazeface', 'faceres']) assert.match(built.stdout, new RegExp(`${name}\\s+ok`));
    assert.equal((await cli(['verify'], dir)).code, 0);
    const listed = await cli(['list'], dir);
    assert.match(listed.stdout, new RegExp(`centernet\\s+ok.*${path.join(dir, 'centernet.onnx').replace(/[/.]/g, '\\$&')}`));
    await writeFile(path.join(dir, 'faceres.onnx'), 'not a model');
    const corrupt = await cli(['verify', 'faceres'], dir);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /faceres: corrupt: .*sha256 .*npx pcount-tui models build/);
    const unknown = await cli(['verify', 'nope'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown built-in model "nope"/);
  });

  test('scripts/postinstall.js builds the models into the cache folder', async () => {
    const dir = await fresh('postinstall');
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'scripts/postinstall.js')], { env: { ...process.env, PCOUNT_TUI_MODELS_DIR: dir } });
    for (const name of ['centernet', 'blazeface', 'faceres']) {
      assert.match(stdout, new RegExp(`model ${name} ready`));
      assert.equal((await verifyModel(name, dir)).state, 'ok');
    }
  });
});
