import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { vtest } from './footage.js';

/**
 * The real dashboard in a real terminal: tmux runs `pcount-tui <config>` with two real workers on the sample video,
 * keys go in with send-keys and what a person would see comes back with capture-pane.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const video = vtest;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Command lines of live processes that mention `marker`, other than tmux itself (whose own argv holds the command). */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv.length === 0 || path.basename(argv[0]).startsWith('tmux')) continue;
    if (argv.some((a) => a.includes(marker))) found.push(`${pid}: ${argv.join(' ')}`);
  }
  return found;
}

test('the dashboard in tmux at 80x24: select, log pane, cancel, export, resize, quit with confirmation, no worker left', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-e2e-'));
  const socket = `pcount-e2e-${process.pid}`;
  const session = 'dash';
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: process.env.TERM || 'xterm-256color' } });
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  const waitScreen = async (what: RegExp | ((screen: string) => boolean), ms = 30_000): Promise<string> => {
    const shows = typeof what === 'function' ? what : (s: string) => what.test(s);
    const deadline = Date.now() + ms;
    for (;;) {
      const now = screen();
      if (shows(now)) return now;
      if (Date.now() > deadline) throw new Error(`screen never showed ${what}; it shows:\n${now}`);
      await sleep(150);
    }
  };
  const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);

  try {
    // Two names for the same footage, so the rows differ by source and every worker's argv carries `dir`.
    symlinkSync(video, path.join(dir, 'north.avi'));
    symlinkSync(video, path.join(dir, 'south.avi'));
    const results = path.join(dir, 'results');
    const config = path.join(dir, 'two-videos.json');
    const line = [{ name: 'middle', points: [0.5, 0, 0.5, 1] }];
    writeFileSync(
      config,
      JSON.stringify({
        parallel_config: { worker_count: 2, skip_frames: 1, confidence: 0.4, result_output: results, log_level: 'INFO' },
        videos: [
          { id: 'north', source: path.join(dir, 'north.avi'), lines: line },
          { id: 'south', source: path.join(dir, 'south.avi'), lines: line },
        ],
      }),
    );
    writeFileSync(path.join(dir, 'tmux.conf'), 'set -g remain-on-exit on\n');
    // Ink draws nothing live when it thinks it runs in CI; the preferences go to the temp dir, not the user's.
    // The shell prints the exit status: tmux itself sometimes reports a dead pane before it has reaped the process.
    const command = `cd ${repoRoot} && env -u CI -u CONTINUOUS_INTEGRATION XDG_CONFIG_HOME=${dir}/xdg node bin/pcount-tui.js ${config} 2>${dir}/stderr; echo "[exit $?]"`;
    tmux('-f', path.join(dir, 'tmux.conf'), 'new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);

    // Both tasks run, the first is selected, and the 24-row terminal keeps the key hints on its last drawn line.
    let now = await waitScreen(/^> north .*processing/m);
    now = await waitScreen(/^ {2}south .*processing/m);
    assert.match(now.split('\n')[0], /^pcount-tui\s+\S*two-videos\.json/);
    assert.match(now, /active 2\/2/);
    assert.match(now.split('\n')[22], /\? help {2}q quit/);
    assert.ok(now.split('\n').every((l) => l.length <= 80));
    assert.ok(processesWith(dir).length >= 2, 'the workers run while the dashboard shows them');

    keys('j');
    now = await waitScreen(/^> south /m);
    assert.match(now, /^ {2}north /m);

    keys('Enter');
    await waitScreen(/log: south/);

    keys('c');
    now = await waitScreen(/^> south\s+\S+\s+cancelled/m);
    assert.match(now, /^ {2}north\s+\S+\s+processing/m);

    keys('e');
    now = await waitScreen(/exported \d+ files to/);
    // `e` exports into the run's own folder, which `latest` points at.
    const written = readdirSync(path.join(results, 'latest'));
    for (const file of ['results.json', 'north.csv', 'south.csv', 'crossings.ndjson']) assert.ok(written.includes(file), `${file} in ${written.join(', ')}`);
    const summary = JSON.parse(readFileSync(path.join(results, 'latest', 'results.json'), 'utf8')) as Record<string, unknown>;
    assert.ok('export_time' in summary && 'summary' in summary && 'detailed_results' in summary);

    tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    // The footer (key hints, or the export message while it lasts, over as many lines as it needs: its last names
    // the last file) moves to the new last drawn line.
    const footer = /q quit|crossings\.ndjson$/;
    now = await waitScreen((s) => footer.test(s.split('\n')[38] ?? ''), 10_000);
    assert.match(now, /^> south .*cancelled/m);
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    now = await waitScreen((s) => footer.test(s.split('\n')[22] ?? ''), 10_000);
    assert.ok(now.split('\n').every((l) => l.length <= 80), `after shrinking back every line fits:\n${now}`);

    keys('q');
    await waitScreen(/Quit and stop 1 unfinished task\? \(y\/n\)/);
    keys('y');
    now = await waitScreen(/\[exit \d+\]/, 20_000);
    // Like a headless run, a dashboard whose tasks were cut short exits 1.
    assert.match(now, /\[exit 1\]/);
    // Back on the normal screen the summary may have scrolled into the history (after the resizes), so read that too.
    const history = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
    assert.match(history, /pcount-tui: 2 tasks, 0 completed, 0 failed, 2 cancelled; \d+ in, \d+ out/);
    // One file a line (was one list, which the terminal broke mid-name at its edge).
    assert.match(history, new RegExp(`results: ${results}/runs/[^ ]+\\n {2}results\\.json\\n {2}north\\.csv\\n`));
    assert.deepEqual(processesWith(dir), [], 'no worker or decoder outlives the dashboard');
    assert.ok(existsSync(path.join(results, 'latest', 'north.csv')));
    // Was: restore-cursor's show-cursor escape, written to stderr at exit even when stderr is a file.
    assert.equal(readFileSync(path.join(dir, 'stderr'), 'utf8'), '', 'a redirected stderr gets nothing');
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // The server is already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The dashboard in a tmux session started through a stand-in login shell that passes SIGHUP on (`hangUp: 'passed'`,
 * what a shell does when the SSH session drops) or ignores it (`'ignored'`: the dashboard then sees only a terminal
 * whose input ends and whose writes fail). The tmux server is killed while the task is processing; the dashboard must
 * end as on a hang-up, long before its task would end on its own (without noticing, it would wait for a key for ever).
 */
async function terminalGoesAway(hangUp: 'passed' | 'ignored'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `pcount-e2e-hup-${hangUp}-`));
  const socket = `pcount-e2e-hup-${hangUp}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: process.env.TERM || 'xterm-256color' } });
  try {
    symlinkSync(video, path.join(dir, 'door.avi'));
    const status = path.join(dir, 'status');
    const stderr = path.join(dir, 'stderr');
    const db = path.join(dir, 'counts.db');
    const onHup = hangUp === 'passed' ? 'child.kill(\'SIGHUP\')' : 'undefined';
    const shell = path.join(dir, 'login-shell.cjs');
    writeFileSync(
      shell,
      `const { spawn } = require('node:child_process'); const fs = require('node:fs');
       const child = spawn(process.execPath, process.argv.slice(2), { stdio: ['inherit', 'inherit', fs.openSync(${JSON.stringify(stderr)}, 'w')] });
       process.on('SIGHUP', () => ${onHup});
       child.on('exit', (code, signal) => fs.writeFileSync(${JSON.stringify(status)}, String(code ?? 128 + require('node:os').constants.signals[signal])));`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: process.env.TERM || 'xterm-256color' };
    delete env.CI;
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'hup', '-x', '100', '-y', '30', '-c', dir, process.execPath, shell, path.join(repoRoot, 'bin', 'pcount-tui.js'), 'run', '--source', 'door.avi', '--db', db], { env });
    const deadline = Date.now() + 30_000;
    while (!/processing/.test(tmux('capture-pane', '-p', '-t', 'hup'))) {
      if (Date.now() > deadline) throw new Error('the dashboard never showed the task processing');
      await sleep(200);
    }
    tmux('kill-server');
    const ended = Date.now() + 30_000;
    while (!existsSync(status) || readFileSync(status, 'utf8') === '') {
      if (Date.now() > ended) throw new Error(`the dashboard did not end within 30 s of losing its terminal; stderr: ${readFileSync(stderr, 'utf8')}`);
      await sleep(200);
    }
    assert.equal(readFileSync(stderr, 'utf8'), '');
    assert.equal(readFileSync(status, 'utf8').trim(), '129');
    const store = new Database(db, { readonly: true });
    const run = store.prepare('SELECT end_reason FROM runs').get() as { end_reason: string | null };
    store.close();
    assert.notEqual(run.end_reason, null, 'the run is ended in the store');
    // The stand-in shell writes the status and only then exits, so it may still be there; it is not ours to check.
    const left = processesWith(dir).filter((line) => !line.includes(shell));
    assert.deepEqual(left, [], 'no worker or decoder outlives the dashboard');
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // The server is already gone.
    }
    for (const line of processesWith(dir)) process.kill(Number(line.split(':')[0]), 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the terminal going away (tmux killed, SSH dropped) ends the dashboard like SIGHUP: status 129, the run ended in the store, no crash', () =>
  terminalGoesAway('passed'));

test('the terminal going away without a hang-up (a shell that ignores SIGHUP) ends the dashboard the same way: status 129, the run ended in the store', () =>
  terminalGoesAway('ignored'));
