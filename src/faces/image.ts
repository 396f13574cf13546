import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { openFrames } from '../worker/ffmpeg-frames.js';
import { probeSource } from '../worker/ffmpeg-probe.js';
import { redactSource } from '../sources/credentials.js';
import { describeSource } from '../sources/kind.js';
import type { RgbImage } from './crop.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.ppm', '.pgm', '.gif'];

/** A problem with the command line (exit 2): no image or folder named at all. A named one missing is exit 1. */
export class ImageListError extends Error {}

/** Why a path named on the command line cannot be looked at: a symbolic link loop is not a missing file. */
function statProblem(err: NodeJS.ErrnoException): string {
  if (err.code === 'ELOOP') return 'a symbolic link loop';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return 'not found';
  return `cannot look at it (${err.message})`;
}

/** Files named on the command line, folders replaced by the images directly inside them (sorted). */
export async function listImages(inputs: readonly string[]): Promise<string[]> {
  if (inputs.length === 0) throw new ImageListError('no image or folder given');
  const files: string[] = [];
  for (const input of inputs) {
    // A URL was looked up as a path ("not found"), and printed with its password. A `file:` URL is a path, as in
    // detect, snapshot and run (`file:///a%20b.jpg` is `/a b.jpg`): it was looked up as written, "not found".
    const local = describeSource(input).local;
    if (local === null) {
      throw new Error(`not a local image or folder: ${redactSource(input)} (faces reads image files and folders; for a stream, save a frame first: pcount-tui snapshot SOURCE -o frame.png)`);
    }
    let info;
    try {
      info = await stat(local);
    } catch (err) {
      // A source problem (SOURCE_NOT_FOUND in src/protocol/error-codes.ts): exit 1, as for detect and snapshot.
      throw new Error(`${statProblem(err as NodeJS.ErrnoException)}: ${input}`);
    }
    if (!info.isDirectory()) {
      files.push(local);
      continue;
    }
    let entries: string[];
    try {
      entries = await readdir(local);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`cannot read folder ${input}: ${code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
    }
    const names = entries.filter((n) => IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase())).sort();
    if (names.length === 0) throw new Error(`folder ${input} has no images (${IMAGE_EXTENSIONS.join(' ')})`);
    files.push(...names.map((n) => path.join(local, n)));
  }
  return files;
}

/**
 * Whether ffmpeg's demuxer for a file (`Input #0, <container>`) reads a still picture: its single-image demuxers are
 * `<codec>_pipe` (png_pipe, jpeg_pipe, …, chosen from the content whatever the file's name), `image2` (picked by name)
 * and `gif` (an animated GIF is read as its first picture, like a still one). Anything else (avi, mov, matroska…) is a
 * video, whose first frame alone would be answered as if it were the image asked about.
 */
export function isImageContainer(container: string | null): boolean {
  return container !== null && (/^[a-z0-9]+_pipe$/.test(container) || container === 'image2' || container === 'gif');
}

/** A file ffmpeg reads, but as a video (or another non-image format): named, with the format ffmpeg found. */
export class NotAnImageError extends Error {}

/** The first frame of an image file at its own size, decoded by ffmpeg; a video is refused (NotAnImageError). */
export async function decodeImage(ffmpeg: { path: string; version: string }, file: string): Promise<RgbImage> {
  const source = { ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version, input: file };
  const { width, height, container } = await probeSource(source);
  if (!isImageContainer(container)) {
    throw new NotAnImageError(`not an image: ${file} (ffmpeg reads it as ${container ?? 'an unknown format'}; faces takes images, detect takes videos)`);
  }
  const reader = openFrames({ ...source, output: { width, height }, maxFrames: 1, bufferFrames: 1 });
  try {
    const frame = await reader.next();
    if (!frame) throw new Error(`ffmpeg decoded no picture from ${file}`);
    return { width, height, data: frame.data };
  } finally {
    reader.close();
  }
}
