import { associationCost } from './association-cost.js';
import { assignWithLimit } from './assignment.js';
import { Track, type TrackData, type TrackSnapshot } from './track.js';
import { DEFAULT_TRACKER_CONFIG, validateTrackerConfig, type TrackerConfig } from './tracker-config.js';
import { LongLostBuffer } from './tracker-long-lost.js';
import { PassInterval, type PassData } from './pass-interval.js';
import type { Detection } from './types.js';

export interface RemovedTrack {
  id: number;
  /** Whether the track had been confirmed before it ended (a tentative one never counts). */
  confirmed: boolean;
}

/** The tracker as plain data (a checkpoint's): its tracks, the long-lost ones, and its clock. */
export interface TrackerData {
  tracks: TrackData[];
  longLost: TrackData[];
  nextId: number;
  now: number | null;
  passes: PassData;
}

export interface TrackerOutput {
  /** Every live track: tentative, confirmed and lost (lost ones at their predicted box). */
  tracks: TrackSnapshot[];
  /** Tracks that ended in this call. */
  removed: RemovedTrack[];
}

/**
 * SORT/ByteTrack-style multi-object tracker. Time is given in seconds on every call, so the same settings work at any
 * frame rate and with detections on only every Nth frame (call `predict` on the frames in between).
 */
export class Tracker {
  readonly config: TrackerConfig;
  private tracks: Track[] = [];
  private nextId = 1;
  private now: number | null = null;
  private readonly passes = new PassInterval();
  private readonly longLost: LongLostBuffer;

  /**
   * `frame`, when known, lets the tracker end lost tracks whose predicted box has left the picture: a person walking
   * out must not be handed over to the next person walking in at the same place.
   */
  constructor(
    config: Partial<TrackerConfig> = {},
    private frame?: { width: number; height: number },
  ) {
    this.config = {
      ...DEFAULT_TRACKER_CONFIG,
      ...config,
      kalman: { ...DEFAULT_TRACKER_CONFIG.kalman, ...config.kalman },
      relink: { ...DEFAULT_TRACKER_CONFIG.relink, ...config.relink },
      heading: { ...DEFAULT_TRACKER_CONFIG.heading, ...config.heading },
    };
    validateTrackerConfig(this.config);
    this.longLost = new LongLostBuffer(this.config.relink);
  }

  toData(): TrackerData {
    return {
      tracks: this.tracks.map((t) => t.toData()),
      longLost: this.longLost.held.map((t) => t.toData()),
      nextId: this.nextId,
      now: this.now,
      passes: this.passes.toData(),
    };
  }

  /** Continues from `d` (what toData gave, with the same settings): the same output for the same input from here on. */
  loadData(d: TrackerData): void {
    const make = (t: TrackData) => Track.fromData(t, this.config.kalman, this.config.confirmHits);
    this.tracks = d.tracks.map(make);
    this.longLost.loadData(d.longLost.map(make));
    this.nextId = d.nextId;
    this.now = d.now;
    this.passes.loadData(d.passes);
  }

  /**
   * The picture changed size (a camera came back with other settings): every track ends, long-lost ones too, since
   * their boxes are in the old picture's pixels; ids go on. Returned as removed, so that the counter forgets them.
   */
  resize(frame: { width: number; height: number }): RemovedTrack[] {
    this.frame = frame;
    const ended = [...this.tracks, ...this.longLost.expire(Infinity, 0)];
    this.tracks = [];
    return ended.map((track) => {
      track.state = 'removed';
      return { id: track.id, confirmed: track.confirmed };
    });
  }

  /** Advance to time t (seconds) without detections: positions are predicted, identities and states kept. */
  predict(t: number): TrackerOutput {
    this.advance(t);
    for (const track of this.tracks) track.matchedNow = false;
    const removed = this.expire(t, false);
    return this.output(t, removed);
  }

  /** Advance to time t (seconds) and associate this frame's detections. */
  update(detections: readonly Detection[], t: number): TrackerOutput {
    this.advance(t);
    const c = this.config;
    for (const track of this.tracks) track.matchedNow = false;
    // Tracks unseen for longer than their lifetime (after a gap in the frames, not only missed detections) must not
    // take part: their gate has grown wide enough to catch anyone. Tentative ones too: a track seen once that missed
    // passes would otherwise take, on the pass it ends, whoever came within a walk of its one sighting, and be
    // confirmed on that person (a tentative track's lifetime is a number of passes at low detection rates).
    this.passes.note(t);
    const maxLost = this.passes.lifetime(c.maxLostSeconds, c.lifetimePasses);
    const tentativeMaxLost = this.passes.lifetime(c.tentativeMaxLostSeconds, c.tentativeLifetimePasses);
    const expired = this.remove((track) => t - track.lastMatch > (track.state === 'tentative' ? tentativeMaxLost : maxLost));
    // Empty or non-finite boxes would poison the filter (zero measurement noise, NaN state).
    const usable = detections.filter((d) => d.box.every(Number.isFinite) && d.box[2] > 0 && d.box[3] > 0);
    const high = usable.filter((d) => d.score >= c.highScore);
    const low = usable.filter((d) => d.score >= c.lowScore && d.score < c.highScore);

    // Pass 1: established tracks (confirmed and lost) against confident detections.
    const established = this.tracks.filter((tr) => tr.state !== 'tentative');
    const first = this.associate(established, high, c.gateChi2, t);
    // Pass 2 (ByteTrack): tracks still unmatched but seen recently against low-score detections, which are
    // mostly people partly hidden by someone else.
    const visible = first.tracks.filter((tr) => tr.state === 'confirmed');
    this.associate(visible, low, c.lowScoreGateChi2, t);
    // Pass 3: tentative tracks take what confident detections are left.
    const tentative = this.tracks.filter((tr) => tr.state === 'tentative');
    const third = this.associate(tentative, first.detections, c.gateChi2, t);
    const relinked = this.relink(tentative.filter((tr) => tr.state === 'confirmed'));

    for (const track of this.tracks) {
      if (track.matchedNow) continue;
      if (track.state === 'confirmed') track.state = 'lost';
    }
    for (const det of third.detections) {
      if (det.score < c.newTrackScore) continue;
      const track = new Track(this.nextId++, det.box, det.score, t, c.kalman, c.confirmHits);
      if (det.appearance) track.see(det.appearance, c.appearanceKeep);
      this.tracks.push(track);
    }
    const removed = [...expired, ...relinked, ...this.expire(t, true)];
    return this.output(t, removed);
  }

