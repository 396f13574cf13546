import * as ort from 'onnxruntime-node';
import { BLAZEFACE_ONNX, FACERES_ONNX } from '../models/faces.js';
import { resolveBuiltinModel } from '../models/registry.js';
import { createSession } from '../models/telemetry.js';
import { sessionOptions } from '../worker/detector.js';
import { decodeBlazeface, DEFAULT_DECODE, type DecodeOptions, type FaceBox } from './blazeface.js';
import { cropResize, mirrorImage, type Region, type RgbImage } from './crop.js';
import { ALIGNED_CROP, FACE_CROP, type FaceView } from './estimate.js';

/**
 * The two face models in onnxruntime, batched: BlazeFace finds faces in whole images (or in regions of them),
 * FaceRes reads gender and age from a crop around each face, given once as it is and once mirrored (the average of
 * the two is steadier than either). Nothing here keeps a pixel after a call returns.
 */
export interface FaceAnalyserOptions {
  /** onnxruntime intra-op threads per session (default 1: the analysis runs beside the counting). */
  threads?: number;
  sessionOverrides?: Partial<ort.InferenceSession.SessionOptions>;
  decode?: DecodeOptions;
  /** Also run FaceRes on the mirrored crop (default true). */
  flip?: boolean;
  /** FaceRes runs on crops this many times the default crop (default [1]); their outputs are averaged. */
  zooms?: readonly number[];
}

/** Where to look for faces: an image, and optionally a region of it (default: all of it). */
export interface DetectRequest {
  image: RgbImage;
  region?: Region;
}

/** A face to read: an image and the face's box in it (as BlazeFace gives it), or the whole image when aligned. */
export interface DescribeRequest {
  image: RgbImage;
  /** A BlazeFace box: the crop around it is FACE_CROP times its size. Absent: the image is an aligned chip. */
  box?: [number, number, number, number];
}

/**
 * Images per `session.run`. On this 2-core CPU, one thread, FaceRes costs the same per image whatever the run size
 * (`node dist/bench/faceres-ops.js`, least CPU per image, load 9: 7.4 ms alone, 7.1-7.4 by 2, 8 and 16): its 1×1 convs
 * (84 % of it) already run at this core's arithmetic peak (170-200 GFLOP/s, more than one large MatMul reaches), so a
 * batch has no weight reads to share, and its 3×3 depthwise convs get dearer as a bigger run's activations leave the
 * cache. A batch from the queue saves thread hand-offs and per-run work, not arithmetic; runs of 2 are the cheapest.
 * BlazeFace likewise (CPU per image, load ~12): 9.6 ms alone, 8.8 by 4, 10.4 by 8, 25.1 by 16.
 */
const FACERES_RUN = 2;
const BLAZEFACE_RUN = 4;

/** Runs `session` on `images` (NHWC float, `plane` floats each) `chunk` at a time; outputs concatenated per name. */
async function runChunked(session: ort.InferenceSession, input: string, images: Float32Array, count: number, size: number, chunk: number): Promise<Record<string, Float32Array>> {
  const plane = size * size * 3;
  const parts: Record<string, Float32Array[]> = {};
  for (let i = 0; i < count; i += chunk) {
    const n = Math.min(chunk, count - i);
    const out = await session.run({ [input]: new ort.Tensor('float32', images.subarray(i * plane, (i + n) * plane), [n, size, size, 3]) });
    for (const [name, t] of Object.entries(out)) (parts[name] ??= []).push(t.data as Float32Array);
  }
  const joined: Record<string, Float32Array> = {};
  for (const [name, list] of Object.entries(parts)) {
    joined[name] = new Float32Array(list.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const p of list) {
      joined[name].set(p, at);
      at += p.length;
    }
  }
  return joined;
}

export class FaceAnalyser {
  private constructor(
    private readonly blazeface: ort.InferenceSession,
    private readonly faceres: ort.InferenceSession,
    private readonly o: FaceAnalyserOptions,
  ) {}

  /** Loads (building them first if needed) the built-in models; throws ModelError when they cannot be had. */
  static async open(o: FaceAnalyserOptions = {}): Promise<FaceAnalyser> {
    const threads = o.threads ?? 1;
    const options = { ...sessionOptions(threads), ...o.sessionOverrides };
    const [bf, fr] = await Promise.all([resolveBuiltinModel('blazeface'), resolveBuiltinModel('faceres')]);
    const blazeface = await createSession(bf.path, options);
    const faceres = await createSession(fr.path, options);
    return new FaceAnalyser(blazeface, faceres, o);
  }

