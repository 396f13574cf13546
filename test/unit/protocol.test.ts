import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { LineSplitter, NdjsonWriter, readNdjson } from '../../src/protocol/ndjson.js';
import { validateEvent, validateFacesLine } from '../../src/protocol/validate.js';
import { checkCommand } from '../../src/protocol/commands.js';
import type { WorkerEvent } from '../../src/protocol/events.js';
import { ERROR_CODES, isUsageErrorCode } from '../../src/protocol/error-codes.js';

const base = { v: 1, task: 't1', ts: 1_700_000_000_000 } as const;

test('splitter keeps a partial line until its newline and strips CRLF', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\r\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}'), []);
  assert.deepEqual(s.push('\n\n{"c":3}\r'), ['{"b":2}', '']);
  assert.deepEqual(s.end(), ['{"c":3}']);
});

test('splitter decodes a UTF-8 character split across chunks', () => {
  const bytes = Buffer.from('{"m":"día"}\n');
  const cut = bytes.indexOf(0xc3) + 1;
  const s = new LineSplitter();
  assert.deepEqual(s.push(bytes.subarray(0, cut)), []);
  assert.deepEqual(s.push(bytes.subarray(cut)), ['{"m":"día"}']);
});

test('splitter drops an overlong line instead of buffering it, and resynchronises on the next newline', () => {
  const s = new LineSplitter(16);
  const first = s.push('x'.repeat(40));
  assert.equal(first.length, 1);
  assert.deepEqual(s.push('yyy\n{"ok":1}\n'), ['{"ok":1}']);
});

test('splitter reports an overlong line once and keeps nothing of it, however long it goes on', () => {
  const s = new LineSplitter(16);
  const reported: string[] = [];
  for (let i = 0; i < 1000; i++) reported.push(...s.push('z'.repeat(1000)));
  assert.equal(reported.length, 1);
  assert.deepEqual(s.push('z'.repeat(10)), []);
  assert.deepEqual(s.push('zz\nnext\n'), ['next']);
  assert.deepEqual(s.end(), []);
});

test('readNdjson yields parsed values and reports non-JSON lines without stopping', async () => {
  const stream = new PassThrough();
  const items: unknown[] = [];
  const reading = (async () => {
    for await (const item of readNdjson(stream)) items.push(item.ok ? item.value : `bad:${item.line}`);
  })();
  stream.write('{"a":');
  stream.write('1}\nnot json\r\n');
  stream.end('{"b":2}');
  await reading;
  assert.deepEqual(items, [{ a: 1 }, 'bad:not json', { b: 2 }]);
});

test('writer waits for drain under backpressure and writes one JSON object per line', async () => {
  const chunks: string[] = [];
  let release: (() => void) | null = null;
  const slow = new Writable({
    highWaterMark: 32,
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      release = cb;
    },
  });
  const w = new NdjsonWriter(slow);
  assert.equal(w.write({ type: 'x', pad: 'p'.repeat(40) }), false);
  let drained = false;
  const wait = w.drained().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, 'must not resolve while the reader has not taken the data');
  release!();
  await wait;
  assert.equal(drained, true);
  assert.deepEqual(JSON.parse(chunks[0]), { type: 'x', pad: 'p'.repeat(40) });
  assert.ok(chunks[0].endsWith('\n'));
});

test('writer turns EPIPE into one onClosed call and no-op writes, never a throw', async () => {
  const reasons: string[] = [];
  const broken = new Writable({
    write(_chunk, _enc, cb) {
      const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      cb(err);
    },
  });
  const w = new NdjsonWriter(broken, (r) => reasons.push(r));
  w.write({ a: 1 });
  await new Promise((r) => setImmediate(r));
  assert.equal(w.closed, true);
  assert.doesNotThrow(() => w.write({ a: 2 }));
  await w.drained();
  await w.flush();
  assert.deepEqual(reasons, ['EPIPE']);
});

const good: WorkerEvent[] = [
  {
    ...base,
    type: 'hello',
    protocol: 1,
    source: 'a.avi',
    live: false,
    model: { path: 'm.onnx', format: 'centernet', input_width: 384, input_height: 288 },
    ffmpeg: { path: '/usr/bin/ffmpeg', origin: 'PATH', version: '5.1' },
    width: 768,
    height: 576,
    fps: 7,
    duration: null,
    lines: [{ name: 'line', points: [0.5, 0, 0.5, 1] }],
    skip_frames: 1,
    anchor: 'bottom',
    crops: {
      detect_region: 'auto',
      target_height: 64,
      heights_from: 'prior',
      regions: [{ x: 0, y: 0, w: 768, h: 576, scale: 0.5 }],
      tiles: [{ x: 0, y: 0, w: 768, h: 576, scale: 0.5, input_width: 384, input_height: 288 }],
    },
  },
  { ...base, type: 'crossing', seq: 1, line: 'line', track: 3, direction: 'in', frame: 12, pts: 1.7 },
  { ...base, type: 'error', code: 'BAD_LINE', message: "bad --line '1,2'", fatal: true },
  { ...base, type: 'done', reason: 'end', frames: 10, wall_seconds: 1.5, avg_fps: 6.7, dropped: 0, lines: [{ name: 'line', in: 1, out: 0 }], in: 1, out: 0 },
  { ...base, type: 'reconnect', attempt: 1, delay_ms: 500, reason: 'stalled' },
  {
    ...base,
    type: 'crossing',
    seq: 2,
    line: 'line',
    track: 4,
    direction: 'out',
    frame: 14,
    pts: 1.9,
    gender: null,
    gender_score: null,
    age: null,
    age_band: null,
    face_px: null,
    reason: 'pending',
  },
  { ...base, type: 'demographics', seq: 2, line: 'line', track: 4, frame: 14, gender: 'female', gender_score: 0.91, age: 34.2, age_band: '30-39', face_px: 58 },
];

