import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CrossingEvent, DoneEvent } from '../src/protocol/events.js';
import { redactSource } from '../src/sources/credentials.js';
import { ffmpeg, vtest } from './footage.js';
import { binPath, descendants } from './real-clips.js';
import { freePort, killLater, runWorkerCli, spawnWorker, waitUntil, within } from './worker-harness.js';

/**
 * Camera passwords must never be printed, stored, or visible in `ps`. Two sources with passwords: an RTSP camera that
 * cannot be reached, and a local HTTP server that wants Basic auth and serves a real clip. Every output, every file
 * and the command line of every worker and ffmpeg is searched for the passwords.
 */

const RTSP_PASSWORD = 's3cret';
const HTTP_PASSWORD = 'h0neyp0t-9f2e';
const SECRETS = [RTSP_PASSWORD, HTTP_PASSWORD, Buffer.from(`viewer:${HTTP_PASSWORD}`).toString('base64')];
const LINE = ['--line', '0.5,0,0.5,1,door'];
const FRAMES = 150;

const dir = mkdtempSync(path.join(tmpdir(), 'pcount-credentials-'));
const clip = path.join(dir, 'clip.avi');
let httpPort = 0;
let closedPort = 0;
/** Holds back the answer to the next authorised request until released, so that ffmpeg can be looked at meanwhile. */
let hold: Promise<void> | null = null;
const requests: number[] = [];

const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
  const expected = `Basic ${Buffer.from(`viewer:${HTTP_PASSWORD}`).toString('base64')}`;
  if (req.headers.authorization !== expected) {
    requests.push(401);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="camera"' }).end();
    return;
  }
  requests.push(200);
  void (hold ?? Promise.resolve()).then(() => {
    res.writeHead(200, { 'Content-Type': 'video/x-msvideo' });
    res.end(readFileSync(clip));
  });
});

const httpSource = () => `http://viewer:${HTTP_PASSWORD}@127.0.0.1:${httpPort}/clip.avi`;
const rtspSource = (port: number) => `rtsp://admin:${RTSP_PASSWORD}@127.0.0.1:${port}/x`;

