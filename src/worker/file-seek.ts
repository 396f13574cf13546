import type { SourceOptions } from './source.js';
import type { FrameReader } from './ffmpeg-frames.js';

/**
 * Starting a file at a frame (`--start-frame`, a resume) by seeking, so that the frames get the numbers and pixels an
 * unsought run gives them.
 *
 * ffmpeg's input seek decodes from a key frame and drops the frames before the seek point, so the first frame handed
 * out is the start frame, numbered from its own time (ffmpeg-frames.ts). An MPEG-TS seek, though, lands on the key
 * frame after the seek point: the frames up to it never come. The file is then opened again with the seek further
 * back, its frames before the start frame dropped by ffmpeg, until the start frame is the first one (last of all, from
 * the container's start).
 */

/**
 * Seconds before the start frame to seek to, one attempt after another. Recorders put a key frame every 1 to 4 s
 * (some every 10 s or more); each attempt that lands short costs an ffmpeg start and a decoded group of pictures.
 */
export const SEEK_BEFORE = [0, 2, 8, 30, Infinity];

/**
 * Where ffmpeg seeks to start a file at `startFrame`, in seconds after the video's first frame: a quarter frame before
 * the frame's own time, so that timestamp rounding cannot drop it.
 */
export function seekSeconds(o: Pick<SourceOptions, 'live' | 'startFrame' | 'probed'>): number | undefined {
  if (o.live || !o.startFrame || o.startFrame <= 1 || !o.probed?.fps) return undefined;
  return (o.startFrame - 1.25) / o.probed.fps;
}

/**
 * Opens readers with the seek further back each time until the first frame is not after the start frame; the last one
 * opened is returned (a file that ends before it, or fails, is left to the reader's caller).
 */
export async function openAtStart(startFrame: number, open: (seekBefore: number) => FrameReader, release: (data: Uint8Array) => void): Promise<FrameReader> {
  let reader = open(SEEK_BEFORE[0]);
  for (const before of SEEK_BEFORE.slice(1)) {
    const first = await reader.peek();
    if (first === null || first.index <= startFrame - 1) break;
    release(first.data);
    reader.close();
    reader = open(before);
  }
  return reader;
}
