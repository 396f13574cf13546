import { redactSource } from '../sources/credentials.js';
import type { Counting } from './counting.js';
import { WorkerError } from './errors.js';
import type { SourceInfo } from './ffmpeg-header.js';

/**
 * A file that ended before its `--start-frame` N was reached.
 *
 * A run that resumes another starts at the frame after the last checkpoint. When the run it resumes was cut short
 * after processing the file's last frame (its `done` never stored), N is the frame after the last one: the resumed
 * worker tracks its warm-up, finds no frame from N on, and that is the end of the count, with nothing left to count
 * (the totals kept by the parent stand). A checkpoint can never lie further on: the resumed worker decodes on the
 * same frame grid and numbers the end of the file (frames skipped there filled in) exactly as the run it resumes did.
 *
 * So a start frame further past the end was given by hand, and counting nothing would hide the mistake: it is an
 * error that says how long the file is. When even the warm-up point is past the end nothing is decoded, and the
 * length can only come from ffmpeg's header (duration × frame rate, an estimate).
 *
 * A worker that continues a resume state decodes nothing before N, and from the first detection frame at or after N
 * (`firstRead`): when the header says the file ends before that frame, the frames left were only ever predicted on,
 * which counts nothing, and that is the end of the count too.
 */
export function checkStartReached(source: string, startFrame: number | undefined, c: Counting, info: SourceInfo, firstRead?: number): void {
  if (startFrame === undefined || startFrame <= 1 || c.baseline !== null) return;
  if (c.lastFrame !== null && c.lastFrame + 1 >= startFrame) return;
  const past = `--start-frame ${startFrame} is past the end of ${redactSource(source)}`;
  if (c.lastFrame !== null) throw new WorkerError('BAD_ARGUMENT', `${past}: it has ${c.lastFrame} frames`);
  const frames = info.fps && info.duration ? Math.round(info.duration * info.fps) : null;
  if (frames !== null && firstRead !== undefined && firstRead > frames && startFrame <= frames + 1) return;
  if (frames === null) throw new WorkerError('BAD_ARGUMENT', `${past}: ffmpeg decoded no frame from a few seconds before it on (the file does not say how long it is)`);
  if (startFrame > frames + 1) throw new WorkerError('BAD_ARGUMENT', `${past}: it has about ${frames} frames (${info.duration} s at ${info.fps} fps)`);
  // The header promises frames that are not there (a video stream shorter than the file, say its sound).
  throw new WorkerError('BAD_ARGUMENT', `${past}: ffmpeg decoded no frame from a few seconds before it on, though the file says it has about ${frames} frames (${info.duration} s at ${info.fps} fps)`);
}