/** How the pool starts a worker for a source with a password: redacted on the command line, whole in the environment. */
function workerWith(source: string) {
  return { args: ['--source', redactSource(source)], env: { ...process.env, PCOUNT_TUI_SOURCE: source } };
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} holds a password: ${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 50)}`);
}

/** Every worker and ffmpeg below `root`, now. */
function workersAndDecoders(root: number) {
  return descendants(root).filter((p) => p.argv.some((a) => a.endsWith('pcount-tui.js')) || path.basename(p.argv[0] ?? '') === 'ffmpeg');
}

const crossingsOf = (events: { type: string }[]) =>
  events.filter((e): e is CrossingEvent => e.type === 'crossing').map((c) => `${c.line}:${c.direction}@${c.frame}`);

before(async () => {
  execFileSync(ffmpeg, ['-v', 'error', '-i', vtest, '-frames:v', String(FRAMES), '-c', 'copy', '-an', clip]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpPort = (server.address() as { port: number }).port;
  closedPort = await freePort();
});
after(() => server.close());

describe('a camera password', () => {
  it('stays out of a worker on an authenticated HTTP source, its ffmpeg command line and its output, and the source really counts', async () => {
    const local = await runWorkerCli(['--source', clip, ...LINE], 60_000);
    assert.equal(local.code, 0, local.stderr);

    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const { args, env } = workerWith(httpSource());
    const w = spawnWorker([...args, '--no-live', ...LINE], { env });
    after(killLater(w.child));
    // The first request is ffmpeg probing the file: while it waits for the answer, look at every command line.
    let seen: ReturnType<typeof workersAndDecoders> = [];
    await waitUntil(
      () => {
        seen = workersAndDecoders(process.pid).filter((p) => p.pid === w.child.pid || path.basename(p.argv[0]) === 'ffmpeg');
        return requests.includes(200) && seen.some((p) => path.basename(p.argv[0]) === 'ffmpeg');
      },
      30_000,
      'ffmpeg asking the HTTP source',
    );
    release();
    hold = null;
    for (const p of seen) assertNoSecret(p.argv.join(' '), `/proc/${p.pid}/cmdline`);
    const decoder = seen.find((p) => path.basename(p.argv[0]) === 'ffmpeg')!;
    assert.ok(decoder.argv.includes('pipe:0'), 'ffmpeg reads the source from its stdin');
    assert.ok(seen.find((p) => p.pid === w.child.pid)!.argv.includes('http://viewer:***@127.0.0.1:' + httpPort + '/clip.avi'));

    const exit = await within(w.exited, 60_000, 'the worker on the HTTP source');
    assert.equal(exit.code, 0, w.stderr());
    assertNoSecret(w.lines.join('\n'), 'stdout');
    assertNoSecret(w.stderr(), 'stderr');
    const hello = w.events.find((e) => e.type === 'hello');
    assert.equal(hello?.type === 'hello' && hello.source, `http://viewer:***@127.0.0.1:${httpPort}/clip.avi`);
    const done = w.events.at(-1) as DoneEvent;
    const localDone = local.events.at(-1) as DoneEvent;
    assert.equal(done.frames, FRAMES);
    assert.ok(localDone.in + localDone.out > 0, 'people cross the line in this clip');
    assert.deepEqual([done.in, done.out], [localDone.in, localDone.out], 'the same counts as the file itself');
    assert.deepEqual(crossingsOf(w.events), crossingsOf(local.events));
  });

  it('stays out of a worker on an unreachable RTSP camera: its ffmpeg, its error and its stderr', async () => {
    const silent = createServer((s: Socket) => sockets.push(s));
    const sockets: Socket[] = [];
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    after(() => {
      sockets.forEach((s) => s.destroy());
      silent.close();
    });
    // A camera that accepts the connection and never answers: ffmpeg stays connected long enough to be looked at.
    const { args, env } = workerWith(rtspSource((silent.address() as { port: number }).port));
    const w = spawnWorker([...args, '--live', '--stall-timeout', '30', ...LINE], { env });
    after(killLater(w.child));
    await within(
      (async () => {
        while (sockets.length === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      30_000,
      'ffmpeg connecting to the camera',
    );
    const seen = workersAndDecoders(process.pid).filter((p) => p.pid === w.child.pid || path.basename(p.argv[0]) === 'ffmpeg');
    const decoder = seen.find((p) => path.basename(p.argv[0]) === 'ffmpeg');
    assert.ok(decoder, 'ffmpeg is running');
    for (const p of seen) assertNoSecret(p.argv.join(' '), `/proc/${p.pid}/cmdline`);
    assert.ok(!readFileSync(`/proc/${decoder.pid}/environ`, 'utf8').includes('PCOUNT_TUI_SOURCE'), 'ffmpeg does not inherit the variable');
    w.child.kill('SIGTERM');
    assert.equal((await within(w.exited, 10_000, 'worker exit')).code, 0);

    // Nothing listens: the connection is refused, the error names the camera without its password.
    const refused = workerWith(rtspSource(closedPort));
    const r = await runWorkerCli([...refused.args, '--live', ...LINE], 60_000, refused.env);
    assert.equal(r.code, 1);
    const error = r.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' && error.code, 'SOURCE_UNREACHABLE');
    assert.match(error?.type === 'error' ? error.message : '', new RegExp(`rtsp://admin:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/x`));
    assertNoSecret(r.lines.join('\n') + r.stderr, 'output');
  });

  it('typed into the command line of a run, is hidden from ps once the run has started, and out of its task id', async () => {
    const run = spawn(process.execPath, [binPath, 'run', '--source', rtspSource(closedPort), '--no-tui'], {
      env: { ...process.env, PCOUNT_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'pcount-prefs-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    after(killLater(run));
    let stdout = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => run.on('close', (code) => resolve(code)));
    await within(
      (async () => {
        while (!stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
      })(),
      60_000,
      'the first event',
    );
    const argv = readFileSync(`/proc/${run.pid}/cmdline`, 'utf8');
    assertNoSecret(argv, 'the run\'s /proc/<pid>/cmdline');
    assert.match(argv, /rtsp:\/\/admin:\*\*\*@127\.0\.0\.1/);
    run.kill('SIGTERM');
    assert.equal(await within(exited, 30_000, 'the run ending'), 0);
    assertNoSecret(stdout, 'stdout');
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { tasks: { task: string }[] };
    assertNoSecret(summary.tasks[0].task, 'the task id');
    assert.match(summary.tasks[0].task, /127\.0\.0\.1/, 'the id names the camera');
  });

  it('stays out of a headless run: its NDJSON, results, logs and every worker and ffmpeg; the offline camera is retried until SIGTERM', async () => {
    const results = path.join(dir, 'results');
    const config = path.join(dir, 'cameras.json');
    const lines = [{ name: 'door', points: [0.5, 0, 0.5, 1] }];
    writeFileSync(
      config,
      JSON.stringify({
        parallel_config: { worker_count: 2, result_output: results },
        cameras: [{ id: 'gate', source: rtspSource(closedPort), lines }],
        videos: [{ id: 'lobby', source: httpSource(), lines }],
      }),
    );
    const local = await runWorkerCli(['--source', clip, ...LINE], 60_000);
    const localDone = local.events.at(-1) as DoneEvent;

    const run = spawn(process.execPath, [binPath, 'run', config, '--no-tui'], {
      env: { ...process.env, PCOUNT_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'pcount-prefs-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    after(killLater(run));
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => run.on('close', (code) => resolve(code)));
    const events = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>);
    const seen = new Map<number, string>();
    await waitUntil(
      () => {
        for (const p of workersAndDecoders(run.pid!)) seen.set(p.pid, p.argv.join(' '));
        const ev = events();
        const lobbyDone = ev.some((e) => e.task === 'lobby' && e.type === 'done');
        const offline = ev.filter((e) => e.task === 'gate' && e.type === 'log' && /^offline: /.test(e.message)).length;
        return lobbyDone && offline >= 2;
      },
      90_000,
      'the video done and the camera tried twice',
    );
    run.kill('SIGTERM');
    assert.equal(await within(exited, 30_000, 'the run ending on SIGTERM'), 0, `${stderr}\n${JSON.stringify(events().at(-1))}`);

    assert.ok([...seen.values()].some((argv) => argv.includes('rtsp://admin:***@')), 'a worker for the camera was seen');
    assert.ok([...seen.values()].some((argv) => /ffmpeg/.test(argv.split(' ')[0])), 'an ffmpeg was seen');
    for (const [pid, argv] of seen) assertNoSecret(argv, `/proc/${pid}/cmdline`);
    assertNoSecret(stdout, 'stdout');
    assertNoSecret(stderr, 'stderr');

    const summary = events().at(-1)!;
    assert.equal(summary.type, 'summary');
    const gate = summary.tasks.find((t: { task: string }) => t.task === 'gate');
    const lobby = summary.tasks.find((t: { task: string }) => t.task === 'lobby');
    assert.equal(gate.source, `rtsp://admin:***@127.0.0.1:${closedPort}/x`);
    assert.equal(gate.state, 'completed');
    assert.match(gate.reason, /stopped when the run ended/);
    assert.ok(gate.restarts >= 2, `the camera was tried again ${gate.restarts} times, never given up`);
    assert.deepEqual([lobby.state, lobby.in, lobby.out], ['completed', localDone.in, localDone.out], 'the authenticated HTTP video counts like the file');

    const files: string[] = [];
    // `latest` is a link to the run's folder, which the walk reaches anyway.
    const walk = (d: string) =>
      readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.isFile() && files.push(path.join(d, e.name))));
    walk(results);
    const runDir = path.relative(results, realpathSync(path.join(results, 'latest')));
    const expected = ['results.json', 'gate.csv', 'lobby.csv', 'crossings.ndjson'].map((f) => path.join(runDir, f));
    for (const name of [...expected, 'logs/camera-gate.log', 'logs/worker-0.log', 'pcount.db']) {
      assert.ok(files.includes(path.join(results, name)), `${name} in ${files.join(', ')}`);
    }
    for (const file of files) {
      assertNoSecret(readFileSync(file, 'utf8'), file);
      assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is readable by its owner only`);
    }
    assert.match(readFileSync(path.join(results, 'logs/camera-gate.log'), 'utf8'), /offline: SOURCE_UNREACHABLE: .*rtsp:\/\/admin:\*\*\*@/);
  });
});
