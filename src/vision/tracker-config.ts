import type { KalmanNoise } from './kalman.js';
import type { HeadingCost } from './track-heading.js';
import type { RelinkGate } from './tracker-long-lost.js';

export interface TrackerConfig {
  /** Detections at or above this score take part in the first association pass. */
  highScore: number;
  /** Detections in [lowScore, highScore) only take part in the second pass (ByteTrack), never start tracks. */
  lowScore: number;
  /** An unmatched detection starts a new track only at or above this score. */
  newTrackScore: number;
  /** Matches needed before a track is confirmed (counted, reported). */
  confirmHits: number;
  /** A tentative track unmatched for longer than this (s) ends at the next detection pass, before it could match there. */
  tentativeMaxLostSeconds: number;
  /** A confirmed track unmatched for longer than this (s) is removed. */
  maxLostSeconds: number;
  /** ...or for this many detection intervals, when that is longer (detections every 2 s must not end every track). */
  lifetimePasses: number;
  /** The same for tentative tracks. */
  tentativeLifetimePasses: number;
  /** Gate of the first pass: squared Mahalanobis distance of the centre (2 degrees of freedom). */
  gateChi2: number;
  /** Tighter gate for low-score detections, which are more often clutter. */
  lowScoreGateChi2: number;
  /** Largest |ln(detected height / predicted height)| a match may have. */
  maxLogHeightRatio: number;
  /** Motion model noise, relative to box height and in seconds. */
  kalman: KalmanNoise;
  /** Cost of a candidate off the direction the track's own observations lead in (track-heading.ts). */
  heading: HeadingCost;
  /**
   * A track unseen for at least `appearanceVetoAfter` seconds is not matched to a detection whose appearance
   * (appearance.ts, 0..1) differs from its own by more than this; 1 turns the cue off. Only detections near the
   * lines carry an appearance, and only when the worker samples pixels for them.
   */
  appearanceVeto: number;
  appearanceVetoAfter: number;
  /** Share of a track's appearance kept at each new observation (exponential average). */
  appearanceKeep: number;
  /**
   * A confirmed track unseen for longer than its lifetime waits this long (s since its last match) in a buffer, out of
   * association, for a new track to continue it (tracker-long-lost.ts); 0 turns re-identification off.
   */
  longLostSeconds: number;
  /**
   * The bounded gate of that link, in body heights and seconds; its speed, slack and the height ratio also bound where a
   * lost track, or one seen only once, may be matched (tracker.ts).
   */
  relink: RelinkGate;
  /** Lost tracks still kept, unseen for longer than this (s) when the new track was first seen, may be linked too. */
  relinkLostAfter: number;
}

/**
 * Defaults chosen so that the same values hold for 7 fps footage of small people (PETS09 vtest.avi, people ~30x80 px)
 * and 25 fps footage of big people: every gate is in box heights (through the Kalman covariance, which scales with
 * the height) and every lifetime is in seconds.
 */
