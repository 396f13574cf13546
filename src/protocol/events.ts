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
  /** Seconds into the source (files), else null. */
  position: number | null;
  /** Seconds of the whole source (files), else null. */
  duration: number | null;
  lines: LineCount[];
}

export interface CrossingEvent extends EventBase {
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

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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

export type WorkerEvent =
  | HelloEvent
  | ProgressEvent
  | CrossingEvent
  | LogEvent
  | ErrorEvent
  | ReconnectEvent
  | DoneEvent
  | DetectionsEvent
  | TracksEvent;

export type WorkerEventType = WorkerEvent['type'];

/** Commands the parent writes to a worker's stdin, one JSON object per line. */
export type WorkerCommand = { cmd: 'stop' };
