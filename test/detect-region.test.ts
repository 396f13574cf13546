import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRects, detectRegionArg, parseDetectRegion } from '../src/vision/detect-region.js';

test('auto, full and rectangles are read from the command line', () => {
  assert.deepEqual(parseDetectRegion('auto'), { ok: true, region: { kind: 'auto' } });
  assert.deepEqual(parseDetectRegion(' full '), { ok: true, region: { kind: 'full' } });
  assert.deepEqual(parseDetectRegion('0,0,0.5,1;0.5,0.25,0.5,0.5'), {
    ok: true,
    region: { kind: 'rects', rects: [[0, 0, 0.5, 1], [0.5, 0.25, 0.5, 0.5]] },
  });
});

test('malformed, empty and outside-the-frame values are refused with the value named', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['half', /'half' is not x,y,w,h/],
    ['0,0,0.5', /'0,0,0.5' is not x,y,w,h/],
    ['0,0,0.5,1;', /'' is not x,y,w,h/],
    ['0,0,0,1', /'0,0,0,1' is empty/],
    ['0.5,0,0.6,1', /'0.5,0,0.6,1' reaches outside the frame/],
    ['-0.1,0,0.5,0.5', /outside the frame/],
  ];
  for (const [text, pattern] of bad) {
    const r = parseDetectRegion(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.match(r.message, pattern);
      assert.ok(r.message.includes(`'${text}'`), `"${r.message}" quotes the value`);
    }
  }
});

test('config rectangles are checked the same way, and turned into the worker argument', () => {
  assert.equal(checkRects([], String).ok, false);
  const r = checkRects([[0.2, 0.2, 0.9, 0.5]], (i) => `#${i}`);
  assert.ok(!r.ok && /#0 reaches outside the frame/.test(r.message));
  assert.equal(detectRegionArg([[0, 0, 0.5, 1], [0.5, 0, 0.5, 1]]), '0,0,0.5,1;0.5,0,0.5,1');
  assert.equal(detectRegionArg('full'), 'full');
});
