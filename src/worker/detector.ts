import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createSession } from '../models/telemetry.js';
import { resolveBuiltinModel } from '../models/registry.js';
import { centernet } from '../vision/formats/centernet.js';
import { isModelFormat, MODEL_FORMATS, type FormatSpec, type ModelFormatName, type TensorView } from '../vision/formats/format.js';
import { yolov8 } from '../vision/formats/yolov8.js';
import { yolox } from '../vision/formats/yolox.js';
import { letterbox, type Letterbox } from '../vision/letterbox.js';
import type { Detection } from '../vision/types.js';
import type { Tile } from '../vision/crop-plan.js';
import type { YuvFrame } from '../vision/resample.js';
import type { MergedDetection } from '../vision/tile-merge.js';
import { DetectorError } from './detector-error.js';
import { DEFAULT_THREADS, MAX_THREADS } from './detector-lanes.js';
import { chooseInputSize, parseInputSize, type InputSize } from './input-size.js';
import { TileRunner } from './tile-runner.js';


/**
 * The person detector: one onnxruntime CPU session, one reused input buffer.
 * Session options as measured with `node dist/bench/detect.js --session-options` (centernet 384x288, 2 threads,
 * median of 30 interleaved runs, quiet 2-core machine): graph optimisation 'all' 15.2 ms vs 34.4 ms for 'extended'
 * and 36.0 ms for 'basic' (the NCHWc layout rewrite is the big win); parallel execution with 2 inter-op threads
 * 31.7 ms (the graph is one chain, the extra threads only compete); memory arena off 20.4 ms, memory pattern off
 * 17.1 ms.
 */

export interface DetectorOptions {
  /** An ONNX file; default: the built-in centernet. */
  modelPath?: string;
  /** Required with a custom model unless it can be told from the model's outputs. */
  format?: string;
  /** "WxH" or a size; default: the model's fixed size, else chosen from the source aspect (centernet). */
  inputSize?: string | InputSize;
  /** Input size when none is asked for and the model has none of its own (the worker's largest tile). */
  defaultInputSize?: InputSize;
  /** Source frame size, used to pick an input size with the same aspect when none is given. */
  sourceWidth?: number;
  sourceHeight?: number;
  /** Minimum score; default: the format's. */
  confidence?: number;
  /** onnxruntime intra-op threads (default 2). */
  threads?: number;
  /** Replaces individual session options (bench:detect compares them). */
  sessionOverrides?: Partial<ort.InferenceSession.SessionOptions>;
}

export interface Detector {
  format: ModelFormatName;
  modelPath: string;
  inputWidth: number;
  inputHeight: number;
  /** The model only takes inputWidth × inputHeight (every tile is that size). */
  fixedInput: boolean;
  confidence: number;
  /** Grey level ffmpeg should pad with, and where the picture goes, for a source of this size. */
  padValue: number;
  geometryFor(srcWidth: number, srcHeight: number): Letterbox;
  /** `rgb` = packed rgb24 of exactly inputWidth × inputHeight, laid out as `geometry` says. */
  detect(rgb: Uint8Array, geometry: Letterbox): Promise<Detection[]>;
  /** Raw model outputs for one frame (rgb24, by default of the input size), without decoding (benchmarks time this). */
  infer(rgb: Uint8Array, width?: number, height?: number): Promise<TensorView[]>;
  /** Detections of the tiles of one frame, merged (tile-merge.ts), in frame pixels. */
  detectTiles(frame: YuvFrame, tiles: readonly Tile[]): Promise<MergedDetection[]>;
  release(): Promise<void>;
}

const SPECS: Record<ModelFormatName, FormatSpec> = { centernet, yolox, yolov8 };

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    // Shape-merge and similar warnings would land on the command's stderr; errors still throw.
    logSeverityLevel: 3,
  };
}

