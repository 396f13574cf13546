import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { WorkerError } from './errors.js';
import { FrameReaderError } from './ffmpeg-errors.js';
import { namesRtspTransport } from './ffmpeg-input.js';
import { describeSource, unusableSource } from '../sources/kind.js';

/**
 * ffmpeg input options a source kind needs (before `-i`). `live`: the task says the source is live whatever its
 * name (a camera served over HTTP as `…/stream.ts` looks like a file), so it starts as quickly as a stream.
 * `frameRate`: an image sequence's (its frames carry no times; without it ffmpeg reads them at 25 per second).
 */
export function inputArgsFor(source: string, live = false, frameRate?: number): string[] {
  const { kind } = describeSource(source);
  if (kind === 'sequence') return frameRate === undefined ? [] : ['-framerate', String(frameRate)];
  // ffmpeg's default 5 s of stream analysis is 5 s of waiting for a first frame on a live stream; 1 s still finds
  // the size and rate of ordinary camera streams.
  const quickStart = ['-analyzeduration', '1000000'];
  // TCP interleaving: UDP RTP loses packets on busy networks and does not pass NAT; the socket time-out option is
  // added by the frame reader, which knows which spelling this ffmpeg understands. A URL that names its transport
  // (`?udp`) keeps it: ffmpeg adds the URL's choice to -rtsp_transport's, and still tried TCP first.
  if (/^rtsps?:\/\//i.test(source)) return namesRtspTransport(source) ? quickStart : ['-rtsp_transport', 'tcp', ...quickStart];
  if (kind === 'stream' || (live && kind === 'remote-file')) return quickStart;
  if (kind === 'device') return ['-f', 'v4l2'];
  return [];
}

/**
 * Fails early, with the path in the message, for a local source that cannot work: missing, a folder, or not
 * readable. An image-sequence pattern (`frames/%04d.png`) is checked through its folder.
 */
export async function checkLocalSource(source: string): Promise<void> {
  const unusable = unusableSource(source);
  if (unusable) throw new WorkerError('BAD_ARGUMENT', unusable);
  const { kind, local } = describeSource(source);
  if (local === null) return;
  const isPattern = kind === 'sequence';
  const target = isPattern ? path.dirname(local) || '.' : local;
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new WorkerError('SOURCE_NOT_FOUND', `source not found: ${isPattern ? `folder ${target} of ${source}` : source}`);
  }
  if (!isPattern && info.isDirectory()) {
    throw new WorkerError('SOURCE_UNREADABLE', `source ${source} is a folder; give a video file or an image pattern such as ${path.join(source, '%04d.png')}`);
  }
  try {
    await access(target, constants.R_OK);
  } catch {
    throw new WorkerError('SOURCE_UNREADABLE', `source ${source} is not readable (permission denied)`);
  }
}

/** A frame-reader failure as a protocol error: the reader already classifies it with our codes and names the
 * source and ffmpeg's own reason in the message. */
export function sourceError(err: unknown): WorkerError {
  if (err instanceof WorkerError) return err;
  if (err instanceof FrameReaderError) return new WorkerError(err.code, err.message);
  return new WorkerError('INTERNAL', err instanceof Error ? err.message : String(err));
}
