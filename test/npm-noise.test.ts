import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

test('npm reads the project’s config without a warning (every npx pcount-tui printed one)', async () => {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile('npm', ['pkg', 'get', 'name'], { cwd: repo, timeout: 60_000 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut }),
    );
  });
  assert.equal(stdout.trim(), '"pcount-tui"');
  assert.equal(stderr, '');
});

test('onnxruntime-node’s install script, which would download CUDA libraries, is denied in package.json', () => {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
});

test('the first npx pcount-tui of a checkout leaves its dist/ alone (npm installs the checkout into its npx cache)', async (t) => {
  // A checkout whose dist/ and node_modules/ are this one's: were its prepare script to build again, the build would
  // remove the dist/ link and fail for want of a tsconfig.json, and this checkout's dist/ would stay as it is.
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-npx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const checkout = path.join(dir, 'checkout');
  for (const part of ['package.json', 'bin', 'scripts']) cpSync(path.join(repo, part), path.join(checkout, part), { recursive: true });
  for (const part of ['dist', 'node_modules']) symlinkSync(path.join(repo, part), path.join(checkout, part), 'dir');
  const compiled = statSync(path.join(repo, 'dist/src/cli.js')).mtimeMs;
  const env = { ...process.env, npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile('npm', ['exec', '--', 'pcount-tui', '--version'], { cwd: checkout, env, timeout: 120_000 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${out}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut }),
    );
  });
  assert.equal(stdout.trim().split('\n').at(-1), JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version);
  assert.equal(statSync(path.join(repo, 'dist/src/cli.js')).mtimeMs, compiled);
});
