import { DEFAULT_TRACKER_CONFIG } from '../vision/tracker-config.js';

/**
 * Resuming a file at frame N (`--start-frame N`) without losing or double-counting the people on screen there.
 *
 * The uninterrupted run reaches frame N with a tracker that knows everyone in view, including people briefly hidden,
 * and a counter that knows on which side of each line they were. A worker that started cold at N would see the people
 * on the line as new tracks: a crossing they complete soon after would be lost (no side known yet), and one they made
 * just before N but that the old run only counted once their track was confirmed could be counted again. So the
 * worker decodes and tracks a warm-up stretch before N and drops every crossing it finds while processing frames
 * before N; those were stored by the run it resumes (the checkpoint says that all crossings emitted up to N − 1 are).
 *
 * The stretch covers the longest a hidden person keeps their identity (`maxLostSeconds`, or `longLostSeconds` in the
 * tracker's long-lost buffer, from which a new track can still take it over), the longest a new track may
 * wait for its confirmation (`tentativeMaxLostSeconds`), and the detection passes confirmation takes. It starts on a
 * frame the uninterrupted run also detected on (frames 1, 1 + k, 1 + 2k, … with --skip-frames k), so that both see
 * the same detections from there on.
 */
export function warmupSeconds(fps: number, skipFrames: number): number {
  const c = DEFAULT_TRACKER_CONFIG;
  return Math.max(c.maxLostSeconds, c.longLostSeconds) + c.tentativeMaxLostSeconds + (c.confirmHits * skipFrames) / fps;
}

/** The first frame to decode when counting starts at `startFrame` (1-based). */
export function warmupStart(startFrame: number, fps: number, skipFrames: number): number {
  if (startFrame <= 1) return 1;
  const first = Math.max(1, startFrame - Math.ceil(warmupSeconds(fps, skipFrames) * fps));
  return first - ((first - 1) % skipFrames);
}
