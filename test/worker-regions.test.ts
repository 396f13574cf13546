import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CropsEvent, ErrorEvent, HelloEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { mot17Cut as CUT } from './footage.js';
import { runWorkerCli } from './worker-harness.js';

async function helloOf(args: string[]): Promise<{ hello: HelloEvent; crops: CropsEvent[] }> {
  const r = await runWorkerCli(['--source', CUT, ...args], 120_000);
  assert.equal(r.code, 0, r.stderr);
  for (const line of r.lines) {
    const v = validateEvent(JSON.parse(line));
    assert.ok(v.ok, `invalid event ${line}: ${v.ok ? '' : v.errors.join('; ')}`);
  }
  assert.equal(r.events[0].type, 'hello');
  return { hello: r.events[0] as HelloEvent, crops: r.events.filter((e): e is CropsEvent => e.type === 'crops') };
}

const insideFrame = (t: { x: number; y: number; w: number; h: number }) => t.x >= 0 && t.y >= 0 && t.x + t.w <= 1920 && t.y + t.h <= 1080;

test('the real worker on 1080p footage says in hello which crops it looks at, and changes them once people are seen', { timeout: 180_000 }, async () => {
  const { hello, crops } = await helloOf(['--line', '0.5,0,0.5,1,mid', '--max-frames', '60']);
  const c = hello.crops;
  assert.equal(c.detect_region, 'auto');
  assert.equal(c.heights_from, 'prior');
  assert.ok(c.tiles.length >= 1);
  for (const t of c.tiles) {
    assert.ok(insideFrame(t), `tile ${JSON.stringify(t)} inside the 1920×1080 frame`);
    assert.ok(t.x <= 960 && t.x + t.w >= 960 || c.tiles.some((o) => o.x <= 960 && o.x + o.w >= 960), 'the line is looked at');
    assert.ok(t.scale > 0 && t.scale <= 1, `scale ${t.scale}`);
    assert.ok(t.input_width <= hello.model.input_width && t.input_height <= hello.model.input_height, 'no tile exceeds the model input');
  }
  // A band around the middle line, not the whole frame.
  assert.ok(c.regions.every((r) => r.w < 1920), `regions ${JSON.stringify(c.regions)}`);
  // MOT17-09's people are 150–450 px tall, far taller than the prior's: the plan follows them, to a coarser scale.
  assert.ok(crops.length >= 1, 'a crops event after people were seen');
  const learned = crops.at(-1)!;
  assert.equal(learned.heights_from, 'people');
  const maxScale = (tiles: { scale: number }[]) => Math.max(...tiles.map((t) => t.scale));
  assert.ok(maxScale(learned.tiles) < maxScale(c.tiles), `scale ${maxScale(learned.tiles)} < ${maxScale(c.tiles)}`);
});

test('--detect-region full and explicit rectangles are what hello reports', { timeout: 180_000 }, async () => {
  const full = (await helloOf(['--detect-region', 'full', '--max-frames', '2'])).hello.crops;
  assert.equal(full.detect_region, 'full');
  const cover = (x: number, y: number) => full.tiles.some((t) => x >= t.x && x <= t.x + t.w && y >= t.y && y <= t.y + t.h);
  for (const [x, y] of [[0, 0], [1919, 0], [0, 1079], [1919, 1079], [960, 540]]) assert.ok(cover(x, y), `${x},${y} looked at`);

  const rects = (await helloOf(['--detect-region', '0,0.5,0.25,0.5;0.75,0,0.25,0.5', '--max-frames', '2'])).hello.crops;
  assert.deepEqual(rects.detect_region, [[0, 0.5, 0.25, 0.5], [0.75, 0, 0.25, 0.5]]);
  assert.deepEqual(
    rects.regions.map((r) => [r.x, r.y, r.w, r.h]).sort((a, b) => a[0] - b[0]),
    [[0, 540, 480, 540], [1440, 0, 480, 540]],
  );
  for (const t of rects.tiles) assert.ok(insideFrame(t));
});

async function expectUsageError(args: string[], code: string, value: string): Promise<void> {
  const r = await runWorkerCli(['--source', CUT, ...args], 30_000);
  assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}: ${r.stderr}`);
  const errors = r.events.filter((e): e is ErrorEvent => e.type === 'error');
  assert.equal(errors.length, 1, r.lines.join('\n'));
  assert.equal(errors[0].code, code);
  assert.ok(errors[0].message.includes(value), `"${errors[0].message}" names ${value}`);
  assert.ok(r.stderr.includes(value) && !/\n\s+at /.test(r.stderr), `stderr names the value, no stack: ${r.stderr}`);
  assert.ok(!r.events.some((e) => e.type === 'hello'), 'nothing is opened');
}

test('bad --detect-region values (outside the frame, empty, malformed) and a bad --input-size exit 2 naming the value', { timeout: 120_000 }, async () => {
  await expectUsageError(['--detect-region', '0.5,0,0.6,1'], 'BAD_DETECT_REGION', '0.5,0,0.6,1');
  await expectUsageError(['--detect-region', '0,0,0,0.5'], 'BAD_DETECT_REGION', '0,0,0,0.5');
  await expectUsageError(['--detect-region', ''], 'BAD_DETECT_REGION', "''");
  await expectUsageError(['--detect-region', 'everywhere'], 'BAD_DETECT_REGION', 'everywhere');
  await expectUsageError(['--detect-region', '0,0,1'], 'BAD_DETECT_REGION', '0,0,1');
  await expectUsageError(['--input-size', '385x288'], 'BAD_INPUT_SIZE', '385x288');
  await expectUsageError(['--input-size', 'big'], 'BAD_INPUT_SIZE', 'big');
});