export async function createDetector(opts: DetectorOptions = {}): Promise<Detector> {
  if (opts.format !== undefined && !isModelFormat(opts.format)) {
    throw new DetectorError('BAD_MODEL_FORMAT', `unknown model format "${opts.format}" (expected one of: ${MODEL_FORMATS.join(', ')})`);
  }
  const threads = opts.threads ?? DEFAULT_THREADS;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new DetectorError('BAD_ARGUMENT', `--threads must be an integer from 1 to ${MAX_THREADS}, got ${opts.threads}`);
  }
  if (opts.confidence !== undefined && !(opts.confidence > 0 && opts.confidence <= 1)) {
    throw new DetectorError('BAD_ARGUMENT', `--confidence must be in (0, 1], got ${opts.confidence}`);
  }
  const requested = typeof opts.inputSize === 'string' ? parseInputSize(opts.inputSize) : opts.inputSize;

  let modelPath: string;
  let formatName = opts.format as ModelFormatName | undefined;
  if (opts.modelPath) {
    modelPath = opts.modelPath;
    if (!existsSync(modelPath)) throw new DetectorError('MODEL_MISSING', `model file not found: ${modelPath}`);
  } else {
    if (formatName && formatName !== 'centernet') {
      throw new DetectorError('BAD_MODEL_FORMAT', `--model-format ${formatName} needs --model PATH (the built-in model is centernet)`);
    }
    modelPath = (await resolveBuiltinModel('centernet')).path;
    formatName = 'centernet';
  }

  let session: ort.InferenceSession;
  try {
    session = await createSession(modelPath, { ...sessionOptions(threads), ...opts.sessionOverrides });
  } catch (err) {
    throw new DetectorError('MODEL_CORRUPT', `cannot load model ${modelPath}: ${firstLine(err)}`);
  }
  try {
    const spec = SPECS[formatName ?? guessFormat(session, modelPath)];
    checkLayout(session, spec, modelPath);
    const shape = inputShape(session, spec);
    const size = chooseInputSize(spec, shape, requested, opts.sourceWidth, opts.sourceHeight, opts.defaultInputSize);
    const outputNames = pickOutputs(session, spec, modelPath);
    const fixed = shape.width !== null && shape.height !== null;
    return buildDetector(session, spec, modelPath, size, fixed, outputNames, opts.confidence ?? spec.defaultConfidence);
  } catch (err) {
    await session.release();
    throw err;
  }
}

function buildDetector(
  session: ort.InferenceSession,
  spec: FormatSpec,
  modelPath: string,
  size: InputSize,
  fixedInput: boolean,
  outputNames: string[],
  confidence: number,
): Detector {
  const { width, height } = size;
  // One tensor per input shape over one buffer: each frame is written into the same memory, nothing is allocated
  // per frame. The default shape serves `infer`/`detect`; tiles of a crop plan bring their own shapes.
  const shapes = new Map<string, { buffer: Float32Array; feeds: Record<string, ort.Tensor>; dims: number[] }>();
  const shapeOf = (w: number, h: number) => {
    const key = `${w}x${h}`;
    let shape = shapes.get(key);
    if (!shape) {
      const dims = spec.layout === 'nhwc' ? [1, h, w, 3] : [1, 3, h, w];
      const buffer = new Float32Array(w * h * 3);
      shape = { buffer, feeds: { [session.inputNames[0]]: new ort.Tensor('float32', buffer, dims) }, dims };
      shapes.set(key, shape);
    }
    return shape;
  };

  const inferShape = async (rgb: Uint8Array, w: number, h: number): Promise<TensorView[]> => {
    if (rgb.length !== w * h * 3) {
      throw new DetectorError('BAD_INPUT_SIZE', `frame has ${rgb.length} bytes, the model input ${w}x${h} needs ${w * h * 3}`);
    }
    const { buffer, feeds, dims } = shapeOf(w, h);
    spec.preprocess(rgb, w, h, buffer);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run(feeds, outputNames);
    } catch (err) {
      throw new DetectorError(
        'BAD_MODEL_FORMAT',
        `${modelPath} (${spec.name}) failed on a ${dims.join('x')} input: ${firstLine(err)}; check --model-format and --input-size`,
      );
    }
    return outputNames.map((n) => ({ data: out[n].data as Float32Array, dims: out[n].dims }));
  };
  const infer = (rgb: Uint8Array, w = width, h = height) => inferShape(rgb, w, h);
  const tiles = new TileRunner({ padValue: spec.padValue, infer: inferShape, decode: (outputs, g) => spec.decode(outputs, g, confidence) });

  return {
    format: spec.name,
    modelPath,
    inputWidth: width,
    inputHeight: height,
    fixedInput,
    confidence,
    padValue: spec.padValue,
    geometryFor: (srcWidth, srcHeight) => letterbox(srcWidth, srcHeight, width, height, spec.padAlign),
    infer,
    detect: async (rgb, geometry) => spec.decode(await infer(rgb), geometry, confidence),
    detectTiles: (frame, list) => tiles.detect(frame, list),
    release: () => session.release(),
  };
}