  private advance(t: number): void {
    if (!Number.isFinite(t)) throw new RangeError(`tracker time must be a finite number of seconds, got ${t}`);
    if (this.now !== null && t < this.now) {
      throw new RangeError(`tracker time went backwards: ${t} s after ${this.now} s`);
    }
    const dt = this.now === null ? 0 : t - this.now;
    this.now = t;
    if (dt > 0) for (const track of this.tracks) track.filter.predict(dt);
  }

  /**
   * Tracks confirmed just now that continue a long-lost (or lost) one take over its identity; their own ids end (and
   * are returned as removed, so that the counter forgets them).
   */
  private relink(confirmedNow: Track[]): RemovedTrack[] {
    const ended: RemovedTrack[] = [];
    for (const track of confirmedNow) {
      const lost = this.tracks.filter((tr) => tr.state === 'lost' && track.born - tr.lastMatch > this.config.relinkLostAfter);
      const old = this.longLost.claim(track, this.tracks, lost);
      if (!old) continue;
      this.tracks = this.tracks.filter((tr) => tr !== old);
      ended.push({ id: track.id, confirmed: false });
      track.inherit(old);
      old.state = 'removed';
    }
    return ended;
  }

  /** Optimal assignment inside the gates; returns the tracks and detections left over. */
  private associate(
    tracks: Track[],
    detections: Detection[],
    gateChi2: number,
    t: number,
  ): { tracks: Track[]; detections: Detection[] } {
    if (tracks.length === 0 || detections.length === 0) return { tracks, detections };
    const c = this.config;
    const cost = associationCost(tracks, detections, gateChi2, t, c);
    const result = assignWithLimit(cost, 1);
    for (const [row, col] of result.matches) {
      const det = detections[col];
      tracks[row].match(det.box, det.score, t);
      // Low-score detections are mostly people partly hidden by someone else: their colours are not theirs.
      if (det.appearance && det.score >= c.highScore) tracks[row].see(det.appearance, c.appearanceKeep);
    }
    return {
      tracks: result.unmatchedRows.map((i) => tracks[i]),
      detections: result.unmatchedCols.map((j) => detections[j]),
    };
  }

  /**
   * Remove tracks unmatched for too long. Tentative tracks are only judged on detection passes: between passes no
   * detection could have confirmed them.
   */
  private expire(t: number, detectionPass: boolean): RemovedTrack[] {
    const c = this.config;
    const maxLost = this.passes.lifetime(c.maxLostSeconds, c.lifetimePasses);
    const tentativeMaxLost = this.passes.lifetime(c.tentativeMaxLostSeconds, c.tentativeLifetimePasses);
    const removed = this.remove((track) => {
      const since = t - track.lastMatch;
      const tentativeDies = track.state === 'tentative' && detectionPass && !track.matchedNow && since > tentativeMaxLost;
      const lostDies = track.state === 'lost' && (since > maxLost || this.outside(track));
      return tentativeDies || lostDies;
    });
    for (const track of this.longLost.expire(t, Math.max(c.longLostSeconds, maxLost))) {
      removed.push({ id: track.id, confirmed: true });
      track.state = 'removed';
    }
    return removed;
  }

  /**
   * Ends the tracks for which `dies` holds. Confirmed ones that did not walk out of the picture wait in the long-lost
   * buffer instead, still known to the counter, and are only reported removed when they leave it.
   */
  private remove(dies: (track: Track) => boolean): RemovedTrack[] {
    const removed: RemovedTrack[] = [];
    this.tracks = this.tracks.filter((track) => {
      if (!dies(track)) return true;
      if (this.config.longLostSeconds > 0 && track.confirmed && !this.outside(track)) {
        this.longLost.add(track);
        return false;
      }
      removed.push({ id: track.id, confirmed: track.confirmed });
      track.state = 'removed';
      return false;
    });
    return removed;
  }

  /** True when the centre of the track's box is outside the frame. */
  private outside(track: Track): boolean {
    if (!this.frame) return false;
    const [x, y, w, h] = track.filter.box();
    const cx = x + w / 2;
    const cy = y + h / 2;
    return cx < 0 || cy < 0 || cx > this.frame.width || cy > this.frame.height;
  }

  private output(t: number, removed: RemovedTrack[]): TrackerOutput {
    return { tracks: this.tracks.map((track) => track.snapshot(t)), removed };
  }
}
