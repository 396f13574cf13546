/** Packed rgb24 pixels: `width * height * 3` bytes, row by row. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A region of an image in pixels, `[x, y, w, h]`; it may reach past the edges (see `fill`). */
export type Region = [number, number, number, number];

/**
 * Bilinear crop-and-resize of `region` into `out` at `offset` as NHWC float RGB, `scale * value + shift` (one shift,
 * or one per channel). Sample positions are pixel centres (like tf.image.resizeBilinear with half-pixel centres), so a
 * region equal to the image at the same size copies it. `flip` mirrors the result left to right. Samples outside
 * the image repeat its edge, or are `fill` (a grey level 0..255) when given.
 */
export function cropResize(
  img: RgbImage,
  region: Region,
  size: number,
  out: Float32Array,
  offset = 0,
  opts: { flip?: boolean; scale?: number; shift?: number | readonly [number, number, number]; fill?: number } = {},
): void {
  const { flip = false, scale = 1, fill } = opts;
  const shift = typeof opts.shift === 'object' ? opts.shift : [opts.shift ?? 0, opts.shift ?? 0, opts.shift ?? 0];
  const [rx, ry, rw, rh] = region;
  if (!(rw > 0 && rh > 0)) throw new RangeError(`cropResize: empty region ${region.join(',')}`);
  if (out.length < offset + size * size * 3) throw new RangeError('cropResize: output too small');
  const { width, height, data } = img;
  const sx = rw / size;
  const sy = rh / size;
  // Per output column: the two source pixels, the weight between them, and whether the sample is inside the image.
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  const fx = new Float32Array(size);
  const xIn = new Uint8Array(size);
  const inside = (v: number, n: number): boolean => fill === undefined || (v >= -0.5 && v <= n - 0.5);
  for (let i = 0; i < size; i++) {
    const raw = rx + (i + 0.5) * sx - 0.5;
    xIn[i] = inside(raw, width) ? 1 : 0;
    const x = Math.min(width - 1, Math.max(0, raw));
    const x0 = Math.floor(x);
    left[i] = x0 * 3;
    right[i] = Math.min(width - 1, x0 + 1) * 3;
    fx[i] = x - x0;
  }
  const [s0, s1, s2] = shift;
  const outside = shift.map((v) => (fill ?? 0) * scale + v);
  // Output pixel i of a row goes to `first + i * step` floats into the row (mirrored: from the row's end).
  const first = flip ? (size - 1) * 3 : 0;
  const step = flip ? -3 : 3;
  for (let j = 0; j < size; j++) {
    const rawY = ry + (j + 0.5) * sy - 0.5;
    const yIn = inside(rawY, height);
    const y = Math.min(height - 1, Math.max(0, rawY));
    const y0 = Math.floor(y);
    const row0 = y0 * width * 3;
    const row1 = Math.min(height - 1, y0 + 1) * width * 3;
    const fy = y - y0;
    let o = offset + j * size * 3 + first;
    for (let i = 0; i < size; i++, o += step) {
      if (!yIn || !xIn[i]) {
        out[o] = outside[0];
        out[o + 1] = outside[1];
        out[o + 2] = outside[2];
        continue;
      }
      const a0 = row0 + left[i];
      const b0 = row0 + right[i];
      const a1 = row1 + left[i];
      const b1 = row1 + right[i];
      const wx = fx[i];
      let top = data[a0] + (data[b0] - data[a0]) * wx;
      let bottom = data[a1] + (data[b1] - data[a1]) * wx;
      out[o] = (top + (bottom - top) * fy) * scale + s0;
      top = data[a0 + 1] + (data[b0 + 1] - data[a0 + 1]) * wx;
      bottom = data[a1 + 1] + (data[b1 + 1] - data[a1 + 1]) * wx;
      out[o + 1] = (top + (bottom - top) * fy) * scale + s1;
      top = data[a0 + 2] + (data[b0 + 2] - data[a0 + 2]) * wx;
      bottom = data[a1 + 2] + (data[b1 + 2] - data[a1 + 2]) * wx;
      out[o + 2] = (top + (bottom - top) * fy) * scale + s2;
    }
  }
}

/**
 * Writes the `size`×`size` NHWC image at `from` into `out` at `to`, mirrored left to right: what `cropResize` with
 * `flip` gives for the same region, without sampling again.
 */
export function mirrorImage(src: Float32Array, from: number, out: Float32Array, to: number, size: number): void {
  const row = size * 3;
  for (let j = 0; j < size; j++) {
    const a = from + j * row;
    const b = to + j * row + row - 3;
    for (let i = 0; i < row; i += 3) {
      out[b - i] = src[a + i];
      out[b - i + 1] = src[a + i + 1];
      out[b - i + 2] = src[a + i + 2];
    }
  }
}
