import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { vtest } from './footage.js';
import { cliBin, repoRoot, runWorkerCli } from './worker-harness.js';

/** onnxruntime-node queues telemetry events under ~/.cache/Microsoft unless told not to. */

function homeWithout(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.XDG_CACHE_HOME;
  delete env.ORT_DISABLE_TELEMETRY;
  return env;
}

const cacheOf = (home: string) => path.join(home, '.cache', 'Microsoft');

it('onnxruntime-node left alone writes its telemetry queue into the home folder (what the product must prevent)', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pcount-home-'));
  const script = `const ort = (await import('onnxruntime-node')).default; const s = await ort.InferenceSession.create('models/centernet.onnx'); await s.release();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: homeWithout(home) });
  assert.ok(existsSync(cacheOf(home)), 'without the switch onnxruntime creates ~/.cache/Microsoft');
});

it('a worker and detect leave nothing under ~/.cache/Microsoft', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pcount-home-'));
  const r = await runWorkerCli(['--source', vtest, '--max-frames', '5'], 60_000, homeWithout(home));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.events.at(-1)?.type, 'done');
  execFileSync(process.execPath, [cliBin, 'detect', vtest, '--max-frames', '1'], { cwd: repoRoot, env: homeWithout(home) });
  assert.ok(!existsSync(cacheOf(home)), 'no telemetry queue in the home folder');
});
