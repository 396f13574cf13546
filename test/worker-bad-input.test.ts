import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateEvent } from '../src/protocol/validate.js';
import type { ErrorEvent } from '../src/protocol/events.js';
import { ffmpeg } from './footage.js';
import { freePort, repoRoot, runWorkerCli, vtest } from './worker-harness.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-bad-'));

/** Runs the worker and checks the common contract of a bad input: one fatal error event, a stderr line, non-zero exit. */
async function expectError(args: string[], code: string, mentions: string, timeoutMs = 20_000) {
  const r = await runWorkerCli(args, timeoutMs);
  for (const line of r.lines) {
    const v = validateEvent(JSON.parse(line));
    assert.ok(v.ok, `invalid event ${line}: ${v.ok ? '' : v.errors.join('; ')}`);
  }
  const errors = r.events.filter((e): e is ErrorEvent => e.type === 'error');
  assert.equal(errors.length, 1, `expected one error event, got: ${r.lines.join('\n')}`);
  assert.equal(errors[0].code, code, errors[0].message);
  assert.equal(errors[0].fatal, true);
  assert.ok(errors[0].message.includes(mentions), `message "${errors[0].message}" should name ${mentions}`);
  assert.notEqual(r.code, 0);
  assert.ok(!r.events.some((e) => e.type === 'hello' || e.type === 'done'), 'nothing was counted, so no hello/done');
  const stderrLines = r.stderr.trim().split('\n');
  assert.equal(stderrLines.length, 1, `one short stderr line, got: ${r.stderr}`);
  assert.match(stderrLines[0], new RegExp(code));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

test('a missing source file is SOURCE_NOT_FOUND naming the path', async () => {
  const missing = path.join(tmp, 'no-such-video.avi');
  await expectError(['--source', missing], 'SOURCE_NOT_FOUND', missing);
});

test('a text file as source is SOURCE_UNREADABLE', async () => {
  const text = path.join(tmp, 'notes.avi');
  writeFileSync(text, 'this is not a video\n'.repeat(50));
  await expectError(['--source', text], 'SOURCE_UNREADABLE', text);
});

test('a malformed --line is BAD_LINE quoting the value, exit 2', async () => {
  const r = await expectError(['--source', vtest, '--line', '0.5,0,0.5'], 'BAD_LINE', '0.5,0,0.5');
  assert.equal(r.code, 2);
  await expectError(['--source', vtest, '--line', '0.5,0,abc,1,door'], 'BAD_LINE', 'abc');
});

test('an unknown --model-format is BAD_MODEL_FORMAT naming it', async () => {
  await expectError(['--source', vtest, '--model-format', 'ssd'], 'BAD_MODEL_FORMAT', 'ssd');
});

test('a corrupt model file is MODEL_CORRUPT naming the file; a missing one MODEL_MISSING', async () => {
  const bad = path.join(tmp, 'broken.onnx');
  writeFileSync(bad, Buffer.from('\x08\x07garbage that is not a protobuf model'.repeat(20)));
  await expectError(['--source', vtest, '--model', bad, '--model-format', 'centernet'], 'MODEL_CORRUPT', bad);
  const missing = path.join(tmp, 'absent.onnx');
  await expectError(['--source', vtest, '--model', missing], 'MODEL_MISSING', missing);
});

test('an unreachable rtsp:// source errors within the time-out', async () => {
  const url = `rtsp://127.0.0.1:${await freePort()}/x`;
  // A refused connection is an error at once, not after the time-out (expectError kills a worker that hangs).
  await expectError(['--source', url, '--stall-timeout', '60'], 'SOURCE_UNREACHABLE', url, 40_000);
});

test('a stream server that accepts but never answers is SOURCE_TIMEOUT within the time-out', async (t) => {
  const sockets: import('node:net').Socket[] = [];
  let connectedAt = 0;
  const silent = createServer((sock) => {
    connectedAt ||= Date.now();
    sockets.push(sock);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    sockets.forEach((s) => s.destroy());
    silent.close();
  });
  const url = `rtsp://127.0.0.1:${(silent.address() as { port: number }).port}/x`;
  const timeout = 3;
  const r = await expectError(['--source', url, '--stall-timeout', String(timeout)], 'SOURCE_TIMEOUT', url, 40_000);
  // From ffmpeg's connection to the error event (both on this machine's clock), not from the worker's start: loading
  // the model takes what it takes on a busy machine.
  const waited = (r.events.find((e) => e.type === 'error')!.ts - connectedAt) / 1000;
  assert.ok(connectedAt > 0 && waited >= timeout - 0.5 && waited < timeout + 2, `gave up ${waited.toFixed(1)} s after connecting`);
});

test('a file cut short is counted to where it breaks, and its log says it is damaged', async () => {
  // ffmpeg reads such a file to its end with exit status 0, as if it were whole.
  const whole = readFileSync(path.join(repoRoot, 'test/fixtures/footage/mot17-09-141-280.mp4'));
  const cut = path.join(tmp, 'cut-short.mp4');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  const r = await runWorkerCli(['--source', cut, '--skip-frames', '3'], 60_000);
  assert.equal(r.code, 0, r.stderr);
  const warning = r.events.find((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('is damaged'));
  assert.ok(warning, r.lines.join('\n'));
  assert.match(warning.type === 'log' ? warning.message : '', new RegExp(`^${cut} is damaged \\(ffmpeg: .*Invalid data found when processing input\\): the count covers only the frames that could be decoded$`));
  assert.equal(r.events.at(-1)?.type, 'done');
});

test('an MKV and an MPEG-TS file cut short say they are damaged, and keep the counts made before the cut', async () => {
  for (const [name, codec] of [['cut.mkv', 'mpeg4'], ['cut.ts', 'mpeg2video']]) {
    const whole = path.join(tmp, `whole-${name}`);
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', vtest, '-t', '6', '-c:v', codec, '-q:v', '4', whole]);
    const cut = path.join(tmp, name);
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runWorkerCli(['--source', cut, '--skip-frames', '3'], 60_000);
    assert.equal(r.code, 0, r.stderr);
    const warning = r.events.find((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('is damaged'));
    assert.match(warning?.type === 'log' ? warning.message : r.lines.join('\n'), new RegExp(`^${cut} is damaged \\(ffmpeg: .+\\): the count covers only the frames that could be decoded$`));
    const done = r.events.at(-1);
    assert.ok(done?.type === 'done' && done.frames > 10 && done.frames < 60, `${name}: ${JSON.stringify(done)}`);
  }
});
