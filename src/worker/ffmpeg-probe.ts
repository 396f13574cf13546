import type { FrameReaderOptions } from './ffmpeg-args.js';
import { FrameReader } from './ffmpeg-frames.js';
import type { SourceInfo } from './ffmpeg-header.js';

/**
 * The source's facts without decoding it: a throw-away ffmpeg run that stops once the header is printed. Lets a caller
 * pick the model input size (and letterbox) from the source aspect before opening the real reader.
 */
export async function probeSource(opts: Omit<FrameReaderOptions, 'output' | 'maxFrames' | 'every'>): Promise<SourceInfo> {
  const reader = new FrameReader({ ...opts, output: { width: 32, height: 32 }, maxFrames: 1, bufferFrames: 1 });
  try {
    return await reader.info();
  } finally {
    reader.close();
  }
}

/**
 * Where a file's first video frame is on ffmpeg's seek timeline, in seconds. `-ss` counts from the container's start,
 * the earliest of all its streams, and recordings often start their sound before their picture (a recorder's MPEG-TS,
 * a Matroska file with its video delayed). A seek to just after the start that keeps every decoded frame
 * (`keyFrameSeek`) hands out the video's first key frame, timed on that timeline.
 */
export async function probeVideoStart(opts: Omit<FrameReaderOptions, 'output' | 'maxFrames' | 'every'>): Promise<number> {
  const reader = new FrameReader({ ...opts, output: { width: 32, height: 32 }, maxFrames: 1, bufferFrames: 1, startSeconds: Number.MIN_VALUE, keyFrameSeek: true, frameTimes: true });
  try {
    return Math.max(0, (await reader.next())?.ownSeconds ?? 0);
  } finally {
    reader.close();
  }
}
