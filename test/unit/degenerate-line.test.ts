import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem, validateConfig } from '../../src/config/validate.js';
import { degenerateLine, parseLine } from '../../src/sources/lines.js';
import { MAX_FRAME_SIDE } from '../../src/sources/frame-side.js';
import { editLines, openEditor, type EditorKey, type EditorState } from '../../src/tui/line-editor.js';

const k = (input: string, flags: Omit<EditorKey, 'input'> = {}): EditorKey => ({ input, ...flags });
const press = (s: EditorState, ...keys: EditorKey[]) => keys.reduce(editLines, s);

test('a line whose length rounds to 0 px on the largest frame counted is degenerate; one of half a pixel is not', () => {
  assert.equal(degenerateLine([0.2, 0.2, 0.2, 0.2]), 'has both ends at the same point');
  // 0.0001 of 1920 px is 0.19 px: no length in pixels on any frame people are found in.
  assert.match(degenerateLine([0.2, 0.2, 0.2, 0.2001]) ?? '', /^has its ends 0\.19 px apart on the largest frame counted \(1920 px a side\)/);
  assert.match(degenerateLine([0.5, 0.5, 0.5001, 0.5001]) ?? '', /^has its ends 0\.27 px apart/, 'diagonal: the length, not each axis');
  const half = 0.5 / MAX_FRAME_SIDE;
  assert.equal(degenerateLine([0.3, 0.4, 0.3 + half * 1.01, 0.4]), null, 'rounds to 1 px');
  assert.notEqual(degenerateLine([0.3, 0.4, 0.3 + half * 0.99, 0.4]), null, 'rounds to 0 px');
  assert.equal(degenerateLine([0.5, 0, 0.5, 1]), null);
});

test('--line: a line of no length in pixels is refused quoting the value (it passed and never counted)', () => {
  assert.throws(() => parseLine('0.5,0.5,0.5,0.5001,door', 'line'), {
    message: "bad --line '0.5,0.5,0.5,0.5001,door': the line has its ends 0.19 px apart on the largest frame counted (1920 px a side): no length in pixels, so nothing can cross it",
  });
  assert.throws(() => parseLine('0.5,0.5,0.5,0.5', 'line'), /the two end points are the same/);
  assert.deepEqual(parseLine('0.5,0.5,0.5,0.5003', 'line').points, [0.5, 0.5, 0.5, 0.5003]);
});

test('config: a degenerate line is a problem naming the task, the line and the points (it passed validation)', () => {
  const problems = validateConfig({
    cameras: [{ id: 'gate', source: 'rtsp://cam/a', lines: [{ name: 'ok', points: [0.5, 0, 0.5, 1] }] }],
    videos: [
      {
        id: 'lobby',
        source: 'a.mp4',
        lines: [
          { name: 'door', points: [0.1, 0.1, 0.1, 0.1] },
          { name: 'sill', points: [0.4, 0.6, 0.40005, 0.60005] },
        ],
      },
    ],
  }).map(formatProblem);
  assert.deepEqual(problems, [
    '$.videos[0].lines[0].points: line "door" of task "lobby" has both ends at the same point (found [0.1,0.1,0.1,0.1])',
    '$.videos[0].lines[1].points: line "sill" of task "lobby" has its ends 0.14 px apart on the largest frame counted (1920 px a side): no length in pixels, so nothing can cross it (found [0.4,0.6,0.40005,0.60005])',
  ]);
});

test('line editor: a move that leaves the ends within a pixel is refused naming the task, line and points', () => {
  // 0.0021 apart (4 px on a 1920-pixel frame): one fine step (0.002) would leave 0.0001, 0.19 px.
  const s0 = openEditor('lobby', [{ name: 'door', points: [0.5, 0.3, 0.5021, 0.3] }]);
  const s = press(s0, k(' '), k('H'));
  assert.deepEqual(s.lines[0].points, [0.5, 0.3, 0.5021, 0.3], 'not moved');
  assert.equal(s.dirty, false);
  assert.equal(s.message, "the two ends of a line cannot meet: line 'door' of lobby (0.5,0.3,0.5001,0.3) has its ends 0.19 px apart on the largest frame counted (1920 px a side): no length in pixels, so nothing can cross it");
});

test('line editor: Enter does not apply a degenerate line that came from elsewhere, and says which', () => {
  const s = press(openEditor('lobby', [{ name: 'dot', points: [0.2, 0.2, 0.2, 0.2] }]), k('', { return: true }));
  assert.equal(s.status, 'editing');
  assert.equal(s.message, "line 'dot' of lobby (0.2,0.2,0.2,0.2) has both ends at the same point");
});
