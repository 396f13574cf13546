/**
 * The footage bench:count judges on: the two annotated clips of ../shared/data and variants made from them (fewer
 * frames per second, other resolutions), each with its ground truth carried over.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutToPicture, truthCrossings, type TimedCrossing } from '../src/metrics/crossings.js';
import { readMot17File, readMotFile, type MotRow } from '../src/metrics/gt.js';
import type { LineSpec } from '../src/vision/types.js';
import { shakeCrop, transformLines, transformRows, zoomCrop, type PictureTransform } from './clip-geometry.js';
import { benchCacheDir } from './clips.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const dataDir = path.resolve(root, '../shared/data');

export interface Clip {
  name: string;
  video: string;
  width: number;
  height: number;
  /** Real frames per second of the footage; vtest.avi's container says 10 but it was filmed at 7. */
  fps: number;
  lines: LineSpec[];
  /** Rows for MOTA/IDF1 in this clip's frame numbers and pixels (conf 0 = region to ignore). */
  gt: MotRow[];
  /** Ground-truth crossings in seconds, from the full-rate annotations of the base clip. */
  truth: TimedCrossing[];
}

interface BaseClip {
  video: string;
  width: number;
  height: number;
  fps: number;
  /** Frames in the video (the annotation numbers them from 1): where a reversed clip's frame numbers start. */
  frames: number;
  lines: LineSpec[];
  /** More lines for analysis (`--lines dense`): more crossings, so that one crossing weighs less in the F1. */
  moreLines: LineSpec[];
  readGt(): MotRow[];
}

const line = (name: string, points: LineSpec['points']): LineSpec => ({ name, points });

const BASES: Record<string, BaseClip> = {
  vtest: {
    video: path.join(dataDir, 'vtest.avi'),
    width: 768,
    height: 576,
    fps: 7,
    frames: 795,
    // The public line, a horizontal and a diagonal one across the whole picture, an off-centre vertical one, and a
    // short segment (ends inside the picture: people passing beside it must not count).
    lines: [
      line('main', [0.5, 0, 0.5, 1]),
      line('horizontal', [0, 0.5, 1, 0.5]),
      line('diagonal', [0, 0, 1, 1]),
      line('right', [0.75, 0, 0.75, 1]),
      line('segment', [0.3, 0.6, 0.8, 0.4]),
    ],
    moreLines: [
      ...[0.15, 0.35, 0.65, 0.85].map((x) => line(`x${Math.round(x * 100)}`, [x, 0, x, 1])),
      line('y30', [0, 0.3, 1, 0.3]),
      line('y70', [0, 0.7, 1, 0.7]),
      line('antidiagonal', [0, 1, 1, 0]),
    ],
    readGt: () => readMotFile(path.join(dataDir, 'PETS09-S2L1', 'gt.txt')),
  },
  'mot17-09': {
    video: path.join(dataDir, 'MOT17-09', 'MOT17-09.mp4'),
    width: 1920,
    height: 1080,
    fps: 30,
    frames: 525,
    lines: [line('x30', [0.3, 0, 0.3, 1]), line('x50', [0.5, 0, 0.5, 1]), line('x70', [0.7, 0, 0.7, 1])],
    moreLines: [
      ...[0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85].map((x) => line(`x${Math.round(x * 100)}`, [x, 0, x, 1])),
      line('y65', [0, 0.65, 1, 0.65]),
      line('y75', [0, 0.75, 1, 0.75]),
      line('rising', [0.1, 1, 0.6, 0.3]),
      line('falling', [0.4, 0.3, 0.9, 1]),
    ],
    readGt: () => readMot17File(path.join(dataDir, 'MOT17-09', 'gt.txt')),
  },
};

/**
 * A clip made from a base one: every `every`-th frame, scaled by `scale`; the picture played backwards, mirrored or
 * zoomed in as PictureTransform says (lines and boxes with it); `crf` re-encodes it as coarsely as much CCTV is stored (the default 16 keeps the base's quality); `look` is how
 * another camera would see the scene (LOOKS); `frame` places the picture in the middle of a larger frame, grey around
 * it, as a wide-area camera sees the same people smaller in its frame (lines and boxes placed with it, so they cover
 * the same ground).
 */
interface Variant extends PictureTransform {
  base: keyof typeof BASES;
  every: number;
  scale: number;
  crf?: number;
  look?: keyof typeof LOOKS;
  frame?: { width: number; height: number };
}

