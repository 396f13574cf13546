import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { invocation, shellQuote, startHints } from '../src/commands/start-hints.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { FakeStdin, FakeStdout } from './tui-harness.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repo, 'bin/pcount-tui.js');
const fixture = path.join(repo, 'test/fixtures/footage/vtest-480.avi');

function sh(command: string, cwd: string, prefs: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, timeout: 120_000, env: { ...process.env, PCOUNT_CONFIG_DIR: prefs } }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number }) | null;
      resolve({ code: e ? (e.code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** The commands the start screen shows: the lines indented by two spaces under "To start, run one of:". */
function shownCommands(text: string): string[] {
  const after = text.slice(text.indexOf('To start, run one of:'));
  return after.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
}

describe('the start screen', () => {
  it('shows only commands that run as written, here', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'pcount start hints '));
    const prefs = mkdtempSync(path.join(tmpdir(), 'pcount-start-prefs-'));
    const program = `${shellQuote(process.execPath)} ${shellQuote(bin)}`;

    const bare = await sh(`${program} --no-tui`, folder, prefs);
    assert.equal(bare.code, 2);
    const general = shownCommands(bare.stderr);
    assert.deepEqual(general, [`${program} run --help`, `${program} --help`]);

    // With a video in the folder, and the sample the example config expects, two more commands are offered.
    const ffmpeg = (await resolveFfmpeg()).path;
    execFileSync(ffmpeg, ['-v', 'error', '-i', fixture, '-frames:v', '30', '-c', 'copy', path.join(folder, 'vtest.avi')]);
    const offered = shownCommands((await sh(`${program} --no-tui`, folder, prefs)).stderr);
    assert.equal(offered.length, 4, offered.join('\n'));
    assert.equal(offered[0], `${program} run --source ./vtest.avi --line 0.5,0,0.5,1`);
    assert.match(offered[1], /^cp \S+\/config\/example\.json pcount\.json && /);

    for (const command of [...offered.slice(2), offered[0], offered[1]]) {
      // Pasted into a shell whose output is not a terminal: the runs print NDJSON and end.
      const r = await sh(command, folder, prefs);
      assert.equal(r.code, 0, `${command}\n${r.stderr}`);
      if (/--help/.test(command)) continue;
      const summary = JSON.parse(r.stdout.trimEnd().split('\n').pop()!) as { type: string; exit_code: number; completed: number };
      assert.deepEqual([summary.type, summary.exit_code], ['summary', 0], command);
    }
    assert.ok(existsSync(path.join(folder, 'results', 'latest', 'results.json')), 'the example config wrote its results next to it');
  });

  it('starts commands the way this program was started', () => {
    assert.equal(invocation(bin, { npm_command: 'exec', PATH: '' }), 'npx pcount-tui');
    assert.equal(invocation(bin, { PATH: '' }), `${shellQuote(process.execPath)} ${shellQuote(bin)}`);
    assert.equal(shellQuote("/tmp/it's here"), `'/tmp/it'\\''s here'`);
    const hints = startHints({ program: 'pcount-tui', cwd: '/nonexistent', exampleConfig: '/pkg/config/example.json', exampleVideo: 'vtest.avi' });
    assert.deepEqual(hints.commands.map((h) => h.command), ['pcount-tui run --help', 'pcount-tui --help']);
  });

  it('the question before a remembered config: y runs it, anything else does not', async () => {
    const { askYesNo } = await import('../src/tui/ask.js');
    for (const [key, expected] of [['y', true], ['n', false], ['\u001B', false]] as const) {
      const stdout = new FakeStdout(80, 24);
      const stdin = new FakeStdin(true);
      const answer = askYesNo({ question: 'Run it?', detail: ['The last config run is in another folder: /x/y.json, 20 tasks.'], stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, color: false });
      await new Promise((r) => setTimeout(r, 50));
      stdin.type('x');
      stdin.type(key);
      assert.equal(await answer, expected, `key ${JSON.stringify(key)}`);
      // Ink under CI=true writes only the last frame, at exit: read the question after the answer.
      assert.match(stdout.writes.join(''), /another folder: \/x\/y\.json, 20 tasks\.[\s\S]*Run it\? \(y\/n\)/);
    }
  });
});
