import { spawn, type ChildProcess } from 'node:child_process';
import { deferred } from '../common/deferred.js';
import { killOnExit, terminate } from '../common/terminate.js';
import { redactSource, redactText, sourceSecrets } from '../sources/credentials.js';
import { yuv420Size } from '../vision/resample.js';
import { DEFAULT_OPEN_TIMEOUT_MS, ffmpegArgs, isNative, seekOf, type FrameReaderOptions } from './ffmpeg-args.js';
import { damageReport, failureReason, FrameReaderError, openFailureCode, type FrameReaderErrorCode } from './ffmpeg-errors.js';
import { HeaderParser, LineTail, type SourceInfo } from './ffmpeg-header.js';
import { ffmpegInput } from './ffmpeg-input.js';
import { FrameChunks } from './frame-chunks.js';
import type { FramePool } from './frame-pool.js';
import { FrameTiming } from './frame-timing.js';

/**
 * Raw frames from ffmpeg, read in exact frame-sized pieces.
 *
 *   const reader = openFrames({ ffmpeg: bin.path, ffmpegVersion: bin.version, input, output: { width: 384, height: 288 } });
 *   const info = await reader.info();          // source width/height/fps/duration, before the first frame
 *   for await (const f of reader) { ... }      // f = { index, ptsSeconds, width, height, data: rgb24 bytes }
 *   reader.close();                            // kills ffmpeg; iteration then ends quietly
 *
 * - ffmpeg scales (and pads, when `output` says so) to the output size, converts to rgb24 and writes to stdout.
 * - `index` is the 0-based decoded-frame index in the source: frames pass through without being duplicated or dropped
 *   (`-fps_mode`/`-vsync passthrough`), `every: N` keeps decoded frames 0, N, 2N, … and `startSeconds` offsets the
 *   indices: by the first frame's own time × fps (`frameTimes`: a seek can land after the point asked for), else by
 *   round(start × fps).
 * - Backpressure: stdout is paused while more than `bufferFrames` frames wait for the consumer, so ffmpeg blocks.
 *   A live-source layer that wants to stay current can look at `bufferedFrames` and skip.
 * - Waiting is bounded: no header + first frame within `openTimeoutMs` kills ffmpeg with a SOURCE_TIMEOUT error.
 *   Every error is a FrameReaderError carrying ffmpeg's last stderr lines.
 */

export interface RawFrame {
  index: number;
  ptsSeconds: number;
  /** ffmpeg's own time for the frame (`frameTimes`), seconds after the video's first frame; null when it did not say. */
  ownSeconds: number | null;
  width: number;
  height: number;
  /** Packed rgb24, exactly width × height × 3 bytes; planar yuv420p for native output (`yuv420Size`). */
  data: Uint8Array;
}

/**
 * `pool`: frames are copied into buffers of this pool (held once for the consumer, who releases them when done)
 * instead of being views of ffmpeg's chunks or fresh copies.
 */
export type FrameReaderSettings = FrameReaderOptions & { pool?: FramePool };

export class FrameReader implements AsyncIterable<RawFrame> {
  readonly args: string[];
  private readonly child: ChildProcess;
  /** Bytes of one frame; 0 until ffmpeg's output header gives the size of native frames. */
  private frameSize = 0;
  private frameWidth = 0;
  private frameHeight = 0;
  private highWater = Infinity;
  private readonly bufferFrames: number;
  private readonly header = new HeaderParser();
  private readonly tail: LineTail;
  private readonly pending = new FrameChunks();
  private readonly timing: FrameTiming;
  private lastDamage: string | null = null;
  private pausedOutput = false;
  private ended = false;
  private closing = false;
  private failure: FrameReaderError | null = null;
  private wake: (() => void) | null = null;
  private openTimer: NodeJS.Timeout | null;
  /** The frame peek() took, which next() hands out; undefined when none waits. */
  private peeked: RawFrame | null | undefined;
  private readonly infoKnown = deferred<SourceInfo>(true);
  private readonly sizeKnown = deferred<{ width: number; height: number }>(true);
  /** The input as messages may name it, and what else to hide in ffmpeg's lines: the source's password. */
  private readonly shownInput: string;
  private readonly secrets: string[];
  private readonly exit = deferred<{ code: number | null; signal: NodeJS.Signals | null }>();
  /** Resolves once ffmpeg has exited and its pipes are closed. */
  readonly exited = this.exit.promise;

