import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { vtest } from './footage.js';
import { cliBin, repoRoot, runWorkerCli } from './worker-harness.js';

/**
 * onnxruntime-node queues telemetry events under ~/.cache/Microsoft unless told not to. Whether it does so when left
 * alone depends on the machine (it did on the development machines, it did not in CI), so no test relies on it.
 */

function homeWithout(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.XDG_CACHE_HOME;
  delete env.ORT_DISABLE_TELEMETRY;
  return env;
}

const cacheOf = (home: string) => path.join(home, '.cache', 'Microsoft');

it('a worker and detect leave nothing under ~/.cache/Microsoft', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pcount-home-'));
  const r = await runWorkerCli(['--source', vtest, '--max-frames', '5'], 60_000, homeWithout(home));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.events.at(-1)?.type, 'done');
  execFileSync(process.execPath, [cliBin, 'detect', vtest, '--max-frames', '1'], { cwd: repoRoot, env: homeWithout(home) });
  assert.ok(!existsSync(cacheOf(home)), 'no telemetry queue in the home folder');
});

it('faces and a worker with demographics leave nothing under ~/.cache/Microsoft', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pcount-home-'));
  execFileSync(process.execPath, [cliBin, 'faces', path.join(repoRoot, 'test/fixtures/faces'), '--aligned'], { cwd: repoRoot, env: homeWithout(home) });
  const r = await runWorkerCli(['--source', vtest, '--max-frames', '5', '--demographics'], 60_000, homeWithout(home));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(cacheOf(home)), 'no telemetry queue in the home folder');
});
