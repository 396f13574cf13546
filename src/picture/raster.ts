import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';

export type Rgb = readonly [number, number, number];

/** A packed rgb24 picture that can be drawn on: thick lines, rectangles, text. Everything is clipped to the picture. */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`raster size must be positive integers, got ${width}x${height}`);
    }
    if (data && data.length !== width * height * 3) throw new RangeError(`raster data is ${data.length} bytes, expected ${width * height * 3}`);
    this.data = data ?? new Uint8Array(width * height * 3);
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.set(xx, yy, c);
  }

  /** A segment `thickness` pixels wide (a square brush along the path), end points included. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const t = Math.max(1, Math.round(thickness));
    const back = Math.floor((t - 1) / 2);
    for (const [x, y] of segmentPixels(x0, y0, x1, y1)) this.fillRect(x - back, y - back, t, t, c);
  }

  /** The outline of a box [x, y, w, h] in pixels. */
  strokeBox(box: readonly [number, number, number, number], c: Rgb, thickness = 1): void {
    const [x, y, w, h] = box;
    const x1 = x + w - 1;
    const y1 = y + h - 1;
    this.line(x, y, x1, y, c, thickness);
    this.line(x1, y, x1, y1, c, thickness);
    this.line(x1, y1, x, y1, c, thickness);
    this.line(x, y1, x, y, c, thickness);
  }

  /** Text with its top-left corner at (x, y), each font pixel `scale`×`scale`, on an optional background. */
  text(x: number, y: number, text: string, c: Rgb, scale = 1, background?: Rgb): void {
    const chars = [...text];
    if (background) {
      const w = chars.length * (GLYPH_WIDTH + 1) * scale + scale;
      this.fillRect(x - scale, y - scale, w, (GLYPH_HEIGHT + 2) * scale, background);
    }
    chars.forEach((ch, i) => {
      const left = x + i * (GLYPH_WIDTH + 1) * scale;
      glyph(ch).forEach((row, gy) =>
        row.forEach((on, gx) => {
          if (on) this.fillRect(left + gx * scale, y + gy * scale, scale, scale, c);
        }),
      );
    });
  }
}

/** The pixels of a segment between rounded end points (Bresenham), both ends included. */
export function segmentPixels(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  let err = dx + dy;
  const out: [number, number][] = [];
  for (;;) {
    out.push([x, y]);
    if (x === xe && y === ye) return out;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}
