import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';

/**
 * The live picture and the line editor in a real terminal: tmux runs the dashboard on a config with one real worker,
 * keys go in with send-keys, the screen comes back with capture-pane (with its colours, -e).
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const footage = path.join(repoRoot, 'test/fixtures/footage/vtest-480.avi');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('preview in tmux at 80x24: half blocks and the line name on screen; a line moved with keys is applied to the worker and saved', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-e2e-preview-'));
  const socket = `pcount-e2e-preview-${process.pid}`;
  const session = 'dash';
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm-256color' } });
  const screen = (colours = false) => tmux('capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', session);
  const waitScreen = async (what: RegExp, ms = 60_000, colours = false): Promise<string> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = screen(colours);
      if (what.test(now)) return now;
      if (Date.now() > deadline) throw new Error(`screen never showed ${what}; it shows:\n${screen()}`);
      await sleep(150);
    }
  };
  const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);

  try {
    // Four times the test footage back to back (stream copy, instant): the worker is still counting, however fast the
    // machine, when the edited line reaches it.
    const list = path.join(dir, 'list.txt');
    writeFileSync(list, `file '${footage}'\n`.repeat(4));
    execFileSync((await resolveFfmpeg({})).path, ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', path.join(dir, 'lawn.avi')]);
    const config = path.join(dir, 'lawn.json');
    const original = `{
  "parallel_config": { "worker_count": 1, "result_output": "results/" },
  "videos": [
    { "id": "lawn", "source": "lawn.avi", "lines": [{ "name": "door", "points": [0.5, 0, 0.5, 1] }], "skip_frames": 1 }
  ]
}
`;
    writeFileSync(config, original);
    writeFileSync(path.join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g default-terminal "screen-256color"\n');
    const command = `cd ${dir} && env -u CI -u CONTINUOUS_INTEGRATION -u COLORTERM XDG_CONFIG_HOME=${dir}/xdg node ${repoRoot}bin/pcount-tui.js lawn.json; echo "[exit $?]"`;
    tmux('-f', path.join(dir, 'tmux.conf'), 'new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);

    await waitScreen(/^> lawn .*processing/m);
    keys('v');
    // The worker's pictures arrive: half blocks in 256 colours, the line with its name and counts, its in-arrow.
    const colours = await waitScreen(/preview: lawn {2}frame \d+/, 60_000);
    assert.match(colours, /▀/);
    assert.match(colours, /door in \d+ out \d+/);
    assert.match(colours, /←/);
    assert.match(screen(true), /\u001B\[38;5;\d+m/, '256-colour codes reach the terminal');
    assert.ok(colours.split('\n').every((l) => l.length <= 80));

    const labelColumn = (text: string) => Math.min(...text.split('\n').map((l) => l.indexOf('door in')).filter((i) => i >= 0));
    const before = labelColumn(colours);
    keys('l');
    await waitScreen(/lines of lawn: door \(end A\)/);
    keys('Space', 'Space');
    await waitScreen(/door \(whole line\)/);
    // Two coarse steps left and one fine step right: the whole line to x = 0.5 − 0.04 + 0.002 = 0.462.
    keys('h', 'h', 'L');
    const moved = await waitScreen(/door \(whole line\) \*/);
    // The line and its label move left on the picture while editing (0.038 of a picture about 40 columns wide).
    assert.ok(labelColumn(moved) < before, `label at column ${labelColumn(moved)}, was ${before}`);
    keys('Enter');
    await waitScreen(/lines of lawn applied and saved to/, 30_000);

    const saved = readFileSync(config, 'utf8');
    assert.deepEqual(JSON.parse(saved).videos[0].lines, [{ name: 'door', points: [0.462, 0, 0.462, 1] }]);
    assert.equal(saved.replace('[0.462, 0, 0.462, 1]', '[0.5, 0, 0.5, 1]'), original, 'nothing else in the file changed');
    // The worker itself reports the line it counts on now (its `lines` event, in the task's log).
    keys('Enter');
    await waitScreen(/lines changed from frame \d+: door 0\.462,0,0\.462,1/, 30_000);

    tmux('resize-window', '-t', session, '-x', '100', '-y', '30');
    keys('v');
    const wider = await waitScreen(/preview: lawn/, 10_000);
    assert.ok(wider.split('\n').every((l) => l.length <= 100));
    keys('q');
    await waitScreen(/Quit and stop 1 unfinished task/, 10_000);
    keys('y');
    await waitScreen(/\[exit \d+\]/, 20_000);
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
