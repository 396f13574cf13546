import type { LineCount } from '../protocol/events.js';
import type { EventBody } from './emitter.js';

export interface ProgressSource {
  /** Frames processed so far. */
  frames(): number;
  dropped(): number;
  /** People found so far (after merging tiles), over all detection passes. */
  detections(): number;
  counts(): { lines: LineCount[]; in: number; out: number; occupancy: number };
  /** Mean detector latency in ms since the last call, null when nothing was detected. */
  detectMs?(): number | null;
  /** The counting state after `frame` (resume-state.ts), written just before the progress event; null: none. */
  state?(frame: number): { version: number } | null;
  /** Crossing events written so far (the last `seq`): a state written now comes after them in the counting order. */
  crossings(): number;
}

/**
 * Writes a `progress` event every `intervalMs` of wall time, whether frames flow or not: while a live source is
 * reconnecting the dashboard sees fps 0 instead of silence.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | null = null;
  private lastAt = performance.now();
  private framesAtLast = 0;
  private frame = 0;
  private pts = 0;
  private tracks = 0;

  constructor(
    private readonly src: ProgressSource,
    private readonly emit: (body: EventBody) => void,
    private readonly file: { duration: number | null } | null,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.report(), this.intervalMs);
  }

  /** The frame just processed, its time and the confirmed tracks visible on it. */
  frameDone(frame: number, pts: number, visibleTracks: number): void {
    this.frame = frame;
    this.pts = pts;
    this.tracks = visibleTracks;
  }

  /** Stops the timer and writes a last report when anything was processed since the previous one. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.src.frames() > this.framesAtLast) this.report();
  }

  /** A `state` event for the frame just processed, when the source gives one. */
  writeState(): void {
    const state = this.frame > 0 ? (this.src.state?.(this.frame) ?? null) : null;
    if (state) this.emit({ type: 'state', frame: this.frame, seq: this.src.crossings(), state });
  }

  report(): void {
    const now = performance.now();
    const frames = this.src.frames();
    const fps = (frames - this.framesAtLast) / Math.max(1e-3, (now - this.lastAt) / 1000);
    const c = this.src.counts();
    const detectMs = this.src.detectMs?.() ?? null;
    // Before the progress event that makes its frame a checkpoint: the parent keeps the two together.
    this.writeState();
    this.emit({
      type: 'progress',
      frame: this.frame,
      fps: Math.round(fps * 100) / 100,
      in: c.in,
      out: c.out,
      occupancy: c.occupancy,
      tracks: this.tracks,
      dropped: this.src.dropped(),
      detections: this.src.detections(),
      position: this.file ? Math.round(this.pts * 1000) / 1000 : null,
      duration: this.file ? this.file.duration : null,
      lines: c.lines,
      ...(detectMs === null ? {} : { detect_ms: Math.round(detectMs * 10) / 10 }),
    });
    this.lastAt = now;
    this.framesAtLast = frames;
  }
}