  /** Faces in each request, in image pixels, best first. */
  async detect(requests: DetectRequest[]): Promise<FaceBox[][]> {
    if (requests.length === 0) return [];
    const size = BLAZEFACE_ONNX.size;
    const plane = size * size * 3;
    const input = new Float32Array(requests.length * plane);
    const mappings = requests.map((r, k) => {
      const [x, y, w, h] = r.region ?? [0, 0, r.image.width, r.image.height];
      // A square around the region, centred, so that faces keep their shape; the outside is black.
      const side = Math.max(w, h);
      const x0 = x + (w - side) / 2;
      const y0 = y + (h - side) / 2;
      cropResize(r.image, [x0, y0, side, side], size, input, k * plane, { scale: 1 / 127.5, shift: -1, fill: 0 });
      return { x0, y0, scale: side / size };
    });
    const out = await runChunked(this.blazeface, BLAZEFACE_ONNX.input, input, requests.length, size, BLAZEFACE_RUN);
    const grids = BLAZEFACE_ONNX.grids;
    return mappings.map((mapping, k) => {
      const scores = grids.map((g) => {
        const t = out[g.scores];
        const n = t.length / requests.length;
        return t.subarray(k * n, (k + 1) * n);
      });
      const boxes = grids.map((g) => {
        const t = out[g.boxes];
        const n = t.length / requests.length;
        return t.subarray(k * n, (k + 1) * n);
      });
      return decodeBlazeface({ scores, boxes }, mapping, this.o.decode ?? DEFAULT_DECODE);
    });
  }

  /** FaceRes outputs for each face (over both orientations and every zoom). */
  async describe(requests: DescribeRequest[]): Promise<FaceView[]> {
    if (requests.length === 0) return [];
    const orientations = (this.o.flip ?? true) ? 2 : 1;
    const zooms = this.o.zooms ?? [1];
    const copies = orientations * zooms.length;
    const size = FACERES_ONNX.size;
    const plane = size * size * 3;
    const n = requests.length * copies;
    const input = new Float32Array(n * plane);
    requests.forEach((r, k) => {
      let c = 0;
      for (const zoom of zooms) {
        const at = (k * copies + c) * plane;
        cropResize(r.image, faceRegion(r, zoom), size, input, at, { shift: FACERES_ONNX.shift });
        // The mirrored crop is the same samples in the other order: copied, not resampled (0.1 ms, not 0.8).
        if (orientations === 2) mirrorImage(input, at, input, at + plane, size);
        c += orientations;
      }
    });
    const out = await runChunked(this.faceres, FACERES_ONNX.input, input, n, size, FACERES_RUN);
    const gender = out[FACERES_ONNX.gender];
    const age = out[FACERES_ONNX.age];
    const bins = FACERES_ONNX.ageBins;
    return requests.map((_, k) => {
      const male = new Float32Array(copies);
      const ages = new Float32Array(bins);
      for (let c = 0; c < copies; c++) {
        const i = k * copies + c;
        male[c] = gender[i];
        for (let b = 0; b < bins; b++) ages[b] += age[i * bins + b] / copies;
      }
      return { male: Array.from(male), age: ages };
    });
  }

  async release(): Promise<void> {
    await Promise.all([this.blazeface.release(), this.faceres.release()]);
  }
}

/** The square FaceRes sees: ALIGNED_CROP × an aligned chip, else FACE_CROP × the BlazeFace box, centred on it. */
export function faceRegion(r: DescribeRequest, zoom = 1): Region {
  if (!r.box) {
    const { width: w, height: h } = r.image;
    const f = ALIGNED_CROP * zoom;
    return [w / 2 - (f * w) / 2, h / 2 - (f * h) / 2, f * w, f * h];
  }
  const [x, y, w, h] = r.box;
  const side = Math.max(w, h) * FACE_CROP.scale * zoom;
  const cx = x + w / 2;
  const cy = y + h / 2 + FACE_CROP.shiftY * h;
  return [cx - side / 2, cy - side / 2, side, side];
}
