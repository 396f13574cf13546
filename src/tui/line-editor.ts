import { degenerateLine, roundPoint } from '../sources/lines.js';

/**
 * The line editor as a pure function (state, key) → state. Tab picks a line, Space picks which end moves (A, B or
 * the whole line), arrows or h/j/k/l move it by 2 % of the frame (with Shift, or H/J/K/L, by 0.2 %), `n` adds a
 * line, `d` deletes one, `f` flips in and out, Enter applies, Esc leaves without applying.
 */

export type LinePoints = [number, number, number, number];

export interface EditLine {
  name: string;
  points: LinePoints;
}

export type End = 'a' | 'b' | 'both';

export interface EditorState {
  task: string;
  lines: EditLine[];
  selected: number;
  end: End;
  /** Something differs from the lines the editor opened with. */
  dirty: boolean;
  status: 'editing' | 'applied' | 'cancelled';
  /** Why the last key did nothing, for the footer. */
  message: string | null;
}

export interface EditorKey {
  input: string;
  tab?: boolean;
  shift?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  return?: boolean;
  escape?: boolean;
}

export const COARSE_STEP = 0.02;
export const FINE_STEP = 0.002;

export function openEditor(task: string, lines: readonly { name: string; points: readonly number[] }[]): EditorState {
  return {
    task,
    lines: lines.map((l) => ({ name: l.name, points: [...l.points] as LinePoints })),
    selected: 0,
    end: 'a',
    dirty: false,
    status: 'editing',
    message: null,
  };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Which way a key moves, in fractions of the frame (y down), or null for keys that do not move. */
function motion(key: EditorKey): { dx: number; dy: number } | null {
  const lower = key.input.toLowerCase();
  const fine = key.shift === true || (key.input.length === 1 && key.input !== lower);
  const step = fine ? FINE_STEP : COARSE_STEP;
  if (key.leftArrow || lower === 'h') return { dx: -step, dy: 0 };
  if (key.rightArrow || lower === 'l') return { dx: step, dy: 0 };
  if (key.upArrow || lower === 'k') return { dx: 0, dy: -step };
  if (key.downArrow || lower === 'j') return { dx: 0, dy: step };
  return null;
}

function move(line: EditLine, end: End, dx: number, dy: number): LinePoints {
  let [x1, y1, x2, y2] = line.points;
  if (end === 'both') {
    // The whole line moves only as far as both ends can: it keeps its shape at the frame's edge.
    const ddx = Math.max(-Math.min(x1, x2), Math.min(1 - Math.max(x1, x2), dx));
    const ddy = Math.max(-Math.min(y1, y2), Math.min(1 - Math.max(y1, y2), dy));
    [x1, y1, x2, y2] = [x1 + ddx, y1 + ddy, x2 + ddx, y2 + ddy];
  } else if (end === 'a') {
    [x1, y1] = [clamp01(x1 + dx), clamp01(y1 + dy)];
  } else {
    [x2, y2] = [clamp01(x2 + dx), clamp01(y2 + dy)];
  }
  // Steps add up in binary fractions (0.1 + 0.2): rounded, the config gets the numbers the user stepped to.
  return [roundPoint(x1), roundPoint(y1), roundPoint(x2), roundPoint(y2)] as LinePoints;
}

/** Why the line cannot be counted on, naming the task, the line and its points; null when it can. */
function lineProblem(task: string, line: EditLine): string | null {
  const why = degenerateLine(line.points);
  return why && `line '${line.name}' of ${task} (${line.points.join(',')}) ${why}`;
}

function freshName(lines: readonly EditLine[]): string {
  const used = new Set(lines.map((l) => l.name));
  for (let n = lines.length + 1; ; n++) if (!used.has(`line${n}`)) return `line${n}`;
}

const ENDS: End[] = ['a', 'b', 'both'];

export function editLines(state: EditorState, key: EditorKey): EditorState {
  if (state.status !== 'editing') return state;
  const s: EditorState = { ...state, message: null };
  const count = s.lines.length;
  if (key.escape) return { ...s, status: 'cancelled' };
  if (key.return) {
    // Lines can reach the editor from elsewhere (a worker's own lines): none that cannot be crossed is applied.
    const bad = s.lines.map((l) => lineProblem(s.task, l)).find((why) => why !== null);
    return bad ? { ...s, message: bad } : { ...s, status: 'applied' };
  }
  if (key.tab) {
    if (count === 0) return s;
    return { ...s, selected: (s.selected + (key.shift ? count - 1 : 1)) % count };
  }
  if (key.input === ' ') return { ...s, end: ENDS[(ENDS.indexOf(s.end) + 1) % ENDS.length] };
  if (key.input === 'n') {
    const lines = [...s.lines, { name: freshName(s.lines), points: [0.1, 0.5, 0.9, 0.5] as LinePoints }];
    return { ...s, lines, selected: lines.length - 1, end: 'a', dirty: true };
  }
  const line = s.lines[s.selected];
  if (!line) return s;
  if (key.input === 'd') {
    if (count === 1) return { ...s, message: 'a task needs at least one line' };
    const lines = s.lines.filter((_, i) => i !== s.selected);
    return { ...s, lines, selected: Math.min(s.selected, lines.length - 1), dirty: true };
  }
  if (key.input === 'f') {
    const [x1, y1, x2, y2] = line.points;
    return { ...s, lines: replace(s.lines, s.selected, { ...line, points: [x2, y2, x1, y1] }), dirty: true };
  }
  const m = motion(key);
  if (!m) return s;
  const moved = { ...line, points: move(line, s.end, m.dx, m.dy) };
  if (moved.points.every((v, i) => v === line.points[i])) return s;
  const bad = lineProblem(s.task, moved);
  if (bad) return { ...s, message: `the two ends of a line cannot meet: ${bad}` };
  return { ...s, lines: replace(s.lines, s.selected, moved), dirty: true };
}

function replace(lines: readonly EditLine[], index: number, line: EditLine): EditLine[] {
  return lines.map((l, i) => (i === index ? line : l));
}