/** ffmpeg filters for conditions real CCTV has and the two clips lack. */
const LOOKS = {
  // A night camera on infrared: no colour, so the model sees R = G = B.
  gray: 'format=gray,format=yuv420p',
  // A dim scene with the camera's gain up: luma Y averages ~33 (vtest.avi 120, MOT17-09 ~110), at 0.4 of
  // the contrast, with temporal noise (grain changing every frame, in colour too) of luma SD ~11 of 255 added after,
  // as a sensor adds it to the dim picture.
  dark: 'eq=contrast=0.4:brightness=-0.25:gamma=0.7,noise=alls=20:allf=t',
} as const;

const VARIANTS: Record<string, Variant> = {
  vtest: { base: 'vtest', every: 1, scale: 1 },
  'vtest-2.3fps': { base: 'vtest', every: 3, scale: 1 },
  'vtest-1536': { base: 'vtest', every: 1, scale: 2 },
  'mot17-09': { base: 'mot17-09', every: 1, scale: 1 },
  'mot17-09-7.5fps': { base: 'mot17-09', every: 4, scale: 1 },
  'mot17-09-2.5fps': { base: 'mot17-09', every: 12, scale: 1 },
  'mot17-09-640': { base: 'mot17-09', every: 1, scale: 1 / 3 },
  // Probes: how much of the figures above is chance (mirrored), and how they hold on coarsely stored footage.
  'vtest-mirror': { base: 'vtest', every: 1, scale: 1, mirror: true },
  'mot17-09-mirror': { base: 'mot17-09', every: 1, scale: 1, mirror: true },
  'vtest-crf32': { base: 'vtest', every: 1, scale: 1, crf: 32 },
  'mot17-09-crf32': { base: 'mot17-09', every: 1, scale: 1, crf: 32 },
  // Probes of what CCTV has and the clips lack: infrared at night, a dim scene, small people (in a 4 MP camera's
  // wide frame at vtest.avi's pixel size, or 30–60 px tall in a quarter of vtest.avi's pixels).
  'vtest-gray': { base: 'vtest', every: 1, scale: 1, look: 'gray' },
  'mot17-09-gray': { base: 'mot17-09', every: 1, scale: 1, look: 'gray' },
  'vtest-dark': { base: 'vtest', every: 1, scale: 1, look: 'dark' },
  'mot17-09-dark': { base: 'mot17-09', every: 1, scale: 1, look: 'dark' },
  'vtest-pad1080': { base: 'vtest', every: 1, scale: 1, frame: { width: 1920, height: 1080 } },
  'vtest-384': { base: 'vtest', every: 1, scale: 0.5 },
  // Probes of footage the clips are not: played backwards (every crossing in the other direction, so a direction bias
  // of the tracker or counter shows as the reversed clip counting worse than the clip), and the centre half zoomed to
  // the full size (people twice as large, as a camera closer to the street sees them; vtest.avi's `right` line falls
  // on the crop's edge and is dropped, `segment` is cut at it).
  'vtest-reverse': { base: 'vtest', every: 1, scale: 1, reverse: true },
  'mot17-09-reverse': { base: 'mot17-09', every: 1, scale: 1, reverse: true },
  'vtest-zoom': { base: 'vtest', every: 1, scale: 1, zoom: 2 },
  'mot17-09-zoom': { base: 'mot17-09', every: 1, scale: 1, zoom: 2 },
  // A camera on a pole in the wind: the picture sways and trembles by up to 1 % of its height (6 px on vtest.avi,
  // 11 px on MOT17-09), so a standing person's feet move against the lines, and a walker's steps with the camera's.
  'vtest-shake': { base: 'vtest', every: 1, scale: 1, shake: 0.01 },
  'mot17-09-shake': { base: 'mot17-09', every: 1, scale: 1, shake: 0.01 },
};

export const CLIP_NAMES = Object.keys(VARIANTS);
/** A found crossing pairs with a truth crossing of the same line and direction at most this far apart (s). */
export const TOLERANCE_SECONDS = 1.5;
/** What issue 7 asks bench:count to report by default. */
export const DEFAULT_CLIPS = ['vtest', 'mot17-09'];

/** Where a variant's picture lies in its frame, in pixels (H.264 wants even sizes). */
interface Placement {
  width: number;
  height: number;
  /** The picture: the base scaled, at x, y. */
  picture: { x: number; y: number; width: number; height: number };
}

function placement(v: Variant, base: BaseClip): Placement {
  const even = (x: number) => Math.round(x / 2) * 2;
  const w = even(base.width * v.scale);
  const h = even(base.height * v.scale);
  const width = v.frame?.width ?? w;
  const height = v.frame?.height ?? h;
  return { width, height, picture: { x: even((width - w) / 2), y: even((height - h) / 2), width: w, height: h } };
}

