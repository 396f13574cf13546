/**
 * Reads what ffmpeg's stderr says about the input before the first frame: the `Input #0` block with its
 * `Duration:` line and `Stream #0:N: Video:` line. Fed line by line; `done` turns true at the first line that
 * belongs to the output side (`Stream mapping:` / `Output #0`), after which the input facts are final.
 */

export interface SourceInfo {
  /** Frame size of the source (after ffmpeg's autorotation), in pixels. */
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
}

export class HeaderParser {
  private inInput = false;
  private sawVideo = false;
  private rotation = 0;
  container: string | null = null;
  duration: number | null = null;
  width = 0;
  height = 0;
  fps: number | null = null;
  codec: string | null = null;
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
    if (/^(Output #0|Stream mapping:)/.test(line.trimStart()) && this.inInput) {
      this.done = true;
      this.feedOutput(line);
      return;
    }
    if (!this.inInput) return;
    const dur = /^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
    if (dur) {
      this.duration = Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]);
      return;
    }
    if (!this.sawVideo) {
      const stream = /^\s+Stream #0:\d+.*?: Video: ([\w-]+)(.*)$/.exec(line);
      if (stream) this.readVideoStream(stream[1], stream[2]);
      return;
    }
    const rot = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(line);
    if (rot && this.rotation === 0) {
      this.rotation = Math.round(Number(rot[1]));
      if (Math.abs(this.rotation) % 180 === 90) [this.width, this.height] = [this.height, this.width];
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

  private readVideoStream(codec: string, rest: string): void {
    // ", 768x576" — the leading ", " keeps codec tags such as "(div3 / 0x33766964)" from matching.
    const size = /, (\d+)x(\d+)(?=[\s,[]|$)/.exec(rest);
    if (!size) return;
    this.sawVideo = true;
    this.codec = codec;
    this.width = Number(size[1]);
    this.height = Number(size[2]);
    const rate = /, (\d+(?:\.\d+)?)(k?) fps/.exec(rest) ?? /, (\d+(?:\.\d+)?)(k?) tbr/.exec(rest);
    if (rate) this.fps = Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1);
  }

  get info(): SourceInfo | null {
    if (!this.sawVideo) return null;
    return {
      width: this.width,
      height: this.height,
      fps: this.fps,
      duration: this.duration,
      codec: this.codec,
      container: this.container,
    };
  }
}

/** Keeps the last `max` non-empty lines of a text stream fed in arbitrary chunks (`\n` or `\r` ends a line). */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];

  constructor(
    private readonly max: number,
    private readonly onLine?: (line: string) => void,
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
    this.onLine?.(line);
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}