function inputShape(session: ort.InferenceSession, spec: FormatSpec): { width: number | null; height: number | null } {
  const meta = session.inputMetadata[0];
  const shape = meta?.isTensor ? meta.shape : [];
  const [h, w] = spec.layout === 'nhwc' ? [shape[1], shape[2]] : [shape[2], shape[3]];
  return { width: typeof w === 'number' && w > 0 ? w : null, height: typeof h === 'number' && h > 0 ? h : null };
}

/** With `--model` but no `--model-format`: two outputs are centernet; one [1,N,5+C] is yolox, one [1,4+C,N] yolov8. */
function guessFormat(session: ort.InferenceSession, modelPath: string): ModelFormatName {
  const metas = session.outputMetadata.filter((m) => m.isTensor) as ort.InferenceSession.TensorValueMetadata[];
  if (metas.length === 2) return 'centernet';
  const shape = metas.length === 1 ? metas[0].shape : [];
  if (shape.length === 3 && typeof shape[2] === 'number' && shape[2] <= 1000 && shape[2] >= 6) return 'yolox';
  if (shape.length === 3 && typeof shape[1] === 'number' && shape[1] <= 1000 && shape[1] >= 5) return 'yolov8';
  throw new DetectorError('BAD_MODEL_FORMAT', `cannot tell the format of ${modelPath}; pass --model-format ${MODEL_FORMATS.join('|')}`);
}

/** A model whose tensor ranks or channel axis contradict the format gets a clear error before the first frame. */
function checkLayout(session: ort.InferenceSession, spec: FormatSpec, modelPath: string): void {
  const shapeOf = (m: ort.InferenceSession.ValueMetadata | undefined) => (m?.isTensor ? m.shape : []);
  const show = (shape: readonly (number | string)[]) => `[${shape.join(',')}]`;
  const input = shapeOf(session.inputMetadata[0]);
  const channels = spec.layout === 'nhwc' ? input[3] : input[1];
  const problems: string[] = [];
  if (input.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
    problems.push(`input ${show(input)} is not ${spec.layout === 'nhwc' ? '[1,H,W,3]' : '[1,3,H,W]'}`);
  }
  const wantRank = spec.name === 'centernet' ? 4 : 3;
  for (const m of session.outputMetadata.slice(0, spec.outputRoles.length)) {
    const shape = shapeOf(m);
    if (shape.length !== wantRank) problems.push(`output ${m.name} ${show(shape)} is not rank ${wantRank}`);
  }
  if (problems.length) {
    throw new DetectorError('BAD_MODEL_FORMAT', `${modelPath} does not look like a ${spec.name} model (${problems.join('; ')}); check --model-format`);
  }
}

function pickOutputs(session: ort.InferenceSession, spec: FormatSpec, modelPath: string): string[] {
  const names = session.outputNames;
  if (names.length < spec.outputRoles.length) {
    throw new DetectorError(
      'BAD_MODEL_FORMAT',
      `${modelPath} has ${names.length} output(s) but format ${spec.name} needs ${spec.outputRoles.length} (${spec.outputRoles.join(', ')})`,
    );
  }
  // Outputs named after their role win; otherwise the model's own order is taken.
  if (spec.outputRoles.every((r) => names.includes(r))) return [...spec.outputRoles];
  return names.slice(0, spec.outputRoles.length);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
