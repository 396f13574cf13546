import { assignWithLimit, maxMatchingMinCost } from '../vision/assignment.js';
import { iou } from '../vision/geometry.js';
import type { Box } from '../vision/types.js';
import { rowsByFrame, type MotRow } from './gt.js';

export interface MotMetrics {
  /** CLEAR-MOT accuracy: 1 − (FN + FP + IDSW) / GT. */
  mota: number;
  /** Mean IoU of matched pairs. */
  motp: number;
  /** Identity F1: 2·IDTP / (GT + hypotheses). */
  idf1: number;
  idp: number;
  idr: number;
  /** Ground-truth boxes to find (ignore rows excluded). */
  gt: number;
  /** Hypothesis boxes evaluated (those on ignore regions excluded). */
  hyp: number;
  tp: number;
  fn: number;
  fp: number;
  idsw: number;
  idtp: number;
  /** Hypothesis boxes dropped because they cover an ignore region (conf 0 ground truth). */
  ignored: number;
}

interface Obj {
  id: number;
  box: Box;
}

/** Cheapest largest set of pairs with IoU ≥ threshold; cost 1 − IoU. */
function matchByIou(a: readonly Obj[], b: readonly Obj[], threshold: number): [number, number][] {
  if (a.length === 0 || b.length === 0) return [];
  const cost = a.map((x) =>
    b.map((y) => {
      const v = iou(x.box, y.box);
      return v >= threshold ? 1 - v : Infinity;
    }),
  );
  return maxMatchingMinCost(cost).matches;
}

/**
 * As the MOTChallenge devkit does: match each frame's hypotheses to all ground truth, ignore rows included; a
 * hypothesis matched to an ignore row is neither a true nor a false positive and is dropped, as are the ignore rows.
 */
function dropIgnored(
  gt: Map<number, MotRow[]>,
  hyp: Map<number, MotRow[]>,
  threshold: number,
): { gt: Map<number, Obj[]>; hyp: Map<number, Obj[]>; ignored: number } {
  const cleanGt = new Map<number, Obj[]>();
  const cleanHyp = new Map<number, Obj[]>();
  let ignored = 0;
  for (const frame of new Set([...gt.keys(), ...hyp.keys()])) {
    const g = gt.get(frame) ?? [];
    const h = hyp.get(frame) ?? [];
    const dropped = new Set<number>();
    if (g.some((r) => r.conf === 0)) {
      for (const [gi, hi] of matchByIou(g, h, threshold)) if (g[gi].conf === 0) dropped.add(hi);
    }
    ignored += dropped.size;
    cleanGt.set(frame, g.filter((r) => r.conf !== 0));
    cleanHyp.set(frame, h.filter((_, i) => !dropped.has(i)));
  }
  return { gt: cleanGt, hyp: cleanHyp, ignored };
}

/** CLEAR-MOT (MOTA, MOTP) and identity (IDF1) metrics of hypothesis tracks against MOTChallenge ground truth. */
export function evaluateMot(gtRows: readonly MotRow[], hypRows: readonly MotRow[], iouThreshold = 0.5): MotMetrics {
  const { gt, hyp, ignored } = dropIgnored(rowsByFrame(gtRows), rowsByFrame(hypRows), iouThreshold);
  const frames = [...new Set([...gt.keys(), ...hyp.keys()])].sort((a, b) => a - b);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let idsw = 0;
  let iouSum = 0;
  let gtTotal = 0;
  let hypTotal = 0;
  // Ground-truth id → hypothesis id it was last matched to (kept while the person is unmatched, to see switches).
  const lastMatch = new Map<number, number>();
  // (gt id, hyp id) → frames in which they overlap enough: the IDTP such a pairing would earn.
  const overlapFrames = new Map<number, Map<number, number>>();
  const gtCount = new Map<number, number>();
  const hypCount = new Map<number, number>();

  for (const frame of frames) {
    const g = gt.get(frame) ?? [];
    const h = hyp.get(frame) ?? [];
    gtTotal += g.length;
    hypTotal += h.length;
    for (const o of g) gtCount.set(o.id, (gtCount.get(o.id) ?? 0) + 1);
    for (const o of h) hypCount.set(o.id, (hypCount.get(o.id) ?? 0) + 1);

    for (const go of g) {
      for (const ho of h) {
        if (iou(go.box, ho.box) < iouThreshold) continue;
        const row = overlapFrames.get(go.id) ?? new Map<number, number>();
        row.set(ho.id, (row.get(ho.id) ?? 0) + 1);
        overlapFrames.set(go.id, row);
      }
    }

    // CLEAR-MOT: a correspondence from earlier frames is kept while its IoU still passes.
    const gUsed = new Set<number>();
    const hUsed = new Set<number>();
    const pairs: [number, number][] = [];
    g.forEach((go, gi) => {
      const prev = lastMatch.get(go.id);
      if (prev === undefined) return;
      const hi = h.findIndex((ho, k) => ho.id === prev && !hUsed.has(k));
      if (hi >= 0 && iou(go.box, h[hi].box) >= iouThreshold) {
        pairs.push([gi, hi]);
        gUsed.add(gi);
        hUsed.add(hi);
      }
    });
    const gRest = g.map((_, i) => i).filter((i) => !gUsed.has(i));
    const hRest = h.map((_, i) => i).filter((i) => !hUsed.has(i));
    const fresh = matchByIou(
      gRest.map((i) => g[i]),
      hRest.map((i) => h[i]),
      iouThreshold,
    );
    for (const [a, b] of fresh) {
      const gi = gRest[a];
      const hi = hRest[b];
      const prev = lastMatch.get(g[gi].id);
      if (prev !== undefined && prev !== h[hi].id) idsw += 1;
      pairs.push([gi, hi]);
    }
    for (const [gi, hi] of pairs) {
      lastMatch.set(g[gi].id, h[hi].id);
      iouSum += iou(g[gi].box, h[hi].box);
    }
    tp += pairs.length;
    fn += g.length - pairs.length;
    fp += h.length - pairs.length;
  }
  const idtp = identityTruePositives(overlapFrames, [...gtCount.keys()], [...hypCount.keys()]);
  return {
    mota: gtTotal > 0 ? 1 - (fn + fp + idsw) / gtTotal : NaN,
    motp: tp > 0 ? iouSum / tp : NaN,
    idf1: gtTotal + hypTotal > 0 ? (2 * idtp) / (gtTotal + hypTotal) : NaN,
    idp: hypTotal > 0 ? idtp / hypTotal : NaN,
    idr: gtTotal > 0 ? idtp / gtTotal : NaN,
    gt: gtTotal,
    hyp: hypTotal,
    tp,
    fn,
    fp,
    idsw,
    idtp,
    ignored,
  };
}

/**
 * IDTP of the best one-to-one pairing of ground-truth ids with hypothesis ids. Minimising IDFN + IDFP (Ristani et
 * al. 2016) is the same as maximising the summed IDTP, since IDFN = GT − IDTP and IDFP = hypotheses − IDTP.
 */
function identityTruePositives(
  overlapFrames: Map<number, Map<number, number>>,
  gtIds: number[],
  hypIds: number[],
): number {
  if (gtIds.length === 0 || hypIds.length === 0) return 0;
  const cost = gtIds.map((g) =>
    hypIds.map((h) => {
      const shared = overlapFrames.get(g)?.get(h) ?? 0;
      return shared > 0 ? -shared : Infinity;
    }),
  );
  const { matches } = assignWithLimit(cost, 0);
  return matches.reduce((sum, [gi, hi]) => sum - cost[gi][hi], 0);
}
