import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { RedisConnection } from '../src/fleet/connect.js';
import { fleetKeys } from '../src/fleet/keys.js';
import { parseRedisUrl } from '../src/fleet/redis-url.js';
import { makeLiveClip, sleep, startAgent, startLiveStream, tempDir, until, type Proc } from './fleet-harness.js';
import { startRedis } from './redis-server.js';
import { repoRoot } from './worker-harness.js';

/**
 * The real dashboard in tmux as the controller of two real agents (one slot each) running three live cameras: each
 * row shows the agent that runs it, the health panel lists the agents and Redis, stop and cancel act on the agents,
 * a killed agent shows up as silent, and `q` asks whether to stop the fleet's tasks or leave them running.
 */

test('the dashboard in tmux controls a fleet: agent column, health panel, remote stop, cancel and restart, Redis lost and back, q leaves the fleet running; a new dashboard attaches, q then s stops it', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('fleet-tmux');
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const cam = await startLiveStream(await makeLiveClip(dir, 200));
  t.after(() => cam.stop());
  const agents: Proc[] = ['a', 'b'].map((name) => startAgent({ url: redis.url, name, slots: 1, journal: path.join(dir, `journal-${name}`) }));
  t.after(() => agents.forEach((p) => p.alive() && p.child.kill('SIGKILL')));
  await Promise.all(agents.map((p) => p.waitLine(/ready/, 60_000)));
  const conn = await RedisConnection.open(parseRedisUrl(redis.url), 'test');
  t.after(() => conn.close());
  const keys = fleetKeys('pcount');
  const fleetState = async (task: string) => String(await conn.send(['HGET', keys.task(task), 'state']));

  const line = [{ name: 'door', points: [0.5, 0, 0.5, 1] }];
  const config = path.join(dir, 'site.json');
  writeFileSync(
    config,
    JSON.stringify({
      parallel_config: { result_output: path.join(dir, 'results'), skip_frames: 1, confidence: 0.3, redis: redis.url },
      cameras: ['cam1', 'cam2', 'cam3'].map((id) => ({ id, source: cam.url, lines: line })),
    }),
  );

  const socket = `pcount-fleet-${process.pid}`;
  const session = 'fleet';
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: process.env.TERM || 'xterm-256color' } });
  t.after(() => {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
  });
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  const waitScreen = async (what: RegExp, ms = 60_000): Promise<string> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = screen();
      if (what.test(now)) return now;
      if (Date.now() > deadline) throw new Error(`screen never showed ${what}; it shows:\n${now}`);
      await sleep(150);
    }
  };
  const press = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
  writeFileSync(path.join(dir, 'tmux.conf'), 'set -g remain-on-exit on\n');
  const command = `cd ${repoRoot} && env -u CI -u CONTINUOUS_INTEGRATION XDG_CONFIG_HOME=${dir}/xdg node bin/pcount-tui.js run ${config}; echo "[exit $?]"`;
  tmux('-f', path.join(dir, 'tmux.conf'), 'new-session', '-d', '-s', session, '-x', '120', '-y', '30', command);

  // Two cameras run, one on each agent; the third waits for a free slot. The panel shows Redis, the queue and agents.
  let now = await waitScreen(/^[> ] cam1 .*online\s+[ab]\b/m, 120_000);
  now = await waitScreen(/^ {2}cam2 .*online\s+[ab]\b/m, 120_000);
  const holderOf = (task: string, s: string) => new RegExp(`^[> ] ${task} .*online\\s+([ab])\\b`, 'm').exec(s)![1];
  assert.notEqual(holderOf('cam1', now), holderOf('cam2', now), 'one camera per agent (one slot each)');
  assert.match(now, /^ {2}cam3 .*\bqueued\b.*\bwaiting\b/m);
  // The health is read about once a second: it catches up with the claims.
  await waitScreen(/fleet pcount {2}Redis up redis:\/\/127\.0\.0\.1:\d+\/0 {2}queue 1 {2}running 2 {2}agents 2/, 30_000);
  await waitScreen(/^a {11} \S+ +\d+ +1\/1 [\s\S]*^b {11} \S+ +\d+ +1\/1 /m, 30_000);

  // Stop cam1 on its agent: it shows stopped (counts kept); its agent's free slot takes cam3.
  press('x');
  now = await waitScreen(/^> cam1 .*stopped/m);
  assert.equal(await fleetState('cam1'), 'stopped');
  now = await waitScreen(/^ {2}cam3 .*online\s+[ab]\b/m, 120_000);

  // Cancel cam2 on its agent.
  press('j');
  await waitScreen(/^> cam2 /m);
  const cam2Agent = holderOf('cam2', screen());
  press('c');
  await waitScreen(/^> cam2 .*cancelled/m);
  assert.equal(await fleetState('cam2'), 'cancelled');

  // The agent that ran cam2 is idle now: kill -9 of it shows on the panel.
  const killedAt = Date.now();
  agents[cam2Agent === 'a' ? 0 : 1].child.kill('SIGKILL');
  await waitScreen(new RegExp(`^${cam2Agent} .*(silent|lost)$`, 'm'), 30_000);
  t.diagnostic(`agent ${cam2Agent} shown silent ${((Date.now() - killedAt) / 1000).toFixed(1)} s after kill -9`);

  // Restart cam3 (asked first: it is running): it stops on its agent and runs again as a new run.
  const runBefore = String(await conn.send(['HGET', keys.task('cam3'), 'run']));
  press('j');
  await waitScreen(/^> cam3 /m);
  press('r');
  await waitScreen(/Restart cam3 from zero and discard its counts \(\d+ in, \d+ out\)\? \(y\/n\)/);
  press('y');
  await until('cam3 runs again as a new run', 120_000, async () => (await fleetState('cam3')) === 'running' && String(await conn.send(['HGET', keys.task('cam3'), 'run'])) !== runBefore);
  await waitScreen(/^> cam3 .*online\s+[ab]\b/m, 120_000);

  // Redis goes away: the panel says so; it comes back with its data, and the panel says that too.
  const stoppedAt = Date.now();
  await redis.stop();
  await waitScreen(/fleet pcount {2}Redis DOWN redis:\/\/127\.0\.0\.1:\d+\/0 for/, 30_000);
  t.diagnostic(`Redis shown down ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after it stopped`);
  await redis.restart();
  await waitScreen(/fleet pcount {2}Redis up/, 60_000);
  await waitScreen(/Redis back after \d+ s/, 10_000);

  // q: leave the fleet's task running. The dashboard exits; cam3 keeps running on its agent.
  press('q');
  await waitScreen(/Quit: s stops the fleet's 1 unfinished task, l leaves them running, n stays/);
  press('l');
  now = await waitScreen(/\[exit \d+\]/, 60_000);
  // As in a local run, a cancelled task (cam2) makes the exit status 1; the camera left running is said to be, and
  // is no failure.
  assert.match(now, /\[exit 1\]/);
  const history = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
  assert.match(history, /pcount-tui: 3 tasks, 1 completed, 0 failed, 1 cancelled, 1 left running in fleet 'pcount'/);
  assert.equal(await fleetState('cam3'), 'running', 'the camera left running still runs on its agent');

  // A new dashboard attaches to the fleet and shows cam3 running on its agent; q, then s, stops it on the agent.
  tmux('kill-session', '-t', session);
  tmux('-f', path.join(dir, 'tmux.conf'), 'new-session', '-d', '-s', session, '-x', '120', '-y', '30', command);
  await waitScreen(/^ {2}cam3 .*online\s+[ab]\b/m, 120_000);
  press('q');
  await waitScreen(/Quit: s stops the fleet's \d+ unfinished tasks?, l leaves them running, n stays/);
  press('s');
  now = await waitScreen(/\[exit \d+\]/, 60_000);
  assert.equal(await fleetState('cam3'), 'stopped', 'q, then s, stopped the fleet\'s camera on its agent');
});
