import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tile } from '../../src/vision/crop-plan.js';
import { mergeTiles, type TileResult } from '../../src/vision/tile-merge.js';
import type { Box, Detection } from '../../src/vision/types.js';

const FRAME = { width: 1000, height: 600 };

/** Two tiles side by side at scale 1, overlapping by 100 px (x 0–550 and 450–1000). */
const LEFT: Tile = { x: 0, y: 0, w: 550, h: 600, inputWidth: 576, inputHeight: 608, scaledWidth: 550, scaledHeight: 600 };
const RIGHT: Tile = { x: 450, y: 0, w: 550, h: 600, inputWidth: 576, inputHeight: 608, scaledWidth: 550, scaledHeight: 600 };
/** Two tiles stacked, overlapping by 60 px (y 0–330 and 270–600). */
const TOP: Tile = { x: 0, y: 0, w: 1000, h: 330, inputWidth: 1024, inputHeight: 352, scaledWidth: 1000, scaledHeight: 330 };
const BOTTOM: Tile = { x: 0, y: 270, w: 1000, h: 330, inputWidth: 1024, inputHeight: 352, scaledWidth: 1000, scaledHeight: 330 };

const det = (box: Box, score = 0.6): Detection => ({ box, score, label: 'person' });
const boxes = (ds: readonly Detection[]) => ds.map((d) => d.box.map((v) => Math.round(v)));

test('a person inside the overlap, found whole by both tiles, is one detection (the better-scored box)', () => {
  const results: TileResult[] = [
    { tile: LEFT, detections: [det([470, 200, 40, 100], 0.7)] },
    { tile: RIGHT, detections: [det([472, 203, 38, 98], 0.6)] },
  ];
  const merged = mergeTiles(FRAME, results);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].score, 0.7);
  assert.equal(merged[0].whole, true);
});

test('a box cut at an inner tile border is dropped when the neighbour saw the person whole', () => {
  // The left tile ends at x = 550 and sees only the left part of a person standing at 530–570.
  const results: TileResult[] = [
    { tile: LEFT, detections: [det([530, 200, 20, 100], 0.8)] },
    { tile: RIGHT, detections: [det([530, 200, 40, 100], 0.5)] },
  ];
  const merged = mergeTiles(FRAME, results);
  assert.deepEqual(boxes(merged), [[530, 200, 40, 100]], 'the whole box wins even with a lower score');
});

test('the halves of a person taller than the overlap, one on each side of a border, are joined into one box', () => {
  // A person from y = 150 to 450: the top tile (to 330) sees 150–330, the bottom one (from 270) 270–450.
  const results: TileResult[] = [
    { tile: TOP, detections: [det([400, 150, 60, 180], 0.5)] },
    { tile: BOTTOM, detections: [det([402, 270, 58, 180], 0.6)] },
  ];
  const merged = mergeTiles(FRAME, results);
  assert.deepEqual(boxes(merged), [[400, 150, 60, 300]]);
  assert.equal(merged[0].score, 0.6);
  assert.equal(merged[0].whole, false, 'a joined box is not taught to the height model');
});

test('two people side by side in one tile stay two, however much they overlap', () => {
  const results: TileResult[] = [{ tile: LEFT, detections: [det([100, 100, 40, 100], 0.9), det([110, 102, 40, 100], 0.5)] }];
  assert.equal(mergeTiles(FRAME, results).length, 2);
});

test('different people in different tiles are all kept; boxes at the frame edge are kept but not whole', () => {
  const results: TileResult[] = [
    { tile: LEFT, detections: [det([100, 100, 40, 100]), det([0, 300, 30, 100])] },
    { tile: RIGHT, detections: [det([800, 100, 40, 100]), det([960, 500, 40, 100])] },
  ];
  const merged = mergeTiles(FRAME, results);
  assert.equal(merged.length, 4);
  assert.deepEqual(
    merged.map((d) => d.whole),
    merged.map((d) => d.box[0] > 0 && d.box[0] + d.box[2] < 1000 && d.box[1] + d.box[3] < 600),
  );
});

test('a small box mostly inside a bigger one of another tile is the same person', () => {
  const results: TileResult[] = [
    { tile: LEFT, detections: [det([470, 100, 60, 200], 0.8)] },
    { tile: RIGHT, detections: [det([475, 110, 40, 90], 0.4)] },
  ];
  assert.deepEqual(boxes(mergeTiles(FRAME, results)), [[470, 100, 60, 200]]);
});
