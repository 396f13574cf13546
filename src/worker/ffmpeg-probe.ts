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
