import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgentPool, sleep, startProc, tempDir, until, vtest480 } from './fleet-harness.js';
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

test('a headless controller that leaves (a signal) says its file is left running on its agent, and exits 0: nothing failed or was cancelled', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('fleet-leave');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const agents = new AgentPool(redis.url, dir, 1);
  t.after(() => agents.killAll());
  const config = writeConfig(dir, redis.url);
  const run = startProc([process.execPath, cliBin, 'run', config, '--no-tui']);
  t.after(() => run.alive() && run.child.kill('SIGKILL'));
  await agents.spawn('a', 'site').waitLine(/ready/, 60_000);
  const claim = await run.waitLine(/"task":"vt".*"message":"claimed by agent a \(run [^)]+\)/, 120_000);
  const fleetRun = /\(run ([^)]+)\)/.exec(claim)![1];
  await run.waitLine(/"type":"hello","task":"vt"/, 120_000);
  run.child.kill('SIGTERM');
  const exit = await within(run.exited, 60_000, 'the controller to leave');
  const summary = run.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === 'summary') as
    | { exit_code: number; completed: number; cancelled: number; left_running: number; tasks: { task: string; state: string; reason: string }[] }
    | undefined;
  assert.ok(summary, run.stderr());
  assert.equal(exit.code, 0, JSON.stringify(summary));
  assert.deepEqual([summary.exit_code, summary.completed, summary.cancelled, summary.left_running], [0, 0, 0, 1]);
  const vt = summary.tasks.find((x) => x.task === 'vt')!;
  assert.equal(vt.state, 'left');
  assert.equal(vt.reason, `left running in the fleet on agent a (run ${fleetRun}); the next controller of the fleet takes in what it counts`);
});