test('schema accepts well-formed events of each kind', () => {
  for (const e of good) {
    const r = validateEvent(e);
    assert.ok(r.ok, `${e.type}: ${r.ok ? '' : r.errors.join('; ')}`);
  }
});

test('schema rejects missing, mistyped and undocumented fields, naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...good[1], direction: 'sideways' }, /direction/],
    [{ ...good[2], fatal: 'yes' }, /fatal/],
    [{ ...good[3], lines: [{ name: 'l', in: -1, out: 0 }] }, /lines\/0\/in/],
    [{ ...good[1], extra: 1 }, /extra/],
    [{ ...good[0], v: 2 }, /\/v/],
    [{ ...base, type: 'nonsense' }, /type/],
    [(({ task: _t, ...rest }) => rest)(good[4] as { task: string }), /task/],
  ];
  for (const [value, pattern] of cases) {
    const r = validateEvent(value);
    assert.equal(r.ok, false, JSON.stringify(value));
    if (!r.ok) assert.match(r.errors.join('; '), pattern);
  }
});

test('a field with alternatives (anyOf) gets one error saying what is accepted, or the errors of the form it has', () => {
  const hello = good[0] as Extract<WorkerEvent, { type: 'hello' }>;
  const cases: [unknown, string[]][] = [
    [{ ...good[5], gender: 'x', gender_score: 'high' }, ['/gender must be "male", "female" or null', '/gender_score must be a number or null']],
    [{ ...hello, fps: '7' }, ['/fps must be a number or null']],
    [{ ...hello, crops: { ...hello.crops, detect_region: 'x' } }, ['/crops/detect_region must be "auto", "full" or a list of [x, y, w, h] rectangles in fractions of the frame']],
    [{ ...hello, crops: { ...hello.crops, detect_region: [[0, 0, 1]] } }, ['/crops/detect_region/0 must NOT have fewer than 4 items']],
  ];
  for (const [value, errors] of cases) assert.deepEqual(validateEvent(value), { ok: false, errors }, JSON.stringify(value));
});

test('every example event in docs/protocol.md validates against the schema', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const examples = [...doc.matchAll(/```json\n(.*?)\n```/g)].map((m) => m[1]);
  assert.ok(examples.length >= 9, `found ${examples.length} examples`);
  const types = new Set<string>();
  for (const text of examples) {
    const r = validateEvent(JSON.parse(text));
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.errors.join('; ')}`);
    types.add((JSON.parse(text) as { type: string }).type);
  }
  assert.deepEqual([...types].sort(), ['crops', 'crossing', 'demographics', 'detections', 'done', 'error', 'hello', 'lines', 'log', 'preview', 'progress', 'reconnect', 'tracks']);
  const faces = [...doc.matchAll(/```jsonl\n(\{"v":1,"type":"faces".*?)\n```/g)].map((m) => JSON.parse(m[1]) as unknown);
  assert.equal(faces.length, 1, 'the faces example');
  assert.ok(validateFacesLine(faces[0]).ok);
});

test('every stdin command in docs/protocol.md passes the command schema', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Commands on stdin'), doc.indexOf('## Exit codes'));
  const commands = [...section.matchAll(/`(\{"cmd":.*?\})`/g)].map((m) => m[1]);
  assert.ok(commands.length >= 4, `found ${commands.length} commands`);
  for (const text of commands) {
    const r = checkCommand(JSON.parse(text));
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.error}`);
  }
});

test('docs/protocol.md lists exactly the error codes of the table, each with its kind, and the usage ones under exit 2', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const rows = [...doc.slice(doc.indexOf('## Error codes')).matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)];
  const documented = Object.fromEntries(rows.map((m) => [m[1], m[2].trim()]));
  const table = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.kind ?? 'never fatal']));
  assert.deepEqual(documented, table);
  const usageRow = /^\| 2 \| bad arguments.*$/m.exec(doc.slice(doc.indexOf('## Exit codes')))?.[0] ?? '';
  const usage = Object.keys(ERROR_CODES).filter((code) => isUsageErrorCode(code));
  assert.deepEqual([...usageRow.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]).sort(), usage.sort());
});

test('the command schema refuses unknown commands and bad fields, naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ cmd: 'reboot' }, /cmd/],
    [{ cmd: 'preview' }, /on/],
    [{ cmd: 'preview', on: true, width: 10_000 }, /width/],
    [{ cmd: 'preview', on: true, interval_ms: 5 }, /interval_ms/],
    [{ cmd: 'lines', lines: [] }, /lines/],
    [{ cmd: 'lines', lines: [{ name: 'a,b', points: [0, 0, 1, 1] }] }, /lines\/0\/name/],
    [{ cmd: 'lines', lines: [{ name: 'a', points: [0, 0, 1, 2] }] }, /points\/3/],
    [{ cmd: 'stop', now: true }, /now/],
    ['stop', /command|type/],
  ];
  for (const [value, pattern] of cases) {
    const r = checkCommand(value);
    assert.equal(r.ok, false, JSON.stringify(value));
    if (!r.ok) assert.match(r.error, pattern);
  }
  assert.deepEqual(checkCommand({ cmd: 'preview', on: false }), { ok: true, command: { cmd: 'preview', on: false } });
});