export const DEFAULT_TRACKER_CONFIG: Readonly<TrackerConfig> = Object.freeze({
  // Scores depend on the detector. The built-in centernet gives unoccluded people in vtest.avi 0.4–0.75 (at 0.5 it
  // finds only 60% of them, at 0.4 82% with 95% precision), so ByteTrack's usual 0.5/0.6 would starve the tracker.
  highScore: 0.4,
  // The worker's default decode threshold for centernet (0.3): everything it passes below highScore is kept for
  // pass 2, where only tracks expecting a person there may take it (at 0.3 precision is still 92%).
  lowScore: 0.3,
  // Same as highScore: confirmation (two matches in a row) already filters one-frame flickers; a higher bar here
  // missed 1–2 of vtest.avi's 31 line crossings (tuned offline against gt.txt).
  newTrackScore: 0.4,
  // Two consecutive matches already rule out most one-frame false positives; more would delay confirmation by
  // whole detection passes, which is long at 7 fps or with --skip-frames.
  confirmHits: 2,
  // A person who just appeared is often half hidden or at the frame edge and missed a few times; 1 s also spans one
  // missed detection pass with --skip-frames up to ~5 at 7–10 fps. Unconfirmed tracks are neither reported nor
  // counted, so a lingering false one costs little (on vtest.avi 1 s found one more crossing than 0.3 s).
  tentativeMaxLostSeconds: 1.0,
  // People hidden behind another person or a sign post for up to ~2 s keep their identity through the Kalman gate;
  // past that the gate has grown wide enough to take a passer-by (MOT17-09's crowd), so longer gaps are bridged by
  // the long-lost buffer's bounded gate instead (4 s here doubled the extras of vtest.avi at 1536×1152; with the
  // buffer, 2 s found one more crossing than 2.5 s on MOT17-09 and on it at 2.5 fps, the rest unchanged). (People
  // who walk out of the picture are ended as soon as their predicted box centre leaves it, whatever this value.)
  maxLostSeconds: 2,
  // With detections every 2 s (2.5 fps and --skip-frames 5) one missed pass must not end a track, nor the pass that
  // would confirm one kill it: on vtest.avi thinned to 2.3 fps, skip 5, crossing F1 went from 0.64 to 0.74.
  lifetimePasses: 2.5,
  tentativeLifetimePasses: 1.5,
  // 99% quantile of chi-square with 2 degrees of freedom: a right match is rejected 1 time in 100.
  gateChi2: 9.21,
  // 95% quantile: low-score detections must sit where the track is expected.
  lowScoreGateChi2: 5.99,
  // Height changes by more than 1.5x between matches are a different person (or two people merged into one box).
  maxLogHeightRatio: Math.log(1.5),
  // Off. On 23 lines of five clips it kept identities better (IDF1 of vtest.avi at 2.3 fps 0.73 → 0.80 with the crop
  // pipeline's detections and source-resolution pixels) but did not raise crossing F1 consistently: +0.02 on the
  // MOT17-09 clips with 960-px detections, −0.01 with the crop pipeline's, −0.015 with 384-px ones (boxes that take
  // in a neighbour change colour and get vetoed), +0.007 on vtest.avi.
  appearanceVeto: 1,
  appearanceVetoAfter: 0.2,
  appearanceKeep: 0.9,
  // People hidden behind others for their whole crossing reappear 2–6 s after they were last seen (on MOT17-09 one
  // who stood half hidden at a line and crossed it fully hidden was seen again after 5.6 s).
  longLostSeconds: 6,
  // A new track is born beside a lost one when its first detection fell outside the lost one's Kalman gate (the
  // person reappeared changed: partly hidden, turned); under half a second that gate is narrow and rarely wrong, so
  // short gaps stay its business. Linking these too found one more crossing on MOT17-09 at 7.5 fps and raised IDF1 on
  // vtest.avi at 1536×1152 from 0.734 to 0.773, other crossings unchanged at 0.3–1 s.
  relinkLostAfter: 0.5,
  relink: Object.freeze({
    // Brisk walking is about 1.5 body heights per second.
    speed: 1.5,
    // Hidden people mostly keep their course, but turn on a plaza: 0.5 lost a person on vtest.avi at 1536×1152 who
    // turned 90° while unseen, 1.0 let a wrong link take MOT17-09's one gain.
    drift: 0.75,
    // Box jitter and partly hidden boxes at either end.
    slack: 0.5,
    // Boxes of one person seen a few seconds apart differ by up to ~30% in height when one end is partly hidden.
    maxLogHeightRatio: Math.log(1.3),
    // In a crowd someone else is usually lost too, and at low frame rates more so (each pass is a snapshot), so
    // "any second fit means no link" gave up on people whose own walk led exactly to where they were seen again
    // (MOT17-09 at 2.5 fps: 0.18 of the allowance, the other candidate 0.87). Anything from 0.25 to 0.7 found the
    // same links on the nine bench:count runs; a third keeps a link to three times closer than the alternative.
    dominance: 1 / 3,
  }),
  heading: Object.freeze({
    // In a crowd walking one way, people 0.3–0.5 body heights apart, a track whose velocity went wrong (after a gap,
    // or after detections of someone else) predicts a spot the person behind is walking into; taking them passes the
    // track's count on and loses theirs. On the nine bench:count replays any weight from 0.5 to 0.75 with spans of
    // 0.6–1 s found 4–9 more crossings and 1–4 fewer extras, and no run lost more than one; 1 lost 3 on vtest.avi at
    // skip 5 and added 3 extras at 640x360.
    weight: 0.6,
    // A walker covers most of a body height in 0.8 s, far beyond box jitter (0.3 s: one crossing fewer on MOT17-09
    // and two more extras on vtest.avi).
    span: 0.8,
    // Boxes jitter by about 0.08 body heights, so shorter steps have no direction (0.05: 4 more extras on MOT17-09 at
    // 640x360; 0.15–0.2: 2 crossings fewer on MOT17-09).
    minStep: 0.1,
    // A box that lost its top to someone in front moves its centre down without the person moving; one that grew
    // has taken in someone else, and its centre step stands (on the nine runs 0.2–0.3 gave the same, 0.4 no longer
    // took back a person on vtest.avi whose box had lost a third of its height, and applying it to grown boxes too
    // lost two crossings on MOT17-09).
    shrink: 0.2,
  }),
  kalman: Object.freeze({
    // Walkers change velocity by about half a body height per second within a second.
    centerAccel: 0.5,
    // Apparent size changes slowly (walking towards the camera).
    sizeAccel: 0.1,
    // Detector boxes of a walking person jitter by about 8% of the height (centre and size).
    centerMeasure: 0.08,
    sizeMeasure: 0.08,
    // Walking speed is about one body height per second.
    initialCenterVelocity: 1.0,
    initialSizeVelocity: 0.1,
  }),
});

