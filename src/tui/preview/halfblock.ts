import { markKindOf, type Canvas, type MarkKind } from './scene.js';

/**
 * Terminal lines for a canvas. With colour, each cell is '▀' with the upper pixel as foreground and the lower one as
 * background, in 24-bit colour or the nearest of the xterm 256 colours; SGR codes are written only where the colour
 * changes. Without colour (NO_COLOR) each cell is a character of a grey ramp and the marks are drawn with
 * characters, so the picture carries no escape code at all.
 */

export type ColourMode = 'truecolor' | '256' | 'none';

/** 24-bit when the terminal says so (COLORTERM), else 256 colours; none under NO_COLOR. */
export function colourModeFromEnv(env: NodeJS.ProcessEnv, colour: boolean): ColourMode {
  if (!colour) return 'none';
  return /^(truecolor|24bit)$/i.test(env.COLORTERM ?? '') ? 'truecolor' : '256';
}

type Rgb = readonly [number, number, number];

export const MARK_COLOUR: Record<Exclude<MarkKind, 'none'>, Rgb> = {
  box: [40, 230, 70],
  line: [255, 210, 0],
  selected: [255, 60, 255],
  handle: [255, 255, 255],
};
const TEXT_INK: Rgb = [0, 0, 0];

/** From dark to bright: more ink reads brighter on the usual dark terminal background. */
export const GREY_RAMP = ' .,:;icoO@';

const CUBE = [0, 95, 135, 175, 215, 255];

function nearestCube(v: number): number {
  let best = 0;
  for (let i = 1; i < CUBE.length; i++) if (Math.abs(CUBE[i] - v) < Math.abs(CUBE[best] - v)) best = i;
  return best;
}

/** The xterm-256 index nearest to a colour: the 6×6×6 cube (16–231) or the grey ramp (232–255). */
export function to256(r: number, g: number, b: number): number {
  const [ri, gi, bi] = [nearestCube(r), nearestCube(g), nearestCube(b)];
  const cube = 16 + 36 * ri + 6 * gi + bi;
  const cubeErr = (CUBE[ri] - r) ** 2 + (CUBE[gi] - g) ** 2 + (CUBE[bi] - b) ** 2;
  const mean = (r + g + b) / 3;
  const gi2 = Math.max(0, Math.min(23, Math.round((mean - 8) / 10)));
  const grey = 8 + 10 * gi2;
  const greyErr = (grey - r) ** 2 + (grey - g) ** 2 + (grey - b) ** 2;
  return greyErr < cubeErr ? 232 + gi2 : cube;
}

/** Rec. 601 luma, 0..255. */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

export function greyChar(level: number): string {
  // Rounded first: the luma weights add up to 1 only within floating-point error.
  const i = Math.max(0, Math.min(GREY_RAMP.length - 1, Math.floor((Math.round(level) / 256) * GREY_RAMP.length)));
  return GREY_RAMP[i];
}

const RESET = '\u001B[0m';

function sgr(mode: ColourMode, fg: Rgb, bg: Rgb): string {
  if (mode === 'truecolor') return `\u001B[38;2;${fg[0]};${fg[1]};${fg[2]};48;2;${bg[0]};${bg[1]};${bg[2]}m`;
  return `\u001B[38;5;${to256(fg[0], fg[1], fg[2])};48;5;${to256(bg[0], bg[1], bg[2])}m`;
}

/** `rows` strings of exactly `cols` visible characters each. */
export function encodeCanvas(c: Canvas, mode: ColourMode, unicode: boolean): string[] {
  return encodeCells(c, mode, unicode).map((row) => row.join(''));
}

/**
 * Each cell's text, row by row: its character, preceded by the SGR code where the colour changes from the cell
 * before it in the row; the last cell of a colour row ends with a reset. Joined, a row is one terminal line.
 */
export function encodeCells(c: Canvas, mode: ColourMode, unicode: boolean): string[][] {
  return mode === 'none' ? encodeGrey(c) : encodeColour(c, mode, unicode);
}

function pixelColour(c: Canvas, i: number): Rgb {
  const m = c.marks[i];
  if (m !== 0) return MARK_COLOUR[markKindOf(m) as Exclude<MarkKind, 'none'>];
  return [c.rgb[i * 3], c.rgb[i * 3 + 1], c.rgb[i * 3 + 2]];
}

function encodeColour(c: Canvas, mode: ColourMode, unicode: boolean): string[][] {
  const W = c.fit.canvasWidth;
  const lines: string[][] = [];
  for (let row = 0; row < c.rows; row++) {
    const cells: string[] = [];
    let last = '';
    for (let col = 0; col < c.cols; col++) {
      const text = c.text.get(row * c.cols + col);
      let fg: Rgb;
      let bg: Rgb;
      let ch: string;
      if (text) {
        ch = text.ch;
        fg = text.kind === 'none' ? [255, 255, 255] : TEXT_INK;
        bg = text.kind === 'none' ? [0, 0, 0] : MARK_COLOUR[text.kind];
      } else if (unicode) {
        ch = '▀';
        fg = pixelColour(c, 2 * row * W + col);
        bg = pixelColour(c, (2 * row + 1) * W + col);
      } else {
        // No half block without UTF-8: one colour per cell, the mean of its two pixels.
        const top = pixelColour(c, 2 * row * W + col);
        const bottom = pixelColour(c, (2 * row + 1) * W + col);
        ch = ' ';
        fg = bg = [(top[0] + bottom[0]) >> 1, (top[1] + bottom[1]) >> 1, (top[2] + bottom[2]) >> 1];
      }
      const code = sgr(mode, fg, bg);
      cells.push(code === last ? ch : code + ch);
      last = code;
    }
    cells[cells.length - 1] += RESET;
    lines.push(cells);
  }
  return lines;
}

function encodeGrey(c: Canvas): string[][] {
  const W = c.fit.canvasWidth;
  const lines: string[][] = [];
  for (let row = 0; row < c.rows; row++) {
    const line: string[] = [];
    for (let col = 0; col < c.cols; col++) {
      const text = c.text.get(row * c.cols + col);
      if (text) {
        line.push(text.ch);
        continue;
      }
      const top = 2 * row * W + col;
      const bottom = top + W;
      const marked = c.marks[top] !== 0 ? top : c.marks[bottom] !== 0 ? bottom : -1;
      if (marked >= 0) {
        line.push(markKindOf(c.marks[marked]) === 'box' ? '+' : (c.slope.get(marked) ?? '*'));
        continue;
      }
      const level = (luma(c.rgb[top * 3], c.rgb[top * 3 + 1], c.rgb[top * 3 + 2]) + luma(c.rgb[bottom * 3], c.rgb[bottom * 3 + 1], c.rgb[bottom * 3 + 2])) / 2;
      line.push(greyChar(level));
    }
    lines.push(line);
  }
  return lines;
}
