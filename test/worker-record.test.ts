import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CrossingEvent, ErrorEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { readRecording, replaySteps } from '../src/worker/detection-record.js';
import { mot17Cut } from './footage.js';
import { runWorkerCli, vtest } from './worker-harness.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-record-'));
const lineArgs = (specs: string[]) => specs.flatMap((s) => ['--line', s]);

/** Records a worker run and replays it: the replay must count exactly what the worker counted, frame for frame. */
async function recordAndReplay(name: string, args: string[]) {
  const file = path.join(tmp, `${name}.ndjson`);
  const r = await runWorkerCli([...args, '--record-detections', file], 120_000);
  assert.equal(r.code, 0, r.stderr);
  // The recording goes to its file: stdout stays the protocol alone.
  for (const line of r.lines) assert.ok(validateEvent(JSON.parse(line)).ok, `not an event: ${line}`);
  const worker = r.events.filter((e): e is CrossingEvent => e.type === 'crossing');
  assert.ok(worker.length >= 5, `the run should count people, got ${worker.length} crossings`);

  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /"(data|pixels|appearance)"/);
  const replayed = [...replaySteps(readRecording(text, file))].flatMap((s) => s.step.crossings);
  const key = (c: { line: string; track: number; direction: string; frame: number; pts: number }) =>
    `${c.line} ${c.track} ${c.direction} ${c.frame} ${Math.round(c.pts * 1000) / 1000}`;
  assert.deepEqual(replayed.map(key), worker.map(key));
}

test('a replay of vtest recorded with --skip-frames 3 counts exactly what the worker counted', async () => {
  await recordAndReplay('vtest', ['--source', vtest, '--max-frames', '240', '--skip-frames', '3',
    ...lineArgs(['0.5,0,0.5,1,v', '0,0.5,1,0.5,h', '0,0,1,1,d'])]);
});

test('a replay of the 1080p MOT17-09 cut (crops, feet below the picture) counts exactly what the worker counted', async () => {
  await recordAndReplay('mot17', ['--source', mot17Cut, '--skip-frames', '2', ...lineArgs(['0.3,0,0.3,1,a', '0.5,0,0.5,1,b', '0.7,0,0.7,1,c'])]);
});

test('--record-detections into a folder that does not exist: usage error naming the path, exit 2', async () => {
  const target = path.join(tmp, 'no-such-folder', 'rec.ndjson');
  const r = await runWorkerCli(['--source', vtest, '--record-detections', target], 20_000);
  assert.equal(r.code, 2);
  const errors = r.events.filter((e): e is ErrorEvent => e.type === 'error');
  assert.equal(errors.length, 1, r.lines.join('\n'));
  assert.equal(errors[0].code, 'BAD_ARGUMENT');
  assert.ok(errors[0].message.includes('--record-detections') && errors[0].message.includes(target), errors[0].message);
  assert.ok(!existsSync(target));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
