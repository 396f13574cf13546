import { closeSync, openSync, writeSync } from 'node:fs';
import type { AnchorMode } from '../vision/geometry.js';
import type { AppearanceSampler, PeopleCounterOptions, StepResult } from '../vision/people-counter.js';
import type { Detection, LineSpec } from '../vision/types.js';
import { newPeopleCounter, type CounterSource } from './counter-setup.js';
import { WorkerError } from './errors.js';

/**
 * `worker --record-detections FILE`: everything the worker's tracker and counter are given, so that bench:count can
 * replay a run in its own process and count exactly as the worker did, in seconds instead of minutes per clip.
 * NDJSON, one record a line. Numbers are written as JavaScript prints them, which reads back to the same doubles;
 * no pixels are written.
 */

/** The first line: how the counter was made. */
export interface RecordingHeader {
  recording: 1;
  source: CounterSource;
  lines: LineSpec[];
  anchor: AnchorMode;
}

/**
 * Then one line per counted frame, in order: a detection frame (`f` its number, `t` its time in seconds, `d` one
 * `[x, y, w, h, score]` per detection in source pixels), a frame where tracks are only predicted (`t` alone), or new
 * lines taking effect; last, `end` when counting ended (the source ended or the worker stopped: PeopleCounter.finish).
 */
export type RecordedStep =
  | { f: number; t: number; d: number[][] }
  | { t: number }
  | { lines: LineSpec[]; source: { width: number; height: number } }
  | { end: true };

/** Detections are written in batches: a line per frame is too many writes, a whole run too much memory. */
const FLUSH_CHARS = 64 * 1024;

export class DetectionRecording {
  private pending = '';

  private constructor(
    private readonly fd: number,
    readonly file: string,
  ) {}

  /** Opens (truncates) FILE; failing that, a usage error that names it. */
  static open(file: string): DetectionRecording {
    try {
      return new DetectionRecording(openSync(file, 'w'), file);
    } catch (err) {
      throw new WorkerError('BAD_ARGUMENT', `cannot write --record-detections ${file}: ${(err as Error).message}`);
    }
  }

  write(record: RecordingHeader | RecordedStep): void {
    this.pending += `${JSON.stringify(record)}\n`;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.pending);
    this.pending = '';
  }
}

/** A recording read back: detections as Detection objects, which a replay and an appearance cache share. */
export interface Recording {
  header: RecordingHeader;
  steps: (
    | { frame: number; pts: number; detections: Detection[] }
    | { pts: number }
    | { lines: LineSpec[]; source: { width: number; height: number } }
    | { end: true }
  )[];
}

/** `what` names the text in errors (a file name). */
export function readRecording(text: string, what: string): Recording {
  const rows = text.split('\n').filter((l) => l !== '');
  const header = rows.length > 0 ? (JSON.parse(rows[0]) as RecordingHeader) : null;
  if (header?.recording !== 1) throw new Error(`${what} is not a detection recording (pcount-tui worker --record-detections)`);
  const steps = rows.slice(1).map((row): Recording['steps'][number] => {
    const r = JSON.parse(row) as RecordedStep;
    if ('lines' in r || 'end' in r) return r;
    if (!('d' in r)) return { pts: r.t };
    return { frame: r.f, pts: r.t, detections: r.d.map(([x, y, w, h, score]) => ({ box: [x, y, w, h], score, label: 'person' })) };
  });
  return { header, steps };
}

/**
 * The worker's tracker and counter run over a recording, frame by frame. Frames where tracks are only predicted are
 * numbered on from the last detection frame (a file's frames are consecutive); the end of counting comes as a last
 * step on the last frame, without tracks. `appearance` is for experiments: the worker computes none.
 */
export function* replaySteps(
  rec: Recording,
  overrides: PeopleCounterOptions = {},
  appearance?: (frame: number) => AppearanceSampler | undefined,
): Generator<{ frame: number; pts: number; step: StepResult }> {
  const { lines, source, anchor } = rec.header;
  const counter = newPeopleCounter(lines, source, anchor, overrides);
  let frame = 0;
  let pts = 0;
  for (const s of rec.steps) {
    if ('lines' in s) {
      counter.setLines(s.lines, s.source);
    } else if ('end' in s) {
      yield { frame, pts, step: { tracks: [], crossings: counter.finish(), removed: [] } };
    } else if ('detections' in s) {
      frame = s.frame;
      pts = s.pts;
      yield { frame, pts: s.pts, step: counter.detections(s.detections, frame, s.pts, appearance?.(frame)) };
    } else {
      frame += 1;
      pts = s.pts;
      yield { frame, pts: s.pts, step: counter.predict(s.pts) };
    }
  }
}
