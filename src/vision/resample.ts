/**
 * Crops and resizes a part of a planar YUV 4:2:0 frame (what ffmpeg decodes to) into packed rgb24 of any size, with
 * limited-range BT.601 as ffmpeg's own rgb24 conversion assumes. Shrinking by a factor f ≥ 2 first averages k×k
 * blocks (k = ⌊f⌋), then interpolates bilinearly for the rest (a factor below 2): each source pixel is read once,
 * and a person seen at a fifth of their size is not aliased as point-sampled bilinear would alias them. Chroma is
 * resized at half the output size, as 4:2:0 carries it.
 */

export interface YuvFrame {
  width: number;
  height: number;
  /** y plane (width × height), then u and v planes (ceil(width/2) × ceil(height/2) each), as ffmpeg's yuv420p. */
  data: Uint8Array;
}

/** Source rectangle in frame pixels (fractions allowed). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function yuv420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Averages k×k blocks of the integer area [x0, x0 + w) × [y0, y0 + h) of a plane (edge blocks average fewer pixels). */
function boxShrink(plane: Uint8Array, stride: number, x0: number, y0: number, w: number, h: number, k: number, sums: Uint32Array, blockOf: Uint16Array, out: Uint8Array): { width: number; height: number } {
  const ow = Math.ceil(w / k);
  const oh = Math.ceil(h / k);
  for (let x = 0; x < w; x++) blockOf[x] = (x / k) | 0;
  for (let j = 0; j < oh; j++) {
    sums.fill(0, 0, ow);
    const rows = Math.min(k, h - j * k);
    for (let r = 0; r < rows; r++) {
      const s = (y0 + j * k + r) * stride + x0;
      for (let x = 0; x < w; x++) sums[blockOf[x]] += plane[s + x];
    }
    const full = rows * k;
    const d = j * ow;
    for (let i = 0; i < ow - 1; i++) out[d + i] = (sums[i] + (full >> 1)) / full;
    const last = rows * (w - (ow - 1) * k);
    out[d + ow - 1] = (sums[ow - 1] + (last >> 1)) / last;
  }
  return { width: ow, height: oh };
}

/** Bilinear sampling of `outW`×`outH` points: output pixel i sits at source coordinate `ox + (i + 0.5)·fx − 0.5`. */
function bilinear(plane: Uint8Array, pw: number, ph: number, ox: number, fx: number, oy: number, fy: number, outW: number, outH: number, xi: Int32Array, xw: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < outW; i++) {
    const u = Math.min(pw - 1, Math.max(0, ox + (i + 0.5) * fx - 0.5));
    const a = Math.min(pw - 2, Math.floor(u));
    xi[i] = a < 0 ? 0 : a;
    xw[i] = pw === 1 ? 0 : Math.round((u - xi[i]) * 256);
  }
  const nextCol = pw === 1 ? 0 : 1;
  for (let j = 0; j < outH; j++) {
    const v = Math.min(ph - 1, Math.max(0, oy + (j + 0.5) * fy - 0.5));
    const b = Math.max(0, Math.min(ph - 2, Math.floor(v)));
    const wy = ph === 1 ? 0 : Math.round((v - b) * 256);
    const r0 = b * pw;
    const r1 = ph === 1 ? r0 : r0 + pw;
    const d = j * outW;
    for (let i = 0; i < outW; i++) {
      const p = xi[i];
      const wx = xw[i];
      const top = plane[r0 + p] * (256 - wx) + plane[r0 + p + nextCol] * wx;
      const bottom = plane[r1 + p] * (256 - wx) + plane[r1 + p + nextCol] * wx;
      out[d + i] = (top * (256 - wy) + bottom * wy + 32768) >> 16;
    }
  }
}

/**
 * Reusable crop-and-resize into rgb24; its scratch buffers grow to the largest request and are kept, so a steady
 * plan allocates nothing per frame.
 */
export class YuvResampler {
  private sums = new Uint32Array(0);
  private blockOf = new Uint16Array(0);
  private shrunk = new Uint8Array(0);
  private y = new Uint8Array(0);
  private u = new Uint8Array(0);
  private v = new Uint8Array(0);
  private xi = new Int32Array(0);
  private xw = new Int32Array(0);

