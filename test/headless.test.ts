import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { validateEvent } from '../src/protocol/validate.js';
import { vtest } from './footage.js';
import { binPath, cutClips, processesMentioning, writeClipConfig } from './real-clips.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line with a private preferences folder; a time-out kills it and fails the test instead of hanging. */
function sh(command: string, opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd: opts.cwd,
      env: { ...process.env, PCOUNT_CONFIG_DIR: prefsDir, ...opts.env },
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`timed out: ${command}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const prefsDir = mkdtempSync(path.join(tmpdir(), 'pcount-prefs-'));
let dir = '';
let config = '';

describe('headless runs', () => {
  before(() => {
    const cut = cutClips({ north: 8, south: 40 }, 40);
    dir = cut.dir;
    config = writeClipConfig(dir, cut.clips, { skip_frames: 2 });
  });

  it('`run CONFIG --no-tui | head -n 3` ends at once with status 0, nothing on stderr and no worker left', async () => {
    const run = await sh(`set -o pipefail; node ${binPath} run ${config} --no-tui | head -n 3`, { timeoutMs: 30_000 });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) assert.ok(['north', 'south'].includes((JSON.parse(line) as { task: string }).task));
    assert.deepEqual(processesMentioning(dir), []);
  });

  it('runs headless, saying why, in a terminal whose standard input is not one (a shell loop reading a list)', async () => {
    // `script` gives the run a terminal for stdout; its stdin is /dev/null.
    const run = await sh(`script -qec "node ${binPath} run ${config} 0</dev/null" /dev/null`, { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^pcount-tui: standard input is not a terminal, so no dashboard \(it reads keys from one\): NDJSON follows\r?$/m);
    assert.match(run.stdout, /^\{"v":1,"type":"summary".*"completed":2,/m);
  });

  it('prints every event of both tasks with its task, then a summary line, and exits 0', async () => {
    const run = await sh(`node ${binPath} run ${config} --no-tui --output ${path.join(dir, 'out')}`);
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    const summary = events.pop()!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.exit_code, 0);
    assert.equal(summary.completed, 2);
    assert.ok(events.every((e) => e.task === 'north' || e.task === 'south'));
    for (const e of events) assert.deepEqual(validateEvent(e), { ok: true, event: e }, 'every merged event follows the protocol schema');
    for (const id of ['north', 'south']) {
      const done = events.find((e) => e.task === id && e.type === 'done')!;
      const task = summary.tasks.find((t: { task: string }) => t.task === id);
      assert.deepEqual([task.state, task.in, task.out], ['completed', done.in, done.out]);
    }
    assert.equal(summary.export.dir, summary.run.folder);
    assert.equal(path.dirname(summary.run.folder), path.join(dir, 'out', 'runs'));
    assert.equal(summary.store.path, path.join(dir, 'out', 'pcount.db'));
  });

  it('exits 1 with the failure in the summary when a file task fails, and the other task still completes', async () => {
    const broken = path.join(dir, 'broken.avi');
    writeFileSync(broken, 'this is not a video file at all');
    const cfg = path.join(dir, 'with-broken.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        parallel_config: { worker_count: 1, skip_frames: 4 },
        videos: [
          { id: 'broken', source: 'broken.avi', lines: [{ name: 'm', points: [0.5, 0, 0.5, 1] }] },
          { id: 'fine', source: 'north.avi', lines: [{ name: 'm', points: [0.5, 0, 0.5, 1] }] },
        ],
      }),
    );
    const run = await sh(`node ${binPath} run ${cfg} --no-tui --output ${path.join(dir, 'out-broken')}`);
    assert.equal(run.code, 1);
    const summary = JSON.parse(run.stdout.trimEnd().split('\n').pop()!) as Record<string, any>;
    assert.deepEqual(
      summary.tasks.map((t: { task: string; state: string }) => [t.task, t.state]),
      [
        ['broken', 'error'],
        ['fine', 'completed'],
      ],
    );
    assert.equal(summary.exit_code, 1);
    assert.match(summary.tasks[0].reason, /broken\.avi|video|decode|ffmpeg/i);
  });

  it('stops the workers on SIGTERM, prints the summary, and exits 143 (128 + SIGTERM) for the cut-short files, as the dashboard does', async () => {
    const run = await sh(
      `node ${binPath} run ${config} --no-tui --skip-frames 1 --output ${path.join(dir, 'out-term')} > ${path.join(dir, 'term.ndjson')} & pid=$!; ` +
        `until grep -q '"type":"progress"' ${path.join(dir, 'term.ndjson')} 2>/dev/null; do sleep 0.1; done; kill -TERM $pid; wait $pid; echo "status=$?"; tail -n 1 ${path.join(dir, 'term.ndjson')}`,
    );
    const [status, last] = run.stdout.trimEnd().split('\n');
    assert.equal(status, 'status=143');
    const summary = JSON.parse(last) as Record<string, any>;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.exit_code, 143);
    assert.ok(summary.tasks.some((t: { state: string }) => t.state === 'cancelled'));
    assert.deepEqual(processesMentioning(dir), []);
  });

  it('a Ctrl-C while the run is still starting (loading its modules) ends it as a later one: the summary, zero counts, exit 130', async () => {
    const hook = fileURLToPath(new URL('./signal-at-run-import.js', import.meta.url));
    const run = await sh(`node --import ${hook} ${binPath} run --source ${vtest} --line 0.5,0,0.5,1 --no-tui --output ${path.join(dir, 'out-early')}`);
    assert.equal(run.code, 130, run.stderr);
    const events = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const summary = events.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.deepEqual([summary.exit_code, summary.cancelled, summary.total_in, summary.total_out], [130, 1, 0, 0]);
    assert.equal(summary.tasks[0].state, 'cancelled');
    // A worker still loading its model reads the stop only once loaded; on a loaded machine that is after the pool's
    // 5 s stop time-out, and the reason says it was killed. Either way it had counted nothing.
    assert.match(summary.tasks[0].reason, /^interrupted: the run was stopped before the end of the file( \(killed after the stop time-out\))?$/);
    assert.match(summary.run.folder, /out-early\/runs\//);
    assert.equal(summary.store.error, null);
    assert.deepEqual(processesMentioning(vtest), []);
  });

  it('with no config argument runs the folder’s own pcount.json, and refuses to run the last config of another folder', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'pcount-cwd-'));
    const refused = await sh(`node ${binPath} --no-tui`, { cwd: elsewhere, timeoutMs: 30_000 });
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, new RegExp(`the last config run is in another folder: ${config}, 2 tasks`));
    assert.match(refused.stderr, new RegExp(`Run it by name if that is what you want: .*pcount-tui\\.js run ${config}`));

    writeFileSync(
      path.join(elsewhere, 'pcount.json'),
      JSON.stringify({ videos: [{ id: 'own', source: path.join(dir, 'north.avi'), lines: [{ name: 'm', points: [0.5, 0, 0.5, 1] }] }] }),
    );
    // The run ends when its next line meets the closed pipe, after a worker started: on a loaded machine that is tens of s.
    const own = await sh(`set -o pipefail; node ${binPath} --no-tui | head -n 1`, { cwd: elsewhere, timeoutMs: 120_000 });
    assert.equal(own.code, 0, own.stderr);
    assert.equal((JSON.parse(own.stdout) as { task: string }).task, 'own');
  });

  it('explains a bad config on stderr with exit 1, and how to start when there is no config (exit 2)', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ videos: [{ id: 'x', source: 'north.avi', lines: [{ name: 'm', points: [2, 0, 0.5, 1] }] }] }));
    const run = await sh(`node ${binPath} run ${bad} --no-tui`);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /\$\.videos\[0\]\.lines\[0\]\.points\[0\]: must be <= 1 \(found 2\)/);

    const empty = mkdtempSync(path.join(tmpdir(), 'pcount-empty-'));
    const none = await sh(`node ${binPath} --no-tui`, { cwd: empty, env: { PCOUNT_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'pcount-prefs-')) } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /To start, run one of:\n {2}\S*node\S* \S*pcount-tui\.js run --help\n/);
    assert.match(none.stderr, /run --source followed by a file, an rtsp:\/\/ or http:\/\/ URL or \/dev\/video0/);
    assert.match(none.stderr, new RegExp(`looked for ${path.join(empty, 'pcount.json')}`));
  });
});
