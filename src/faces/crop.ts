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
  const xs = new Int32Array(size * 2);
  const fx = new Float32Array(size);
  const inside = (v: number, n: number): boolean => fill === undefined || (v >= -0.5 && v <= n - 0.5);
  const xIn = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const raw = rx + (i + 0.5) * sx - 0.5;
    xIn[i] = inside(raw, width) ? 1 : 0;
    const x = Math.min(width - 1, Math.max(0, raw));
    const x0 = Math.floor(x);
    xs[2 * i] = x0 * 3;
    xs[2 * i + 1] = Math.min(width - 1, x0 + 1) * 3;
    fx[i] = x - x0;
  }
  const outside = shift.map((v) => (fill ?? 0) * scale + v);
  for (let j = 0; j < size; j++) {
    const rawY = ry + (j + 0.5) * sy - 0.5;
    const yIn = inside(rawY, height);
    const y = Math.min(height - 1, Math.max(0, rawY));
    const y0 = Math.floor(y);
    const row0 = y0 * width * 3;
    const row1 = Math.min(height - 1, y0 + 1) * width * 3;
    const fy = y - y0;
    for (let i = 0; i < size; i++) {
      const a = xs[2 * i];
      const b = xs[2 * i + 1];
      const wx = fx[i];
      const o = offset + (j * size + (flip ? size - 1 - i : i)) * 3;
      if (!yIn || !xIn[i]) {
        out[o] = outside[0];
        out[o + 1] = outside[1];
        out[o + 2] = outside[2];
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const top = data[row0 + a + c] + (data[row0 + b + c] - data[row0 + a + c]) * wx;
        const bottom = data[row1 + a + c] + (data[row1 + b + c] - data[row1 + a + c]) * wx;
        out[o + c] = (top + (bottom - top) * fy) * scale + shift[c];
      }
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

/** Copies a region of an image into a new, smaller image (integer pixels, clipped to the image). */
export function cutRegion(img: RgbImage, region: Region): RgbImage {
  const x0 = Math.max(0, Math.floor(region[0]));
  const y0 = Math.max(0, Math.floor(region[1]));
  const x1 = Math.min(img.width, Math.ceil(region[0] + region[2]));
  const y1 = Math.min(img.height, Math.ceil(region[1] + region[3]));
  const width = Math.max(0, x1 - x0);
  const height = Math.max(0, y1 - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * img.width + x0) * 3;
    data.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}
