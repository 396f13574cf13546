import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep, startProc, tempDir, until, vtest480 } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { cliBin, within } from './worker-harness.js';

/** `run --redis --no-tui`: what a headless controller tells its operator on stderr, where no fleet panel shows it. */

function writeConfig(dir: string, redisUrl: string): string {
  const config = path.join(dir, 'fleet.json');
  writeFileSync(
    config,
    JSON.stringify({
      parallel_config: { result_output: path.join(dir, 'results'), redis: redisUrl, fleet: 'site' },
      videos: [{ id: 'vt', source: vtest480, lines: [{ name: 'middle', points: [0.5, 0, 0.5, 1] }] }],
    }),
  );
  return config;
}

test('a headless controller whose fleet has no agent says so on stderr, with the command that starts one, once (not every second)', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('fleet-headless');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const run = startProc([process.execPath, cliBin, 'run', writeConfig(dir, redis.url), '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  const said = () => run.stderr().split('\n').filter((l) => l.includes('no agent in fleet'));
  await until('the controller said it has no agent', 30_000, () => said().length > 0);
  assert.match(said()[0], new RegExp(`^pcount-tui: no agent in fleet 'site' for \\d+ s: 1 task waits in its queue; start one on a host that can read the sources: pcount-tui agent --redis redis://127\\.0\\.0\\.1:${redis.port}/0 --fleet site --slots N$`));
  await sleep(8000);
  assert.equal(said().length, 1, `said once, not every second:\n${run.stderr()}`);
  run.child.kill('SIGTERM');
  await within(run.exited, 30_000, 'the run to end');
});
