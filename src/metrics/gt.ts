import { readFileSync } from 'node:fs';
import type { Box } from '../vision/types.js';

/** One row of a MOTChallenge gt.txt / results file: `frame,id,x,y,w,h,conf,...`. */
export interface MotRow {
  frame: number;
  id: number;
  box: Box;
  /** gt.txt: 1 = person to evaluate, 0 = ignore region. Result files: the tracker's score. */
  conf: number;
  /** MOT17 only: the visible fraction of the person (0..1). */
  visibility?: number;
}

/** Parse MOTChallenge text. `source` names the input in error messages. Blank lines are skipped. */
export function parseMot(text: string, source: string): MotRow[] {
  const rows: MotRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split(',').map((f) => f.trim());
    const where = `${source} line ${i + 1}`;
    if (fields.length < 6) throw new Error(`${where}: expected at least 6 comma-separated fields, got ${fields.length}`);
    const nums = fields.slice(0, 7).map((f, k) => {
      const n = Number(f);
      if (f === '' || !Number.isFinite(n)) throw new Error(`${where}: field ${k + 1} is not a number: "${f}"`);
      return n;
    });
    const [frame, id, x, y, w, h] = nums;
    if (!Number.isInteger(frame) || frame < 1) throw new Error(`${where}: frame must be an integer ≥ 1, got ${frame}`);
    if (!Number.isInteger(id)) throw new Error(`${where}: id must be an integer, got ${id}`);
    if (!(w > 0 && h > 0)) throw new Error(`${where}: box width and height must be > 0, got ${w}x${h}`);
    rows.push({ frame, id, box: [x, y, w, h], conf: nums.length > 6 ? nums[6] : 1 });
  });
  return rows;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

export function readMotFile(path: string): MotRow[] {
  return parseMot(readText(path, 'MOT file'), path);
}

/** Rows grouped by frame, in their order within each frame. */
export function rowsByFrame<T extends { frame: number }>(rows: readonly T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const r of rows) {
    const list = map.get(r.frame);
    if (list) list.push(r);
    else map.set(r.frame, [r]);
  }
  return map;
}

/** Rows grouped by id, each group sorted by frame. */
export function groupById(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const byId = new Map<number, MotRow[]>();
  for (const row of rows) {
    const list = byId.get(row.id);
    if (list) list.push(row);
    else byId.set(row.id, [row]);
  }
  for (const list of byId.values()) list.sort((a, b) => a.frame - b.frame);
  return byId;
}

/**
 * MOT17 classes whose boxes are regions to ignore, as the MOTChallenge evaluation (TrackEval) has it: person on
 * vehicle, static person, distractor, reflection. A hypothesis on one is neither a hit nor a false positive.
 */
const MOT17_DISTRACTOR_CLASSES: ReadonlySet<number> = new Set([2, 7, 8, 12]);

/**
 * MOT17 gt.txt (`frame,id,x,y,w,h,flag,class,visibility`) as rows to evaluate: pedestrians (flag 1, class 1) with
 * conf 1, distractor classes as ignore rows (conf 0); vehicles, occluders and other flag-0 rows are left out (a
 * hypothesis on an occluder is a false positive, not an ignored box).
 */
export function parseMot17(text: string, source: string): MotRow[] {
  const rows = parseMot(text, source);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const out: MotRow[] = [];
  rows.forEach((row, i) => {
    const fields = lines[i].split(',');
    const cls = Number(fields[7]);
    if (fields.length < 8 || !Number.isInteger(cls)) {
      throw new Error(`${source}: row ${i + 1} has no MOT17 class (8th field), got "${fields[7] ?? ''}"`);
    }
    const visibility = Number(fields[8]);
    if (row.conf === 1 && cls === 1) out.push(Number.isFinite(visibility) ? { ...row, visibility } : row);
    else if (MOT17_DISTRACTOR_CLASSES.has(cls)) out.push({ ...row, conf: 0 });
  });
  return out;
}

export function readMot17File(path: string): MotRow[] {
  return parseMot17(readText(path, 'MOT17 file'), path);
}