/** Encodes a variant once into a cache folder (frames picked and scaled by ffmpeg, H.264 at high quality). */
function materialise(name: string, v: Variant, base: BaseClip, at: Placement, ffmpeg: string): string {
  if (v.every === 1 && v.scale === 1 && !v.reverse && !v.shake && !v.mirror && !v.zoom && v.crf === undefined && !v.look && !v.frame) return base.video;
  const dir = benchCacheDir();
  const file = path.join(dir, `${name}.mp4`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const fps = base.fps / v.every;
  const p = at.picture;
  const partial = `${file}.${process.pid}.partial.mp4`;
  const crop = v.zoom === undefined ? null : zoomCrop(base, v.zoom);
  const filter = [
    // Reversed first, so that the frames picked and their numbers are those of the clip played backwards.
    ...(v.reverse ? ['reverse'] : []),
    // Before the frames are picked: the shake is a function of the frame number of the clip at its full rate.
    ...(v.shake ? [shakeCrop(base, base.fps, v.shake)] : []),
    `select='not(mod(n\\,${v.every}))',setpts=N/(${fps}*TB)`,
    ...(crop ? [`crop=${crop.width}:${crop.height}:${crop.x}:${crop.y}`] : []),
    `scale=${p.width}:${p.height}:flags=${v.scale < 1 ? 'area' : 'bicubic'}`,
    ...(v.mirror ? ['hflip'] : []),
    ...(v.frame ? [`pad=${at.width}:${at.height}:${p.x}:${p.y}:color=0x808080`] : []),
    ...(v.look ? [LOOKS[v.look]] : []),
  ].join(',');
  process.stderr.write(`bench:count: making ${file}\n`);
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', base.video, '-vf', filter, '-r', String(fps), '-c:v', 'libx264', '-preset', 'veryfast',
    '-crf', String(v.crf ?? 16), '-pix_fmt', 'yuv420p', '-an', partial]);
  renameSync(partial, file);
  return file;
}

/**
 * Which annotated boxes the crossing truth uses: `documented` the boxes as annotated (the rule of
 * ../shared/data/README.md, whose counts the targets refer to), `visible` the boxes cut to the picture. They
 * differ for people whose feet are below the frame: the annotation extends their box beyond the picture, where a line
 * that ends at the frame edge is not, while a camera (and the detector) sees them cross it.
 */
export type TruthRule = 'documented' | 'visible';

/** Loads a clip by name, making its video first if it is a variant not made yet. */
export function loadClip(name: string, ffmpeg: string, rule: TruthRule = 'documented', dense = false): Clip {
  const v = VARIANTS[name];
  if (!v) throw new Error(`unknown clip "${name}"; known: ${CLIP_NAMES.join(', ')}`);
  const base = BASES[v.base];
  const at = placement(v, base);
  const baseLines = dense ? [...base.lines, ...base.moreLines] : base.lines;
  // The truth is the base's annotation moved with the picture (backwards, mirrored, zoomed: clip-geometry.ts), the
  // counting rule applied to it at the base's size and full frame rate; a shaking camera's view at rest, as its moves
  // take no one across a line on the ground (someone standing on MOT17-09's x70 would cross it six times).
  const lines = transformLines(baseLines, base, v);
  const annotation = base.readGt();
  const rows = transformRows(annotation, base, v);
  const people = (v.shake === undefined ? rows : transformRows(annotation, base, v, false)).filter((r) => r.conf !== 0);
  const truth = truthCrossings(
    rule === 'visible'
      ? people.map((r) => ({ ...r, box: cutToPicture(r.box, base) })).filter((r) => r.box[2] > 0 && r.box[3] > 0)
      : people,
    lines,
    base,
    base.fps,
  );
  const p = at.picture;
  const gt = rows
    .filter((r) => (r.frame - 1) % v.every === 0)
    .map((r) => {
      const [x, y, w, h] = r.box.map((c) => c * v.scale);
      return { ...r, frame: (r.frame - 1) / v.every + 1, box: [x + p.x, y + p.y, w, h] as MotRow['box'] };
    });
  return {
    name,
    video: materialise(name, v, base, at, ffmpeg),
    width: at.width,
    height: at.height,
    fps: base.fps / v.every,
    lines: lines.map((l) => placeLine(l, at)),
    gt,
    truth,
  };
}

/** A line given in fractions of the picture, in fractions of the frame the picture lies in. */
function placeLine(l: LineSpec, at: Placement): LineSpec {
  const p = at.picture;
  // Kept as given where the picture fills the frame: the same numbers keep the cached recordings of the other clips.
  if (p.width === at.width && p.height === at.height) return l;
  const [x1, y1, x2, y2] = l.points;
  const fx = (x: number) => (p.x + x * p.width) / at.width;
  const fy = (y: number) => (p.y + y * p.height) / at.height;
  return { ...l, points: [fx(x1), fy(y1), fx(x2), fy(y2)] };
}
