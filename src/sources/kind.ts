import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What a source string names, decided once for every command (run, worker, detect, validate):
 * - `file`: a video or image file on disk, also written as a `file:` URL (`file:///data/a%20b.mp4` is `/data/a b.mp4`);
 * - `sequence`: an image-sequence pattern on disk (`frames/%04d.png`, a path: in a URL `%04` is an escape), read once
 *   like a file;
 * - `remote-file`: a URL whose path ends in a video or image file name (`http://host/clip.mp4`, `ftp://…/a.avi`), or
 *   a URL of a scheme not known to stream; read once, every frame, like a file;
 * - `stream`: `rtsp(s)`, `rtmp(s)`, `rtp`, `srt`, `udp`, `tcp`, `rist`, `mms(h)` URLs, and `http(s)` URLs that do not
 *   end in a file name (MJPEG cameras, `.m3u8` playlists); live;
 * - `device`: `/dev/videoN` (V4L2 capture); live;
 * - `pipe`: `-`, `pipe:…`, `/dev/stdin`, `/dev/fd/N`; refused: a worker's stdin carries its commands, and a pipe can
 *   be neither reopened after a failure nor shared by several tasks.
 * Live sources drop frames to stay current and are reconnected when they stall or end; the others are processed
 * frame by frame and end. No function here touches the file system.
 */
export type SourceKind = 'file' | 'sequence' | 'remote-file' | 'stream' | 'device' | 'pipe';

export interface SourceDescription {
  kind: SourceKind;
  live: boolean;
  /** The path on disk for `file` and `sequence` (a `file:` URL decoded), else null. */
  local: string | null;
}

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const LIVE_SCHEMES = new Set(['rtsp', 'rtsps', 'rtmp', 'rtmps', 'rtmpt', 'rtmpe', 'rtp', 'srt', 'udp', 'tcp', 'rist', 'mms', 'mmsh', 'mmst']);
const HTTP_SCHEMES = new Set(['http', 'https']);
const FILE_EXTENSIONS = new Set([
  ...['mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'mpg', 'mpeg', 'wmv', 'flv', 'ogv', '3gp', 'mxf', 'ts', 'mts', 'm2ts', 'y4m'],
  ...['jpg', 'jpeg', 'png', 'bmp', 'webp', 'tif', 'tiff', 'gif'],
]);
const PIPE = /^(-|pipe:.*|\/dev\/stdin|\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)$/i;
const DEVICE = /^\/dev\/video\d+$/;
const SEQUENCE = /%\d*d/;

function urlPath(source: string): string {
  try {
    return new URL(source).pathname;
  } catch {
    return source.replace(URL_SCHEME, '').replace(/[?#].*$/, '');
  }
}

/** `file:///a%20b.mp4` → `/a b.mp4`; ffmpeg's relative form `file:clip.mp4` → `clip.mp4`. */
function filePath(source: string): string {
  if (/^file:\/\//i.test(source)) {
    try {
      return fileURLToPath(source);
    } catch {
      return decodeURIComponent(urlPath(source));
    }
  }
  return source.replace(/^file:/i, '');
}

export function describeSource(source: string): SourceDescription {
  if (PIPE.test(source)) return { kind: 'pipe', live: false, local: null };
  if (/^file:/i.test(source)) return describeLocal(filePath(source));
  const scheme = URL_SCHEME.exec(source)?.[1].toLowerCase();
  if (scheme === undefined) return DEVICE.test(source) ? { kind: 'device', live: true, local: null } : describeLocal(source);
  if (LIVE_SCHEMES.has(scheme)) return { kind: 'stream', live: true, local: null };
  const extension = path.extname(urlPath(source)).slice(1).toLowerCase();
  if (FILE_EXTENSIONS.has(extension) || !HTTP_SCHEMES.has(scheme)) return { kind: 'remote-file', live: false, local: null };
  return { kind: 'stream', live: true, local: null };
}

function describeLocal(file: string): SourceDescription {
  return { kind: SEQUENCE.test(path.basename(file)) ? 'sequence' : 'file', live: false, local: file };
}

export function isLiveSource(source: string): boolean {
  return describeSource(source).live;
}

/** Why a source cannot be used at all, or null. */
export function unusableSource(source: string): string | null {
  if (source.trim() === '') return 'the source is empty';
  if (describeSource(source).kind === 'pipe') {
    return `'${source}' is a pipe: a worker's stdin carries its commands and a pipe cannot be reopened; save the video to a file or serve it as a stream`;
  }
  return null;
}

/**
 * Whether an argument where a config file is expected names a source instead (`run vtest.avi`, `run rtsp://cam/x`,
 * `validate /dev/video0`): a URL, a device, a pipe, or a path with a video or image extension. Said as such before
 * anything is read: a video is no JSON, and a URL read as a path was "no such file", printed with its password.
 */
export function namesSource(arg: string): boolean {
  if (URL_SCHEME.test(arg) || /^file:/i.test(arg) || DEVICE.test(arg) || PIPE.test(arg)) return true;
  return FILE_EXTENSIONS.has(path.extname(arg).slice(1).toLowerCase()) || SEQUENCE.test(path.basename(arg));
}

/** The form handed to ffmpeg and shown: local paths absolute (relative ones against `baseDir`), `file:` URLs decoded, URLs and devices as given. */
export function resolveSource(source: string, baseDir: string): string {
  const { local } = describeSource(source);
  return local === null ? source : path.resolve(baseDir, local);
}
