import type { Detection, Direction } from '../vision/types.js';

export const PROTOCOL_VERSION = 1 as const;

/** Fields every event on the wire carries. `ts` is Unix epoch milliseconds when the event was written. */
export interface EventBase {
  v: typeof PROTOCOL_VERSION;
  task: string;
  ts: number;
}

export interface LineCount {
  name: string;
  in: number;
  out: number;
  /** With demographics on: this line's crossings (in and out) by gender and by age band. */
  gender?: GenderCounts;
  age_band?: AgeBandCounts;
}

export type Gender = 'male' | 'female';
export const AGE_BAND_NAMES = ['0-12', '13-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70+'] as const;
export type AgeBandName = (typeof AGE_BAND_NAMES)[number];
export type GenderCounts = { male: number; female: number; unknown: number };
export type AgeBandCounts = Record<AgeBandName | 'unknown', number>;

/** Gender and age of a crossing person (demographics on); all null with a `reason` when there is no estimate. */
export interface DemographicFields {
  gender: Gender | null;
  /** Probability of the gender given (0.5..1); null without an estimate. */
  gender_score: number | null;
  age: number | null;
  age_band: AgeBandName | null;
  /** Longest side of the largest face seen, source pixels (for `too_small`: the face that was too small). */
  face_px: number | null;
  /**
   * Why there is no estimate: no face seen, faces below min_face_px, still being analysed, or (a parent's
   * `demographics` event) never to come: the worker ended without settling it.
   */
  reason?: 'no_face' | 'too_small' | 'pending' | 'interrupted';
}

export interface HelloEvent extends EventBase {
  type: 'hello';
  protocol: number;
  source: string;
  live: boolean;
  model: { path: string; format: string; input_width: number; input_height: number };
  ffmpeg: { path: string; origin: string; version: string };
  width: number;
  height: number;
  fps: number | null;
  duration: number | null;
  lines: { name: string; points: [number, number, number, number] }[];
  /** The detector runs on every `skip_frames`-th frame; tracks are predicted on the others. */
  skip_frames: number;
  anchor: 'bottom' | 'center';
  /** Where the detector looks and at what scale, as first planned (a `crops` event tells each change). */
  crops: CropsInfo;
  /**
   * True when the worker writes `state` events (a file with `--emit-state`): then a report without one comes after a
   * frame no resume can start from, and is no checkpoint. Absent from an older worker.
   */
  states?: boolean;
}

/** A rectangle of the source frame in source pixels, seen by the model at `scale` model-input pixels per pixel. */
export interface CropRect {
  x: number;
  y: number;
  w: number;
  h: number;
  scale: number;
}

/** The crop plan: `regions` to look at, each cut into `tiles`, one model run each. */
export interface CropsInfo {
  /** The task's `detect_region`: `auto`, `full` or the rectangles given (fractions of the frame). */
  detect_region: 'auto' | 'full' | [number, number, number, number][];
  /** Person height in model-input pixels the scales aim the smaller people at. */
  target_height: number;
  /** `prior` until enough people were seen, then `people`: what the person heights come from. */
  heights_from: 'prior' | 'people';
  regions: CropRect[];
  tiles: (CropRect & { input_width: number; input_height: number })[];
}

/** The crop plan changed: learned person heights (`reason` people) or new lines. */
export interface CropsEvent extends EventBase, CropsInfo {
  type: 'crops';
  reason: 'people' | 'lines' | 'frame size';
}

export interface ProgressEvent extends EventBase {
  type: 'progress';
  frame: number;
  fps: number;
  in: number;
  out: number;
  occupancy: number;
  tracks: number;
  dropped: number;
  /** People found by the detector so far (all passes, after merging tiles); absent from older workers. */
  detections?: number;
  /** Seconds into the source (files), else null. */
  position: number | null;
  /** Seconds of the whole source (files), else null. */
  duration: number | null;
  lines: LineCount[];
  /** Mean ms from handing a frame to the detector until its detections came back, over the interval (absent without detections). */
  detect_ms?: number;
}