  /**
   * Writes `rect` of `frame` resized to `w`×`h` into `out`, packed rgb24 `outWidth` pixels wide, with its top-left
   * corner at (`atX`, `atY`).
   */
  resample(frame: YuvFrame, rect: Rect, out: Uint8Array, outWidth: number, at: { atX: number; atY: number; w: number; h: number }): void {
    const { width, height, data } = frame;
    if (data.length < yuv420Size(width, height)) {
      throw new RangeError(`yuv420p frame ${width}x${height} needs ${yuv420Size(width, height)} bytes, got ${data.length}`);
    }
    if (!(rect.w > 0 && rect.h > 0 && at.w > 0 && at.h > 0)) throw new RangeError('resample: empty rectangle');
    if (out.length < ((at.atY + at.h - 1) * outWidth + at.atX + at.w) * 3) throw new RangeError('resample: output too small');
    const n = at.w * at.h;
    if (this.y.length < n) {
      this.y = new Uint8Array(n);
      this.u = new Uint8Array(n);
      this.v = new Uint8Array(n);
    }
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    const ySize = width * height;
    const cSize = cw * ch;
    const cOutW = Math.ceil(at.w / 2);
    const cOutH = Math.ceil(at.h / 2);
    this.plane(data.subarray(0, ySize), width, height, rect, at.w, at.h, this.y);
    const crect = { x: rect.x / 2, y: rect.y / 2, w: rect.w / 2, h: rect.h / 2 };
    this.plane(data.subarray(ySize, ySize + cSize), cw, ch, crect, cOutW, cOutH, this.u);
    this.plane(data.subarray(ySize + cSize, ySize + 2 * cSize), cw, ch, crect, cOutW, cOutH, this.v);
    toRgb(this.y, this.u, this.v, at, cOutW, outWidth, out);
  }

  private plane(plane: Uint8Array, pw: number, ph: number, rect: Rect, outW: number, outH: number, out: Uint8Array): void {
    const f = Math.min(rect.w / outW, rect.h / outH);
    const k = f >= 2 ? Math.floor(f) : 1;
    if (this.xi.length < outW) {
      this.xi = new Int32Array(outW);
      this.xw = new Int32Array(outW);
    }
    if (k === 1) {
      bilinear(plane, pw, ph, rect.x, rect.w / outW, rect.y, rect.h / outH, outW, outH, this.xi, this.xw, out);
      return;
    }
    // The integer area holding the rectangle, block-averaged; the rectangle's origin then sits at a fraction of a block.
    const x0 = Math.max(0, Math.floor(rect.x));
    const y0 = Math.max(0, Math.floor(rect.y));
    const x1 = Math.min(pw, Math.ceil(rect.x + rect.w));
    const y1 = Math.min(ph, Math.ceil(rect.y + rect.h));
    const need = Math.ceil((x1 - x0) / k) * Math.ceil((y1 - y0) / k);
    if (this.shrunk.length < need) this.shrunk = new Uint8Array(need);
    if (this.sums.length < x1 - x0) {
      this.sums = new Uint32Array(x1 - x0);
      this.blockOf = new Uint16Array(x1 - x0);
    }
    const s = boxShrink(plane, pw, x0, y0, x1 - x0, y1 - y0, k, this.sums, this.blockOf, this.shrunk);
    // Block b covers source [x0 + b·k, x0 + (b+1)·k): its centre, b + 0.5 in block units, is source x0 + (b + 0.5)·k.
    bilinear(this.shrunk, s.width, s.height, (rect.x - x0) / k, rect.w / outW / k, (rect.y - y0) / k, rect.h / outH / k, outW, outH, this.xi, this.xw, out);
  }
}

/** Limited-range BT.601 in 16-bit fixed point; chroma sample (i/2, j/2) serves a 2×2 block of output pixels. */
function toRgb(y: Uint8Array, u: Uint8Array, v: Uint8Array, at: { atX: number; atY: number; w: number; h: number }, cw: number, outWidth: number, out: Uint8Array): void {
  for (let j = 0; j < at.h; j++) {
    let o = ((at.atY + j) * outWidth + at.atX) * 3;
    let s = j * at.w;
    const crow = (j >> 1) * cw;
    for (let i = 0; i < at.w; i++, s++, o += 3) {
      const c = (y[s] - 16) * 76309;
      const d = u[crow + (i >> 1)] - 128;
      const e = v[crow + (i >> 1)] - 128;
      const r = (c + 104597 * e + 32768) >> 16;
      const g = (c - 25675 * d - 53279 * e + 32768) >> 16;
      const b = (c + 132201 * d + 32768) >> 16;
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
}
