import { SQUARE_ENOUGH } from './ffmpeg-args.js';

/**
 * Reads what ffmpeg's stderr says about the input before the first frame: the `Input #0` block with its
 * `Duration:` line and `Stream #0:N: Video:` lines, then `Stream mapping:`, which says which of the video streams ffmpeg
 * decodes (not always the first: it takes the largest). Fed line by line; `done` turns true at the mapped stream's line
 * (or `Output #0`), after which the input facts are final.
 */

export interface SourceInfo {
  /**
   * Frame size of the decoded stream (after ffmpeg's autorotation), in pixels of display geometry: a stream of
   * non-square pixels (a sample aspect ratio other than 1:1) is as wide as it is shown, which is how ffmpeg hands its
   * frames over (ffmpeg-args.ts squares them).
   */
  width: number;
  height: number;
  /** Frames per second from the stream line (`fps`, else `tbr`), or null when ffmpeg does not know. */
  fps: number | null;
  /** Seconds, or null for live sources and `Duration: N/A`. */
  duration: number | null;
  /** Decoder name as ffmpeg prints it, e.g. "h264", "msmpeg4v3", "mjpeg". */
  codec: string | null;
  /** Container name from `Input #0, <format>, from …`. */
  container: string | null;
  /** The stream says its pictures are two fields (`top first`, `bottom first`): ffmpeg deinterlaces them (ffmpeg-args.ts). */
  interlaced: boolean;
}

interface VideoStream {
  codec: string;
  width: number;
  height: number;
  fps: number | null;
  interlaced: boolean;
}

export class HeaderParser {
  private inInput = false;
  private mapping = false;
  /** Video streams of the input by their `0:N` label, in the order printed. */
  private readonly streams = new Map<string, VideoStream>();
  /** The stream whose side data lines (rotation) follow, null after another stream's line. */
  private current: VideoStream | null = null;
  private mapped: VideoStream | null = null;
  container: string | null = null;
  duration: number | null = null;
  done = false;
  /** Size of the frames ffmpeg writes, from the `Output #0` stream line (after `done`). */
  output: { width: number; height: number } | null = null;
  private inOutput = false;

  feed(line: string): void {
    if (this.done) {
      this.feedOutput(line);
      return;
    }
    const input = /^Input #0, (.+?), from /.exec(line);
    if (input) {
      this.inInput = true;
      this.container = input[1];
      return;
    }
    if (!this.inInput) return;
    if (/^Stream mapping:/.test(line.trimStart())) {
      this.mapping = true;
      return;
    }
    if (this.mapping || /^Output #0/.test(line)) {
      // With -an -sn -dn the one mapping line is the decoded video stream's.
      const map = /^\s+Stream #(0:\d+)\S* -> #0:0/.exec(line);
      if (map) this.mapped = this.streams.get(map[1]) ?? null;
      this.done = true;
      this.feedOutput(line);
      return;
    }
    const dur = /^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
    if (dur) {
      this.duration = Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]);
      return;
    }
    const stream = /^\s+Stream #(0:\d+)[^:]*: (\w+): ([\w-]+)?(.*)$/.exec(line);
    if (stream) {
      this.current = stream[2] === 'Video' && stream[3] ? this.readVideoStream(stream[1], stream[3], stream[4]) : null;
      return;
    }
    const rot = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(line);
    const s = this.current;
    if (rot && s) {
      this.current = null;
      if (Math.abs(Math.round(Number(rot[1]))) % 180 === 90) [s.width, s.height] = [s.height, s.width];
    }
  }

  private feedOutput(line: string): void {
    if (this.output) return;
    if (/^Output #0/.test(line)) {
      this.inOutput = true;
      return;
    }
    const stream = this.inOutput ? /^\s+Stream #0:\d+.*?: Video: .*?, (\d+)x(\d+)(?=[\s,[]|$)/.exec(line) : null;
    if (stream) this.output = { width: Number(stream[1]), height: Number(stream[2]) };
  }

  private readVideoStream(label: string, codec: string, rest: string): VideoStream | null {
    // ", 768x576" — the leading ", " keeps codec tags such as "(div3 / 0x33766964)" from matching.
    const size = /, (\d+)x(\d+)(?=[\s,[]|$)/.exec(rest);
    if (!size) return null;
    const rate = /, (\d+(?:\.\d+)?)(k?) fps/.exec(rest) ?? /, (\d+(?:\.\d+)?)(k?) tbr/.exec(rest);
    const stream: VideoStream = {
      codec,
      width: squareWidth(Number(size[1]), /\[SAR (\d+):(\d+) /.exec(rest)),
      height: Number(size[2]),
      fps: rate ? Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1) : null,
      // The field order in the pixel format's parentheses: "yuv420p(tv, top first)", "(bottom coded first (swapped))".
      interlaced: /\((?:[^()]*, )?(?:top|bottom) (?:coded )?first\b/.test(rest),
    };
    this.streams.set(label, stream);
    return stream;
  }

  /** The stream ffmpeg decodes: the mapped one, else (before the mapping, or without one) the first video stream. */
  private get video(): VideoStream | null {
    return this.mapped ?? this.streams.values().next().value ?? null;
  }

  get fps(): number | null {
    return this.video?.fps ?? null;
  }

  get info(): SourceInfo | null {
    const v = this.video;
    if (!v) return null;
    return { width: v.width, height: v.height, fps: v.fps, duration: this.duration, codec: v.codec, container: this.container, interlaced: v.interlaced };
  }
}

/**
 * Width of a stored width's pixels shown at their sample aspect ratio, rounded as ffmpeg's scale filter rounds
 * `iw*sar` (ffmpeg-args.ts). 0:1 (unknown) and ratios within SQUARE_ENOUGH of 1:1 leave it as stored.
 */
function squareWidth(stored: number, sar: RegExpExecArray | null): number {
  const [n, d] = sar ? [Number(sar[1]), Number(sar[2])] : [1, 1];
  return n > 0 && d > 0 && Math.abs(n / d - 1) > SQUARE_ENOUGH ? Math.round((stored * n) / d) : stored;
}

/** Keeps the last `max` non-empty lines of a text stream fed in arbitrary chunks (`\n` or `\r` ends a line). */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];

  /** `onLine` sees every line; one it returns false for is not kept (ffmpeg's per-frame lines would crowd out the rest). */
  constructor(
    private readonly max: number,
    private readonly onLine?: (line: string) => boolean | void,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.add(p);
  }

  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  private add(line: string): void {
    if (!line.trim()) return;
    if (this.onLine?.(line) === false) return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}
