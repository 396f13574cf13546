/** Axis-aligned box in source-frame pixels: top-left corner, width, height. */
export type Box = [x: number, y: number, w: number, h: number];

export interface Detection {
  box: Box;
  score: number;
  label: 'person';
  /** Colours of the person (appearance.ts), when computed: only near the counting lines. */
  appearance?: Float32Array;
}

/** A counting line in normalised coordinates (fractions of frame width and height), A = (x1, y1), B = (x2, y2). */
export interface LineSpec {
  name: string;
  points: [x1: number, y1: number, x2: number, y2: number];
}

export type Direction = 'in' | 'out';
