import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectRegion } from '../../src/config/values.js';
import { detectRegionText, rectsProblem, toDetectRegion } from '../../src/vision/detect-region.js';

test('auto, full and rectangles are read from the command line', () => {
  assert.equal(detectRegion('auto'), 'auto');
  assert.equal(detectRegion(' full '), 'full');
  assert.deepEqual(detectRegion('0,0,0.5,1;0.5,0.25,0.5,0.5'), [
    [0, 0, 0.5, 1],
    [0.5, 0.25, 0.5, 0.5],
  ]);
});

test('malformed, empty and outside-the-frame values are refused, naming the part at fault', () => {
  const bad: [string, RegExp][] = [
    ['', /got nothing/],
    ['half', /'half' is not x,y,w,h/],
    ['0,0,0.5', /'0,0,0.5' is not x,y,w,h/],
    ['0,0,0.5,1;', /'' is not x,y,w,h/],
    ['0,0,0,1', /'0,0,0,1' is empty/],
    ['0.5,0,0.6,1', /'0.5,0,0.6,1' reaches outside the frame/],
    ['-0.1,0,0.5,0.5', /outside the frame/],
  ];
  for (const [text, pattern] of bad) assert.throws(() => detectRegion(text), pattern, text);
});

test('config rectangles are checked the same way, and passed on in the flag form the parser reads back', () => {
  assert.match(rectsProblem([], String) ?? '', /empty list/);
  assert.match(rectsProblem([[0.2, 0.2, 0.9, 0.5]], (i) => `#${i}`) ?? '', /#0 reaches outside the frame/);
  assert.equal(rectsProblem([[0, 0, 1, 1]], String), null);
  const rects: [number, number, number, number][] = [
    [0, 0, 0.5, 1],
    [0.5, 0, 0.5, 1],
  ];
  assert.equal(detectRegionText(rects), '0,0,0.5,1;0.5,0,0.5,1');
  assert.deepEqual(detectRegion(detectRegionText(rects)), rects);
  assert.equal(detectRegionText('full'), 'full');
  assert.deepEqual(toDetectRegion('auto'), { kind: 'auto' });
  assert.deepEqual(toDetectRegion(rects), { kind: 'rects', rects });
});
