import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPicture, wantedPictureSize } from '../../src/tui/preview/fit.js';
import { colourModeFromEnv, encodeCanvas, GREY_RAMP, MARK_COLOUR, to256 } from '../../src/tui/preview/halfblock.js';
import { buildCanvas, markKindOf, type Canvas, type PreviewScene, type SceneLine } from '../../src/tui/preview/scene.js';

const ESC = '\u001B';
const tc = (fg: readonly number[], bg: readonly number[]) => `${ESC}[38;2;${fg.join(';')};48;2;${bg.join(';')}m`;

/** A 4×4 picture whose every pixel differs: red grows to the right, green downwards. */
const px = (x: number, y: number) => [x * 60, y * 60, 100];
const fourByFour = (): PreviewScene => {
  const rgb = new Uint8Array(4 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rgb.set(px(x, y), (y * 4 + x) * 3);
  return { picture: { width: 4, height: 4, rgb }, sourceWidth: 4, sourceHeight: 4, tracks: [], lines: [] };
};

test('half blocks: a 4×4 picture in 4×2 cells, upper pixel as foreground, lower as background, exact SGR', () => {
  const lines = encodeCanvas(buildCanvas(fourByFour(), 4, 2, true), 'truecolor', true);
  assert.equal(lines.length, 2);
  for (let row = 0; row < 2; row++) {
    const expected = [0, 1, 2, 3].map((x) => `${tc(px(x, 2 * row), px(x, 2 * row + 1))}▀`).join('') + `${ESC}[0m`;
    assert.equal(lines[row], expected, `row ${row}`);
  }
});

test('half blocks: a colour is written once for a run of equal cells', () => {
  const rgb = new Uint8Array(4 * 4 * 3).fill(200);
  const lines = encodeCanvas(buildCanvas({ ...fourByFour(), picture: { width: 4, height: 4, rgb } }, 4, 2, true), 'truecolor', true);
  assert.equal(lines[0], `${tc([200, 200, 200], [200, 200, 200])}▀▀▀▀${ESC}[0m`);
});

test('256 colours: the nearest of the xterm cube or grey ramp, in the same cells', () => {
  assert.equal(to256(0, 0, 0), 16);
  assert.equal(to256(255, 255, 255), 231);
  assert.equal(to256(255, 0, 0), 196);
  assert.equal(to256(95, 135, 175), 67);
  assert.equal(to256(128, 128, 128), 244, 'a mid grey is closer to the grey ramp than to the cube');
  assert.equal(to256(30, 32, 29), 234);
  const lines = encodeCanvas(buildCanvas(fourByFour(), 4, 2, true), '256', true);
  const first = `${ESC}[38;5;${to256(0, 0, 100)};48;5;${to256(0, 60, 100)}m▀`;
  assert.ok(lines[0].startsWith(first), JSON.stringify(lines[0]));
  assert.equal([...lines[0].replace(/\u001B\[[0-9;]*m/g, '')].length, 4);
});

test('colour mode from the environment: NO_COLOR → none, COLORTERM=truecolor → 24-bit, else 256', () => {
  assert.equal(colourModeFromEnv({ COLORTERM: 'truecolor' }, true), 'truecolor');
  assert.equal(colourModeFromEnv({ COLORTERM: '24bit' }, true), 'truecolor');
  assert.equal(colourModeFromEnv({ TERM: 'xterm-256color' }, true), '256');
  assert.equal(colourModeFromEnv({ COLORTERM: 'truecolor' }, false), 'none');
});

test('NO_COLOR: a grey ramp by brightness, one character per cell, no escape code at all', () => {
  const rgb = new Uint8Array(4 * 2 * 3);
  // Top row black, mid grey, light grey, white; the bottom row the same, so each cell is one level.
  [0, 128, 200, 255].forEach((v, x) => {
    rgb.set([v, v, v], x * 3);
    rgb.set([v, v, v], (4 + x) * 3);
  });
  const scene: PreviewScene = { picture: { width: 4, height: 2, rgb }, sourceWidth: 4, sourceHeight: 2, tracks: [], lines: [] };
  const [line] = encodeCanvas(buildCanvas(scene, 4, 1, true), 'none', true);
  assert.equal(line, ` ${GREY_RAMP[5]}${GREY_RAMP[7]}${GREY_RAMP[9]}`);
  assert.doesNotMatch(line, /\u001B/);
});

test('without UTF-8 a cell is a space coloured with the mean of its two pixels', () => {
  const [line] = encodeCanvas(buildCanvas(fourByFour(), 4, 2, false), 'truecolor', false);
  const mean = (x: number) => px(x, 0).map((v, i) => (v + px(x, 1)[i]) >> 1);
  assert.ok(line.startsWith(`${tc(mean(0), mean(0))} `), JSON.stringify(line));
  assert.doesNotMatch(line, /▀/);
});

/** The kinds of mark in the two pixels of a cell. */
const marksAt = (c: Canvas, col: number, row: number) => [c.marks[2 * row * c.fit.canvasWidth + col], c.marks[(2 * row + 1) * c.fit.canvasWidth + col]].map(markKindOf);
const textRow = (c: Canvas, row: number) => Array.from({ length: c.cols }, (_, col) => c.text.get(row * c.cols + col)?.ch ?? ' ').join('');
const line = (name: string, points: [number, number, number, number], counts = { in: 3, out: 2 }): SceneLine => ({ name, points, counts });
const blank = (w: number, h: number): PreviewScene => ({ picture: null, sourceWidth: w, sourceHeight: h, tracks: [], lines: [] });

test('geometry: a 4:3 picture in an 80×20 pane sits centred, 53×40 pixels; its middle line is column 39, its box where the source says', () => {
  const fit = fitPicture(768, 576, 80, 20);
  assert.deepEqual(fit, { canvasWidth: 80, canvasHeight: 40, x: 13, y: 0, width: 53, height: 40 });
  const c = buildCanvas({ ...blank(768, 576), tracks: [{ id: 7, box: [384, 288, 192, 288] }], lines: [line('door', [0.5, 0, 0.5, 1])] }, 80, 20, true);
  for (let row = 0; row < 20; row++) {
    if (c.text.has(row * 80 + 39)) continue;
    assert.ok(marksAt(c, 39, row).includes('line'), `row ${row}: the line is in column 39`);
    assert.deepEqual(marksAt(c, 20, row), ['none', 'none']);
  }
  // Box: x 39..52 (0.5 and 0.75 of 53 px from 13), y 20..39 (0.5..1 of 40 px): rows 10..19.
  assert.equal(marksAt(c, 45, 10)[0], 'box', 'top edge in the upper half of row 10');
  assert.equal(marksAt(c, 45, 19)[1], 'box', 'bottom edge in the lower half of row 19');
  assert.equal(marksAt(c, 52, 15)[0], 'box', 'right edge at column 52');
  assert.deepEqual(marksAt(c, 53, 15), ['none', 'none']);
  assert.deepEqual(marksAt(c, 45, 9), ['none', 'none']);
  assert.equal(c.text.get(9 * 80 + 39)?.ch, '7', 'the track id sits above the box corner');
  // Walking right to left is `in` on this line: the arrow points left, from the middle of the line (row 10).
  const arrowRow = textRow(c, 10);
  assert.ok(arrowRow.indexOf('←') >= 30 && arrowRow.indexOf('←') < 39, arrowRow);
  assert.ok([...Array(20).keys()].some((r) => textRow(c, r).includes('door in 3 out 2')), 'the name and counts are on screen');
});

test('geometry: a 16:9 picture in a 100×30 pane; a horizontal line is row 15, its arrow points down, the label is above', () => {
  const fit = fitPicture(1920, 1080, 100, 30);
  assert.deepEqual(fit, { canvasWidth: 100, canvasHeight: 60, x: 0, y: 2, width: 100, height: 56 });
  const c = buildCanvas({ ...blank(1920, 1080), tracks: [{ id: 1, box: [0, 0, 1920, 1080] }], lines: [line('hall', [0, 0.5, 1, 0.5])] }, 100, 30, true);
  for (let col = 0; col < 100; col++) if (!c.text.has(15 * 100 + col)) assert.ok(marksAt(c, col, 15).includes('line'), `column ${col}`);
  const below = [16, 17, 18, 19].map((r) => textRow(c, r)).join('\n');
  assert.match(below, /↓/);
  const above = [11, 12, 13, 14].map((r) => textRow(c, r)).join('\n');
  assert.match(above, /hall in 3 out 2/);
  // The box is the whole picture: pixel rows 2 and 57 (rows 1 and 28), columns 0 and 99.
  assert.equal(marksAt(c, 50, 1)[0], 'box');
  assert.equal(marksAt(c, 50, 28)[1], 'box');
  assert.ok(marksAt(c, 0, 20).includes('box') && marksAt(c, 99, 20).includes('box'));
  assert.deepEqual(marksAt(c, 50, 0), ['none', 'none'], 'nothing is drawn on the letterbox');
});

test('geometry: a portrait picture in a 40×10 pane; a diagonal reads as "\\" without colour and ends in the corners', () => {
  const fit = fitPicture(576, 1024, 40, 10);
  assert.deepEqual(fit, { canvasWidth: 40, canvasHeight: 20, x: 14, y: 0, width: 11, height: 20 });
  const c = buildCanvas({ ...blank(576, 1024), lines: [line('d', [0, 0, 1, 1])] }, 40, 10, true);
  assert.ok(marksAt(c, 14, 0).includes('line'));
  assert.ok(marksAt(c, 24, 9).includes('line'));
  const plain = encodeCanvas(c, 'none', true);
  assert.equal(plain.length, 10);
  for (const l of plain) assert.equal([...l].length, 40);
  assert.match(plain[2], /^ {16}\\/, 'rows 4 and 5 of the picture: 14 + 11 × 4/20 → column 16');
  assert.match(plain[7], /\\/);
  assert.doesNotMatch(plain.join(''), /\u001B/);
});

test('overlay colours: lines, the selected line and boxes have their own colour in the half blocks', () => {
  const scene: PreviewScene = { ...blank(40, 20), lines: [{ ...line('a', [0, 0.1, 1, 0.1]), selected: true }], tracks: [{ id: 2, box: [5, 10, 20, 8] }] };
  const out = encodeCanvas(buildCanvas(scene, 40, 10, true), 'truecolor', true).join('\n');
  assert.match(out, new RegExp(`38;2;${MARK_COLOUR.selected.join(';')}`));
  assert.match(out, new RegExp(`${MARK_COLOUR.box.join(';')}`));
});

test('the worker is asked for a picture the size of the pane, within the protocol limits', () => {
  assert.deepEqual(wantedPictureSize(80, 14), { width: 80, height: 28 });
  assert.deepEqual(wantedPictureSize(400, 100), { width: 320, height: 160 });
});

test('cell surface: each row is one marker in Ink\'s text, written out as the row; successive pictures use other markers', async () => {
  const { CellSurface } = await import('../../src/tui/preview/cell-surface.js');
  const surface = new CellSurface();
  const first = surface.placeholders([['\u001B[31mA', 'B'], ['C', 'D\u001B[0m']])!;
  assert.equal(first.length, 2);
  for (const m of first) assert.equal([...m].length, 1);
  assert.equal(surface.expand(`top\n${first[0]}\n${first[1]}\nend`), 'top\n\u001B[31mAB\nCD\u001B[0m\nend');
  const second = surface.placeholders([['x', 'y'], ['z', 'w']])!;
  assert.notEqual(second[0], first[0], 'a new picture changes the text Ink compares');
  assert.equal(surface.expand(second.join('|')), 'xy|zw');
  assert.equal(surface.expand(first.join('|')), '\u001B[31mAB|CD\u001B[0m', 'a frame made before still finds its rows');
  const written: string[] = [];
  const sink = { write: (s: string) => (written.push(s), true), columns: 80, marker: 'real' };
  const wrapped = surface.wrap(sink as unknown as NodeJS.WritableStream & { columns: number });
  wrapped.write(`>${second[1]}<`);
  assert.deepEqual(written, ['>zw<']);
  assert.equal((wrapped as unknown as { columns: number }).columns, 80);
});
