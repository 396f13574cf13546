/**
 * node dist/bench/crossing-detections.js — what the detector saw of each ground-truth crossing person around the
 * crossing, with the worker's own crop plan as it adapts: per detection frame, the person's box and visibility, their
 * own raw tile box (any score down to --floor, before the merge) and their own box among those the tracker got (the
 * worker's threshold, after the cross-tile merge and the size filter), so that a miss can be put down to the score,
 * the merge, a tile border or the plan. "Own": the frame's people and boxes paired one to one, largest IoU first.
 *
 *   node dist/bench/crossing-detections.js --clip mot17-09 --skip 1 [--ids 12,34] [--window 1] [--floor 0.1] [--frames]
 *                                          [--fresh]
 *
 * The tile boxes of a run are recorded once (PCOUNT_BENCH_CLIPS or the temp folder) by clip, skip and floor; --fresh
 * records them again (after a change to the detector or the planner).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iou } from '../src/vision/geometry.js';
import type { Tile } from '../src/vision/crop-plan.js';
import { mergeTiles, type MergedDetection, type TileResult } from '../src/vision/tile-merge.js';
import type { Box, Detection } from '../src/vision/types.js';
import { newCrops } from '../src/worker/crops.js';
import { createDetector } from '../src/worker/detector.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openSource } from '../src/worker/source.js';
import { MAX_FRAME_SIDE } from '../src/sources/frame-side.js';
import { WORKER_SESSION_OVERRIDES } from '../src/worker/setup.js';
import { probeSource } from '../src/worker/ffmpeg-probe.js';
import { TileRunner } from '../src/worker/tile-runner.js';
import { DEFAULT_MAX_TILE, planCost } from '../src/vision/crop-plan.js';
import { centernet } from '../src/vision/formats/centernet.js';
import { rowsByFrame } from '../src/metrics/gt.js';
import { loadClip, type Clip } from './count-clips.js';
import { benchCacheDir } from './clips.js';
import { args, argOf } from './bench-args.js';

interface RawDetection extends Detection {
  tile: number;
}
interface FrameRecord {
  frame: number;
  tiles: Tile[];
  raw: RawDetection[];
  /** What the worker hands the tracker. */
  merged: MergedDetection[];
}

const WORKER_CONFIDENCE = centernet.defaultConfidence;

async function record(clip: Clip, skip: number, floor: number): Promise<FrameRecord[]> {
  const ffmpegBin = await resolveFfmpeg();
  const ffmpeg = { ...ffmpegBin };
  const probed = await probeSource({ ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: clip.video, openTimeoutMs: 15_000 });
  const detector = await createDetector({ defaultInputSize: DEFAULT_MAX_TILE, confidence: floor, sessionOverrides: WORKER_SESSION_OVERRIDES });
  let perTile: Detection[][] = [];
  const runner = new TileRunner({
    padValue: detector.padValue,
    infer: (rgb, w, h) => detector.infer(rgb, w, h),
    decode: (outputs, g) => {
      const found = centernet.decode(outputs, g, floor);
      perTile.push(found);
      return found;
    },
  });
  const source = await openSource({
    source: clip.video,
    live: false,
    ffmpeg: ffmpegBin,
    probed,
    skipFrames: skip,
    maxSide: MAX_FRAME_SIDE,
    stallTimeoutMs: 15_000,
    onReconnect: () => undefined,
    onLog: () => undefined,
  });
  const crops = newCrops(
    {
      lines: clip.lines,
      detectRegion: { kind: 'auto' },
      anchor: 'bottom',
      skipFrames: skip,
      fps: probed.fps,
      detector: { inputWidth: detector.inputWidth, inputHeight: detector.inputHeight, fixedInput: detector.fixedInput },
    },
    source.frameSize,
  );
  const out: FrameRecord[] = [];
  for (let f = await source.next(); f; f = await source.next()) {
    if (!f.detect) continue;
    const tiles = crops.plan.tiles;
    perTile = [];
    await runner.detect({ width: f.width, height: f.height, data: f.data }, tiles);
    const results: TileResult[] = tiles.map((tile, i) => ({
      tile,
      detections: perTile[i].map((d) => ({ ...d, box: [d.box[0] + tile.x, d.box[1] + tile.y, d.box[2], d.box[3]] as Box })),
    }));
    const raw = results.flatMap((r, i) => r.detections.map((d) => ({ ...d, tile: i })));
    const workerResults = results.map((r) => ({ ...r, detections: r.detections.filter((d) => d.score >= WORKER_CONFIDENCE) }));
    const merged = crops.plausible(mergeTiles({ width: f.width, height: f.height }, workerResults));
    crops.update(merged);
    out.push({ frame: f.number, tiles: [...tiles], raw, merged });
  }
  source.close();
  await detector.release();
  return out;
}

async function recorded(clip: Clip, skip: number, floor: number): Promise<FrameRecord[]> {
  const dir = benchCacheDir();
  const file = path.join(dir, `${clip.name}.s${skip}.f${floor}.tiles.json`);
  if (existsSync(file) && !args.includes('--fresh')) return JSON.parse(readFileSync(file, 'utf8')) as FrameRecord[];
  process.stderr.write(`crossing-detections: recording ${clip.name} at skip ${skip} into ${file}\n`);
  const r = await record(clip, skip, floor);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(r));
  return r;
}

const f2 = (v: number) => v.toFixed(2);
/**
 * The detection that is this person's when every annotated person of the frame takes the detections in order of IoU
 * (one each): a box between two overlapping people goes to the one it fits better, not to both.
 */