  constructor(private readonly opts: FrameReaderSettings) {
    this.bufferFrames = Math.max(1, opts.bufferFrames ?? 2);
    this.tail = new LineTail(opts.stderrLines ?? 20, (line) => this.onStderrLine(line));
    if (!isNative(opts.output)) this.setFrameSize(opts.output.width, opts.output.height, opts.output.width * opts.output.height * 3);
    this.args = ffmpegArgs(opts);
    const { startSeconds, videoStart, frameTimes } = opts;
    this.timing = new FrameTiming({ every: Math.max(1, Math.floor(opts.every ?? 1)), seek: seekOf(opts), startSeconds, videoStart, frameTimes });
    this.shownInput = redactSource(opts.input);
    this.secrets = sourceSecrets(opts.input);

    const list = ffmpegInput(opts.input, [], []).stdin;
    this.child = spawn(opts.ffmpeg, this.args, { stdio: [list === null ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
    if (list !== null) {
      // ffmpeg may exit before reading it (a bad binary): the lost write is not an error of its own.
      this.child.stdin!.on('error', () => {});
      this.child.stdin!.end(list);
    }
    killOnExit(this.child, false);
    const timeoutMs = opts.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    this.openTimer = setTimeout(() => {
      this.fail('SOURCE_TIMEOUT', `no frame from ${this.shownInput} within ${(timeoutMs / 1000).toFixed(1)} s`);
      this.kill();
    }, timeoutMs);

    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => this.tail.push(s));
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.on('error', (err) => this.fail('FFMPEG_NOT_FOUND', `cannot run ffmpeg (${opts.ffmpeg}): ${err.message}`));
    this.child.on('close', (code, signal) => this.onClose(code, signal));
  }

  /** Source facts from ffmpeg's header; rejects when ffmpeg fails or times out before printing them. */
  info(): Promise<SourceInfo> {
    return this.infoKnown.promise;
  }

  /** Size of the frames handed out (native frames: once ffmpeg's output header says it). */
  frameSizeKnown(): Promise<{ width: number; height: number }> {
    return this.sizeKnown.promise;
  }

  /** ffmpeg's last stderr lines, with the source's password hidden. */
  stderrTail(): string[] {
    return this.tail.lines.map((line) => redactText(line, this.secrets));
  }

  /** ffmpeg's last line about damaged or missing data (a cut file, corrupt packets), or null when it said none. */
  get damage(): string | null {
    return this.lastDamage === null ? null : redactText(this.lastDamage, this.secrets);
  }

  /** Complete frames read from ffmpeg and not yet handed out. */
  get bufferedFrames(): number {
    return this.frameSize ? Math.floor(this.pending.length / this.frameSize) : 0;
  }

  private setFrameSize(width: number, height: number, bytes: number): void {
    this.frameWidth = width;
    this.frameHeight = height;
    this.frameSize = bytes;
    this.highWater = bytes * this.bufferFrames;
    this.sizeKnown.resolve({ width, height });
  }

  /**
   * Whether frames may be handed out: ffmpeg prints its header before its first frame, but Node may deliver stdout
   * before stderr, and a frame's time needs the header's frame rate. Waiting ends with the header, with ffmpeg's exit,
   * or once frames pile up (an ffmpeg that never prints the header must not stall the source).
   */
  private get headerSettled(): boolean {
    return this.header.done || this.ended || this.pausedOutput || this.bufferedFrames >= 2;
  }

  /**
   * Whether the next frame's own time is in (`frameTimes`): ffmpeg prints it before writing the frame, but the two
   * pipes are read independently. Frames piling up past the buffer end the wait (the grid time is used then).
   */
  private get timeSettled(): boolean {
    return this.timing.nextTimeKnown || this.ended || this.pausedOutput;
  }

  /** Whether a whole frame waits (false while the size of native frames is not known yet). */
  private get frameReady(): boolean {
    return this.frameSize > 0 && this.pending.length >= this.frameSize;
  }

  /** True while ffmpeg's output is not read because `bufferFrames` frames wait for the consumer. */
  get paused(): boolean {
    return this.pausedOutput;
  }

  /** The next frame, or null at the end of the input (or after close()). Throws FrameReaderError on failure. */
  async next(): Promise<RawFrame | null> {
    if (this.peeked !== undefined) {
      const f = this.peeked;
      this.peeked = undefined;
      return f;
    }
    for (;;) {
      if (this.frameReady && !this.closing && this.headerSettled && this.timeSettled) return this.takeFrame();
      if (this.failure) throw this.failure;
      if (this.ended || this.closing) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The next frame, left for next() to hand out. */
  async peek(): Promise<RawFrame | null> {
    if (this.peeked === undefined) this.peeked = await this.next();
    return this.peeked;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawFrame> {
    try {
      for (let f = await this.next(); f; f = await this.next()) yield f;
    } finally {
      this.close();
    }
  }

  /** Stops ffmpeg; pending and later next() calls return null. Safe to call more than once. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.kill();
    this.notify();
  }

  private kill(): void {
    // A network input can ignore SIGTERM while blocked in a connect.
    terminate(this.child, { ask: 'SIGTERM', forceAfterMs: 2000, group: false });
  }

  private onStderrLine(line: string): boolean {
    const shown = /^\[Parsed_showinfo_\d+ @ [^\]]*\] (?:n: *(\d+) .*?pts_time:(\S+))?/.exec(line);
    if (shown) {
      if (shown[1] !== undefined) {
        this.timing.heard(Number(shown[1]), Number(shown[2]));
        this.notify();
      }
      return false;
    }
    this.lastDamage = damageReport([line]) ?? this.lastDamage;
    const wasDone = this.header.done;
    if (wasDone && (this.frameSize || !isNative(this.opts.output))) return true;
    this.header.feed(line);
    if (!wasDone && this.header.done) {
      this.publishInfo();
      this.notify();
    }
    const out = this.header.output;
    if (!this.frameSize && out && isNative(this.opts.output)) {
      this.setFrameSize(out.width, out.height, yuv420Size(out.width, out.height));
      this.onData(null);
    }
    return true;
  }

  private publishInfo(): void {
    const info = this.header.info;
    if (!info) return;
    this.timing.rateKnown(info.fps);
    this.infoKnown.resolve(info);
  }

  /** A chunk of stdout, or null when the frame size has just become known. */
  private onData(chunk: Buffer | null): void {
    if (this.closing) return;
    if (chunk) this.pending.push(chunk);
    if (this.frameReady && this.openTimer) {
      clearTimeout(this.openTimer);
      this.openTimer = null;
      this.timing.firstFrame(performance.now());
      if (!this.header.done) this.publishInfo();
    }
    if (this.pending.length >= this.highWater && !this.pausedOutput) {
      this.pausedOutput = true;
      this.child.stdout!.pause();
    }
    this.notify();
  }

  private takeFrame(): RawFrame {
    const data = this.pending.take(this.frameSize, this.opts.pool?.acquire(this.frameSize));
    if (this.pausedOutput && this.pending.length < this.highWater) {
      this.pausedOutput = false;
      this.child.stdout!.resume();
    }
    return { ...this.timing.stamp(this.header.fps, performance.now()), width: this.frameWidth, height: this.frameHeight, data };
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.tail.flush();
    if (this.openTimer) clearTimeout(this.openTimer);
    this.openTimer = null;
    this.ended = true;
    if (!this.closing && !this.failure && code !== 0) {
      const reason = failureReason(this.stderrTail(), this.args[this.args.indexOf('-i') + 1]) ?? `exit ${code ?? signal}`;
      if (this.timing.stamped === 0 && !this.frameReady) {
        this.fail(openFailureCode(this.opts.input, this.tail.lines), `ffmpeg could not read ${this.shownInput}: ${reason}`, code);
      } else {
        this.fail('FFMPEG_FAILED', `ffmpeg stopped reading ${this.shownInput} (exit ${code ?? signal}): ${reason}`, code);
      }
    } else if (!this.closing && !this.failure && this.timing.stamped === 0 && !this.frameReady && !this.opts.startSeconds) {
      // After a seek, a clean exit without a frame means the seek point is past the last frame: the input ended, and
      // the caller, who knows what it asked for, says so (the file itself was read without a complaint).
      this.fail('SOURCE_UNREADABLE', `ffmpeg decoded no video frame from ${this.shownInput}`, code);
    }
    const none = this.failure ?? new FrameReaderError('SOURCE_UNREADABLE', `ffmpeg found no video stream in ${this.shownInput}`, this.stderrTail(), code);
    this.infoKnown.reject(none);
    this.sizeKnown.reject(none);
    this.notify();
    this.exit.resolve({ code, signal });
  }

  private fail(code: FrameReaderErrorCode, message: string, exitCode: number | null = null): void {
    if (this.failure) return;
    this.failure = new FrameReaderError(code, message, this.stderrTail(), exitCode);
    this.infoKnown.reject(this.failure);
    this.sizeKnown.reject(this.failure);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export function openFrames(opts: FrameReaderSettings): FrameReader {
  return new FrameReader(opts);
}
