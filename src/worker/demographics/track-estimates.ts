import { estimateFace, type FaceView } from '../../faces/estimate.js';
import type { ViewResult } from '../../faces/view-analysis.js';
import type { DemographicFields } from '../../protocol/events.js';

type NoEstimateReason = NonNullable<DemographicFields['reason']>;

/** A crossing whose estimate was still pending when it was written. */
export interface CrossingRef {
  seq: number;
  line: string;
  track: number;
  frame: number;
}

interface TrackState {
  views: FaceView[];
  facePx: number;
  smallPx: number;
  inFlight: number;
  analysed: number;
  waiting: CrossingRef[];
}

const none = (reason: NoEstimateReason, facePx: number | null = null): DemographicFields => ({
  gender: null,
  gender_score: null,
  age: null,
  age_band: null,
  face_px: facePx,
  reason,
});

/**
 * Per track: views on their way to the analyser, the face views that came back, and the crossings waiting for them.
 * Only numbers are kept here (FaceRes outputs), never pixels.
 */
export class TrackEstimates {
  private readonly tracks = new Map<number, TrackState>();

  private state(track: number): TrackState {
    let s = this.tracks.get(track);
    if (!s) {
      s = { views: [], facePx: 0, smallPx: 0, inFlight: 0, analysed: 0, waiting: [] };
      this.tracks.set(track, s);
    }
    return s;
  }

  /** A view of the track went into the queue. */
  offered(track: number): void {
    this.state(track).inFlight += 1;
  }

  /** The fields for a crossing of this track now; a pending crossing is remembered and resolved later. */
  atCrossing(ref: CrossingRef, tooSmallOnly: boolean): DemographicFields {
    const s = this.state(ref.track);
    const now = this.current(s, tooSmallOnly);
    if (now.reason === 'pending') s.waiting.push(ref);
    return now;
  }

  /** A view came back (or was lost: `null`). Returns the crossings this settles, with their final fields. */
  settled(track: number, result: ViewResult | null): { ref: CrossingRef; fields: DemographicFields }[] {
    const s = this.state(track);
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (result) s.analysed += 1;
    if (result?.kind === 'face') {
      s.views.push(result.view);
      s.facePx = Math.max(s.facePx, result.facePx);
    } else if (result?.kind === 'too_small') {
      s.smallPx = Math.max(s.smallPx, result.facePx);
    }
    if (s.inFlight > 0 || s.waiting.length === 0) return [];
    const fields = this.current(s, false);
    const out = s.waiting.map((ref) => ({ ref, fields }));
    s.waiting = [];
    return out;
  }

  /** Crossings still waiting (at stop, after the last batch: they are settled as they stand). */
  flushWaiting(): { ref: CrossingRef; fields: DemographicFields }[] {
    const out: { ref: CrossingRef; fields: DemographicFields }[] = [];
    for (const s of this.tracks.values()) {
      s.inFlight = 0;
      const fields = this.current(s, false);
      for (const ref of s.waiting) out.push({ ref, fields });
      s.waiting = [];
    }
    return out.sort((a, b) => a.ref.seq - b.ref.seq);
  }

  /** Drops tracks that are gone and have nothing pending. */
  forget(alive: ReadonlySet<number>): void {
    for (const [id, s] of this.tracks) if (!alive.has(id) && s.inFlight === 0 && s.waiting.length === 0) this.tracks.delete(id);
  }

  private current(s: TrackState, tooSmallOnly: boolean): DemographicFields {
    if (s.views.length > 0) {
      const e = estimateFace(s.views);
      return { gender: e.gender, gender_score: e.gender_score, age: e.age, age_band: e.age_band, face_px: s.facePx };
    }
    if (s.inFlight > 0) return none('pending');
    if (s.smallPx > 0 || tooSmallOnly) return none('too_small', s.smallPx || null);
    return none('no_face');
  }
}
