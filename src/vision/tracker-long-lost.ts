import type { Sighting, Track } from './track.js';
import type { Box } from './types.js';

/** How far a long-lost person may have gone, all in body heights and seconds (see tracker-config.ts). */
export interface RelinkGate {
  /** Fastest plausible walk while hidden, body heights per second. */
  speed: number;
  /** Largest drift from the straight-on path per second of the gap, body heights per second. */
  drift: number;
  /** Allowance for box jitter at either end, body heights. */
  slack: number;
  /** Largest |ln(new height / old height)|. */
  maxLogHeightRatio: number;
  /**
   * Of two links that both fit, the one missing by at most this share of the other's miss is taken; otherwise
   * neither (0: any second fit means no link).
   */
  dominance: number;
}

const center = (b: Box): [number, number] => [b[0] + b[2] / 2, b[1] + b[3] / 2];

/**
 * Whether the person last seen at `before` can be at `box` at time `t`: no further than a brisk walk (`speed` body
 * heights per second, plus `slack` for box jitter) from where they were seen, and of about the same height. Bounds
 * the tracker's matches where the Kalman gate says little (tracker.ts).
 */
export function withinReach(
  before: Sighting,
  box: Box,
  t: number,
  gate: Pick<RelinkGate, 'speed' | 'slack'>,
  maxLogHeightRatio: number,
): boolean {
  const hOld = before.box[3];
  const hNew = box[3];
  if (Math.abs(Math.log(hNew / hOld)) > maxLogHeightRatio) return false;
  const [x0, y0] = center(before.box);
  const [x1, y1] = center(box);
  return Math.hypot(x1 - x0, y1 - y0) <= (gate.slack + gate.speed * (t - before.t)) * ((hOld + hNew) / 2);
}

/**
 * Whether a person last seen at `before` could be the one first seen at `after`. Unlike the Kalman gate, which keeps
 * widening while a track goes unseen, this one is bounded by walking: the distance covered is at most `speed` body
 * heights per second of the gap, and the arrival lies near where the person was heading (a drift of `drift` body
 * heights per second), so someone who turned back or stood aside does not qualify. Returns how far off that heading
 * they were seen, as a share of the allowance (0: right where the walk leads, 1: at the gate's edge), or null when the
 * link is not plausible.
 */
export function relinkMiss(before: Sighting, after: Sighting, gate: RelinkGate): number | null {
  const gap = after.t - before.t;
  if (!(gap > 0)) return null;
  if (!withinReach(before, after.box, after.t, gate, gate.maxLogHeightRatio)) return null;
  const hOld = before.box[3];
  const h = (hOld + after.box[3]) / 2;
  const [x0, y0] = center(before.box);
  const [x1, y1] = center(after.box);
  const dx = x1 - x0;
  const dy = y1 - y0;
  // The velocity is capped at walking speed: a track that was jumping between people reports nonsense.
  let [vx, vy] = before.velocity;
  const v = Math.hypot(vx, vy);
  if (v > gate.speed * hOld) [vx, vy] = [(vx * gate.speed * hOld) / v, (vy * gate.speed * hOld) / v];
  const miss = Math.hypot(dx - vx * gap, dy - vy * gap) / ((gate.slack + gate.drift * gap) * h);
  return miss <= 1 ? miss : null;
}

/**
 * Confirmed tracks unseen for longer than the tracker keeps them. They take no part in association (their gate would
 * catch anyone and their predicted box drifts into other people), but a new track confirmed where one of them could
 * plausibly have walked to, clearly more plausibly than any other (`dominance`), takes over its identity, so the
 * counter sees one path with a gap in it.
 */
export class LongLostBuffer {
  private tracks: Track[] = [];

  constructor(private readonly gate: RelinkGate) {}

  add(track: Track): void {
    this.tracks.push(track);
  }

  get held(): readonly Track[] {
    return this.tracks;
  }

  /** Holds exactly `tracks` (a restored checkpoint's). */
  loadData(tracks: Track[]): void {
    this.tracks = tracks;
  }

  /** Removes and returns the tracks last seen longer than `keep` seconds before `t`. */
  expire(t: number, keep: number): Track[] {
    const gone = this.tracks.filter((tr) => t - tr.lastMatch > keep);
    if (gone.length > 0) this.tracks = this.tracks.filter((tr) => t - tr.lastMatch <= keep);
    return gone;
  }

  /**
   * The track that `fresh` (just confirmed, never linked) continues: one of the buffer, taken out of it, or one of
   * `lost` (tracks still kept but unseen for a while, whose Kalman gate the new detection fell outside). Null when
   * none fits, or when it is ambiguous: two candidates fit about as well, or another track started since (one of
   * `others`) could as well be the same person. Guessing would hand one person's count to someone else.
   */
  claim(fresh: Track, others: readonly Track[], lost: readonly Track[]): Track | null {
    const first = fresh.firstSighting;
    const fits = [...this.tracks, ...lost]
      .map((track) => ({ track, miss: relinkMiss(track.lastSighting, first, this.gate) }))
      .filter((f): f is { track: Track; miss: number } => f.miss !== null)
      .sort((a, b) => a.miss - b.miss);
    if (fits.length === 0 || !this.clear(fits[0].miss, fits[1]?.miss)) return null;
    const { track, miss } = fits[0];
    const old = track.lastSighting;
    for (const o of others) {
      if (o === fresh || !(o.born > old.t)) continue;
      if (!this.clear(miss, relinkMiss(old, o.firstSighting, this.gate) ?? undefined)) return null;
    }
    this.tracks = this.tracks.filter((tr) => tr !== track);
    return track;
  }

  /** Whether a link missing by `best` is clearly better than the next one (missing by `next`, when there is one). */
  private clear(best: number, next: number | undefined): boolean {
    return next === undefined || best <= this.gate.dominance * next;
  }
}
