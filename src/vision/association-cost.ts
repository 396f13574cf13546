import { appearanceDistance } from './appearance.js';
import type { Track } from './track.js';
import type { TrackerConfig } from './tracker-config.js';
import { withinReach } from './tracker-long-lost.js';
import type { Detection } from './types.js';

/**
 * The cost of giving each detection to each track (rows: tracks, columns: detections), for one association pass of
 * the tracker at time `t` (seconds) inside the gate `gateChi2`; Infinity where the pair may not match. Normalised so
 * that the gate's edge costs 1, which is also what leaving a track unmatched costs.
 */
export function associationCost(
  tracks: readonly Track[],
  detections: readonly Detection[],
  gateChi2: number,
  t: number,
  c: Pick<TrackerConfig, 'maxLogHeightRatio' | 'relink' | 'heading' | 'appearanceVeto' | 'appearanceVetoAfter'>,
): number[][] {
  const maxLog = c.maxLogHeightRatio;
  return tracks.map((track) => {
    const predictedHeight = track.filter.box()[3];
    return detections.map((det) => {
      if (Math.abs(Math.log(det.box[3] / predictedHeight)) > maxLog) return Infinity;
      // Where the Kalman prediction says little, walking bounds the match: a track seen once has no velocity yet
      // (its gate spans any direction at the starting guess of speed), and a lost one may carry a velocity learnt
      // from someone else's boxes while its gate keeps growing; either then takes a passer-by out of reach of
      // where its person was seen, and hands their crossing on.
      const unsure = track.state === 'lost' || track.hits === 1;
      if (unsure && !withinReach(track.lastSighting, det.box, t, c.relink, maxLog)) return Infinity;
      // A candidate off the way the track's own sightings lead costs more, since its velocity may have gone wrong
      // (track-heading.ts).
      const motion = track.filter.centerDistance2(det.box) / gateChi2 + track.path.turnCost(det.box, c.heading);
      // Someone seen again after an occlusion must look like the person the track followed; in between, the
      // motion alone decides (a box that takes in a neighbour for a frame or two changes colour, not identity).
      const vetoed =
        track.appearance && det.appearance && t - track.lastMatch >= c.appearanceVetoAfter &&
        appearanceDistance(track.appearance, det.appearance) > c.appearanceVeto;
      return vetoed ? Infinity : motion;
    });
  });
}