function own<T extends Detection>(ds: readonly T[], people: readonly { id: number; box: Box }[], id: number): { d: T | null; iou: number } {
  const pairs: { p: number; d: number; v: number }[] = [];
  people.forEach((p, i) => ds.forEach((d, j) => {
    const v = iou(d.box, p.box);
    if (v > 0.1) pairs.push({ p: i, d: j, v });
  }));
  pairs.sort((a, b) => b.v - a.v);
  const takenP = new Set<number>();
  const takenD = new Set<number>();
  for (const x of pairs) {
    if (takenP.has(x.p) || takenD.has(x.d)) continue;
    takenP.add(x.p);
    takenD.add(x.d);
    if (people[x.p].id === id) return { d: ds[x.d], iou: x.v };
  }
  return { d: null, iou: 0 };
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const clip = loadClip(argOf('--clip') ?? 'mot17-09', ffmpeg.path);
  const skip = Number(argOf('--skip') ?? 1);
  const floor = Number(argOf('--floor') ?? 0.1);
  const windowS = Number(argOf('--window') ?? 1);
  const ids = argOf('--ids')?.split(',').map(Number);
  const frames = await recorded(clip, skip, floor);
  const byFrame = new Map(frames.map((r) => [r.frame, r]));
  const gtByFrame = rowsByFrame(clip.gt);
  const tiles0 = frames[frames.length - 1].tiles;
  console.log(`${clip.name} skip ${skip}: ${frames.length} detection frames; last plan ${tiles0.map((t) => `[${t.x},${t.y} ${t.w}x${t.h} -> ${t.scaledWidth}x${t.scaledHeight}]`).join(' ')}`);
  // The plan's cost (model-input pixels a pass), which sets how many cameras a core runs.
  const costs = frames.map((r) => planCost({ regions: [], tiles: r.tiles }));
  console.log(`input pixels a pass: mean ${Math.round(costs.reduce((a, b) => a + b, 0) / costs.length)}, last ${costs[costs.length - 1]}, most ${Math.max(...costs)}`);
  console.log('crossing              id  frames  gt  raw>=.3  raw>=.1  merged>=.3  merged>=.4   vis  height');
  const total = { gt: 0, m3: 0, m4: 0 };
  for (const c of clip.truth) {
    if (ids && !ids.includes(c.id!)) continue;
    const centre = Math.round(c.t * clip.fps) + 1;
    const span = Math.round(windowS * clip.fps);
    const n = { gt: 0, raw3: 0, raw1: 0, m3: 0, m4: 0, vis: 0, h: 0, frames: 0 };
    const rows: string[] = [];
    for (let f = centre - span; f <= centre + span; f++) {
      const rec = byFrame.get(f);
      if (!rec) continue;
      n.frames += 1;
      const g = gtByFrame.get(f)?.find((r) => r.id === c.id && r.conf !== 0);
      if (!g) continue;
      n.gt += 1;
      const people = (gtByFrame.get(f) ?? []).filter((o) => o.conf !== 0);
      // Raw boxes of all tiles: one person may be in several tiles, so each tile is matched on its own.
      const r = rec.tiles
        .map((_, t) => own(rec.raw.filter((d) => d.tile === t), people, c.id!))
        .reduce((a, b) => (b.iou > a.iou ? b : a), { d: null as RawDetection | null, iou: 0 });
      const m = own(rec.merged, people, c.id!);
      if (r.iou >= 0.5 && r.d!.score >= 0.3) n.raw3 += 1;
      if (r.iou >= 0.5) n.raw1 += 1;
      if (m.iou >= 0.5) n.m3 += 1;
      if (m.iou >= 0.5 && m.d!.score >= 0.4) n.m4 += 1;
      n.vis += g.visibility ?? 1;
      n.h += g.box[3];
      if (args.includes('--frames')) {
        const others = (gtByFrame.get(f) ?? []).filter((o) => o.id !== c.id && o.conf !== 0 && iou(o.box, g.box) > 0.1);
        rows.push(
          `    f${f} gt [${g.box.map(Math.round).join(',')}] vis ${f2(g.visibility ?? 1)} | raw ${r.d ? `${f2(r.d.score)} iou ${f2(r.iou)} t${r.d.tile} [${r.d.box.map(Math.round).join(',')}]` : '-'}` +
            ` | merged ${m.d ? `${f2(m.d.score)} iou ${f2(m.iou)}` : '-'}` +
            (others.length ? ` | overlaps ${others.map((o) => `#${o.id} iou ${f2(iou(o.box, g.box))} vis ${f2(o.visibility ?? 1)}`).join(', ')}` : ''),
        );
      }
    }
    console.log(
      `${`${c.line}:${c.direction}@${c.t.toFixed(1)}s`.padEnd(20)} ${String(c.id).padStart(4)} ${String(n.frames).padStart(6)} ${String(n.gt).padStart(4)} ` +
        `${String(n.raw3).padStart(8)} ${String(n.raw1).padStart(8)} ${String(n.m3).padStart(11)} ${String(n.m4).padStart(11)} ` +
        `${f2(n.vis / Math.max(1, n.gt)).padStart(6)} ${(n.h / Math.max(1, n.gt)).toFixed(0).padStart(6)}`,
    );
    for (const r of rows) console.log(r);
    total.gt += n.gt;
    total.m3 += n.m3;
    total.m4 += n.m4;
  }
  console.log(`crossing people's frames with a box of their own after the merge: ${f2(total.m3 / Math.max(1, total.gt))} at >= 0.3, ${f2(total.m4 / Math.max(1, total.gt))} at >= 0.4 (${total.gt} frames)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`crossing-detections: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