/** Throws a RangeError naming the first setting out of its range (a config's or `--options`' typo must not track). */
export function validateTrackerConfig(c: TrackerConfig): void {
  const positive: (keyof TrackerConfig)[] = ['gateChi2', 'lowScoreGateChi2', 'maxLogHeightRatio', 'confirmHits'];
  for (const key of positive) {
    if (!((c[key] as number) > 0)) throw new RangeError(`tracker setting ${key} must be > 0, got ${String(c[key])}`);
  }
  const nonNegative: (keyof TrackerConfig)[] = [
    'maxLostSeconds',
    'tentativeMaxLostSeconds',
    'lifetimePasses',
    'tentativeLifetimePasses',
    'lowScore',
    'appearanceVetoAfter',
    'longLostSeconds',
    'relinkLostAfter',
  ];
  for (const key of nonNegative) {
    if (!((c[key] as number) >= 0)) throw new RangeError(`tracker setting ${key} must be ≥ 0, got ${String(c[key])}`);
  }
  if (!(c.appearanceVeto >= 0 && c.appearanceVeto <= 1)) {
    throw new RangeError(`tracker setting appearanceVeto must be between 0 and 1, got ${c.appearanceVeto}`);
  }
  if (!(c.appearanceKeep >= 0 && c.appearanceKeep < 1)) {
    throw new RangeError(`tracker setting appearanceKeep must be in [0, 1), got ${c.appearanceKeep}`);
  }
  for (const [key, value] of Object.entries(c.heading)) {
    if (!((value as number) >= 0)) throw new RangeError(`tracker setting heading.${key} must be ≥ 0, got ${String(value)}`);
  }
  for (const [key, value] of Object.entries(c.relink)) {
    if (!((value as number) >= 0)) throw new RangeError(`tracker setting relink.${key} must be ≥ 0, got ${String(value)}`);
  }
  if (c.lowScore > c.highScore) {
    throw new RangeError(`tracker setting lowScore (${c.lowScore}) must not exceed highScore (${c.highScore})`);
  }
}
