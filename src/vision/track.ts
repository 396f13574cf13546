import { blendAppearance } from './appearance.js';
import { BoxKalman, type KalmanData, type KalmanNoise } from './kalman.js';
import { ObservedPath, type Observation } from './track-heading.js';
import type { Box } from './types.js';

/** tentative → confirmed ⇄ lost → removed; a tentative track that misses is removed directly. */
export type TrackState = 'tentative' | 'confirmed' | 'lost' | 'removed';

/** What the tracker reports about a live track. */
export interface TrackSnapshot {
  id: number;
  /** Filtered (or, between detections, predicted) box in source pixels. */
  box: Box;
  /** Centre velocity in pixels per second. */
  velocity: [vx: number, vy: number];
  /** Seconds since the track started. */
  age: number;
  /** Detections matched to the track so far. */
  hits: number;
  state: Exclude<TrackState, 'removed'>;
  /** True once the track has been confirmed, also while it is lost. */
  confirmed: boolean;
  /** True when a detection was matched to the track in this very call. */
  matched: boolean;
  /** Seconds since the last matched detection. */
  sinceMatch: number;
  /** Score of the last matched detection. */
  score: number;
}

/** Where and how a track was seen: a detection had just corrected it. */
export interface Sighting {
  box: Box;
  /** Centre velocity in pixels per second. */
  velocity: [number, number];
  t: number;
}

/** A live track as plain data (a checkpoint's): everything that decides what it does next. */
export interface TrackData {
  id: number;
  state: Exclude<TrackState, 'removed'>;
  hits: number;
  born: number;
  lastMatch: number;
  matchedNow: boolean;
  score: number;
  appearance: number[] | null;
  firstSighting: Sighting;
  lastSighting: Sighting;
  path: Observation[];
  filter: KalmanData;
}

const copySighting = (s: Sighting): Sighting => ({ box: [...s.box], velocity: [...s.velocity], t: s.t });

export class Track {
  readonly filter: BoxKalman;
  state: TrackState = 'tentative';
  hits = 1;
  lastMatch: number;
  matchedNow = true;
  score: number;
  /** Average appearance of the person (observed near the lines only), null until seen there. */
  appearance: Float32Array | null = null;
  /** The detection that started the track, and the filtered state at the last match. */
  firstSighting: Sighting;
  lastSighting: Sighting;
  /** The detections matched, for the direction they lead in. */
  readonly path = new ObservedPath();

  constructor(
    /** Changes once at most: when the track turns out to continue a long-lost one (inherit). */
    public id: number,
    box: Box,
    score: number,
    public born: number,
    noise: KalmanNoise,
    /** Matches needed before the track is confirmed. */
    private readonly confirmHits: number,
  ) {
    this.filter = new BoxKalman(box, noise);
    this.lastMatch = born;
    this.score = score;
    this.firstSighting = { box: [...box], velocity: [0, 0], t: born };
    this.lastSighting = this.firstSighting;
    this.path.add(box, born);
  }

  /** The track as toData gave it, with the tracker's noise and confirmation settings. */
  static fromData(d: TrackData, noise: KalmanNoise, confirmHits: number): Track {
    const track = new Track(d.id, d.firstSighting.box, d.score, d.born, noise, confirmHits);
    track.state = d.state;
    track.hits = d.hits;
    track.lastMatch = d.lastMatch;
    track.matchedNow = d.matchedNow;
    track.appearance = d.appearance && Float32Array.from(d.appearance);
    track.firstSighting = copySighting(d.firstSighting);
    track.lastSighting = copySighting(d.lastSighting);
    track.path.loadData(d.path);
    track.filter.loadData(d.filter);
    return track;
  }

  toData(): TrackData {
    if (this.state === 'removed') throw new Error(`track ${this.id} is removed and has no data`);
    return {
      id: this.id,
      state: this.state,
      hits: this.hits,
      born: this.born,
      lastMatch: this.lastMatch,
      matchedNow: this.matchedNow,
      score: this.score,
      appearance: this.appearance && [...this.appearance],
      firstSighting: copySighting(this.firstSighting),
      lastSighting: copySighting(this.lastSighting),
      path: this.path.toData(),
      filter: this.filter.toData(),
    };
  }

  /** Takes over the identity of the long-lost track `old`, whose person this one turned out to be. */
  inherit(old: Track): void {
    this.id = old.id;
    this.born = old.born;
    this.hits += old.hits;
    this.appearance ??= old.appearance;
  }

  get confirmed(): boolean {
    return this.state === 'confirmed' || this.state === 'lost';
  }

  match(box: Box, score: number, t: number): void {
    this.filter.update(box);
    this.path.add(box, t);
    this.hits += 1;
    this.lastMatch = t;
    this.lastSighting = { box: this.filter.box(), velocity: this.filter.velocity(), t };
    this.matchedNow = true;
    this.score = score;
    if (this.state === 'lost' || (this.state === 'tentative' && this.hits >= this.confirmHits)) this.state = 'confirmed';
  }

  /** Takes in the appearance of a new observation. */
  see(appearance: Float32Array, keep: number): void {
    if (this.appearance) blendAppearance(this.appearance, appearance, keep);
    else this.appearance = Float32Array.from(appearance);
  }

  snapshot(t: number): TrackSnapshot {
    if (this.state === 'removed') throw new Error(`track ${this.id} is removed and has no snapshot`);
    return {
      id: this.id,
      box: this.filter.box(),
      velocity: this.filter.velocity(),
      age: t - this.born,
      hits: this.hits,
      state: this.state,
      confirmed: this.confirmed,
      matched: this.matchedNow,
      sinceMatch: t - this.lastMatch,
      score: this.score,
    };
  }
}
