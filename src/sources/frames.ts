/**
 * Frames are numbered from 1: frame 1 is the first decoded frame of the source (the MOTChallenge convention of
 * `gt.txt`). ffmpeg's readers count from 0; this is the one place that turns their index into a frame number.
 */
export const FIRST_FRAME = 1;

export function frameNumber(decodedIndex: number): number {
  return decodedIndex + FIRST_FRAME;
}