export interface CrossingEvent extends EventBase, Partial<DemographicFields> {
  type: 'crossing';
  /** 1, 2, 3, … over the crossings of one worker process: a reader stores each (task run, seq) exactly once. */
  seq: number;
  line: string;
  track: number;
  direction: Direction;
  frame: number;
  /** Seconds into the source of the frame where the crossing happened. */
  pts: number;
}

/** The estimate of a crossing written earlier with `reason: "pending"`, referring to it by `seq` (and line, track, frame). */
export interface DemographicsEvent extends EventBase, DemographicFields {
  type: 'demographics';
  seq: number;
  line: string;
  track: number;
  frame: number;
}

/** Least to most severe: a level lets through itself and those after it. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEvent extends EventBase {
  type: 'log';
  level: LogLevel;
  message: string;
}

export interface ErrorEvent extends EventBase {
  type: 'error';
  code: string;
  message: string;
  fatal: boolean;
}

export interface ReconnectEvent extends EventBase {
  type: 'reconnect';
  attempt: number;
  delay_ms: number;
  reason: string;
}

/** Why a worker ended: its source ran out, it was asked to stop (signal, stdin, closed stdout, --max-frames), or a fatal error. */
export type DoneReason = 'end' | 'stopped' | 'error';

export interface DoneEvent extends EventBase {
  type: 'done';
  reason: DoneReason;
  frames: number;
  wall_seconds: number;
  avg_fps: number;
  dropped: number;
  lines: LineCount[];
  in: number;
  out: number;
}

export interface DetectionsEvent extends EventBase {
  type: 'detections';
  frame: number;
  detections: Detection[];
}

/** Debug event (`worker --emit-tracks`): the confirmed tracks after each frame, for MOT metrics. */
export interface TracksEvent extends EventBase {
  type: 'tracks';
  frame: number;
  pts: number;
  tracks: { id: number; box: [number, number, number, number] }[];
}

/**
 * Files, with `worker --emit-state`: what the worker's counting depends on after `frame` (tracker, counter, crop
 * planner; see worker/resume-state.ts), written just before the `progress` event of that frame. The parent keeps it
 * with the checkpoint; `--start-state` takes it back. Not shown: not part of the results or the merged NDJSON.
 */
export interface StateEvent extends EventBase {
  type: 'state';
  frame: number;
  /**
   * The `seq` of the last crossing written before it (0: none): a run that continues from this state counts again
   * exactly the crossings written after it, whatever frame they are dated (a held change of side is dated where the
   * path met the line, before the frame that counted it). Absent from workers before it was added.
   */
  seq?: number;
  state: { version: number };
}

/** A counting line with its counts, as drawn on a preview. */
export interface PreviewLine extends LineCount {
  points: [number, number, number, number];
}

/** Only while the parent asked for them (`{"cmd":"preview","on":true}`): a downscaled picture of the latest frame. */
export interface PreviewEvent extends EventBase {
  type: 'preview';
  frame: number;
  pts: number;
  /** Size of the picture in `data`, which shows the whole source frame. */
  width: number;
  height: number;
  encoding: 'rgb24-base64';
  data: string;
  source_width: number;
  source_height: number;
  /** Confirmed tracks on that frame, boxes in source pixels. */
  tracks: { id: number; box: [number, number, number, number] }[];
  lines: PreviewLine[];
}

/** The lines a worker counts on from now on, written after it applied a `lines` command. */
export interface LinesEvent extends EventBase {
  type: 'lines';
  /** The first frame counted on these lines. */
  frame: number;
  lines: { name: string; points: [number, number, number, number] }[];
}

export type WorkerEvent =
  | HelloEvent
  | ProgressEvent
  | CrossingEvent
  | DemographicsEvent
  | LogEvent
  | ErrorEvent
  | ReconnectEvent
  | DoneEvent
  | DetectionsEvent
  | TracksEvent
  | StateEvent
  | PreviewEvent
  | LinesEvent
  | CropsEvent;

export type WorkerEventType = WorkerEvent['type'];

