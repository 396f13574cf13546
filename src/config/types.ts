import type { DetectRegionSetting } from '../vision/detect-region.js';

/** The config file as written (see config/pcount.schema.json). */

/** A counting line: x1, y1, x2, y2 as fractions of the frame width and height. */
export interface LineConfig {
  name: string;
  points: [number, number, number, number];
}

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'WARNING' | 'ERROR' | 'debug' | 'info' | 'warn' | 'warning' | 'error';

export interface TaskOverrides {
  skip_frames?: number;
  confidence?: number;
  model?: string;
  model_format?: 'centernet' | 'yolox' | 'yolov8';
  input_size?: string;
  anchor?: 'bottom' | 'center';
  stall_timeout?: number;
  /** Frames per second of an image sequence (which has none of its own: ffmpeg reads it at 25); other sources ignore it. */
  frame_rate?: number;
  /** Where the detector looks: bands around the lines, the whole frame, or rectangles [x, y, w, h] in fractions. */
  detect_region?: DetectRegionSetting;
  demographics?: Partial<DemographicsSettings>;
}

/** The `demographics` key (per task, or a default in parallel_config). */
export interface DemographicsSettings {
  enabled: boolean;
  min_face_px: number;
  batch_size: number;
  batch_timeout_ms: number;
}

/** How the parent keeps a task's occupancy (not the worker's business: the store applies them). */
export interface OccupancyRules {
  /** "HH:MM" local time at which occupancy goes back to zero every day. */
  occupancy_reset?: string;
  /** Occupancy never goes below this. */
  occupancy_floor?: number;
}

export interface TaskConfig extends TaskOverrides, OccupancyRules {
  id: string;
  source: string;
  lines: LineConfig[];
}

export interface ParallelConfig extends TaskOverrides, OccupancyRules {
  worker_count?: number;
  result_output?: string;
  log_level?: LogLevelName;
  /** The SQLite store (default `<result_output>/pcount.db`), relative to the config file. */
  store?: string;
  /** Fleet mode: the Redis whose agents run the tasks. */
  redis?: string;
  /** Fleet mode: the fleet's name (default `pcount`). */
  fleet?: string;
  /** `PORT` or `HOST:PORT` of the /metrics endpoint; a bare port may be a number. */
  metrics?: string | number;
}

export interface PcountConfig {
  $schema?: string;
  parallel_config?: ParallelConfig;
  cameras?: TaskConfig[];
  videos?: TaskConfig[];
}

/** One problem found in a config: where (JSONPath such as `$.videos[0].lines[1].points[2]`), what, and the value found. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** The offending value; undefined when there is none to show (a missing property, a file that cannot be read). */
  value: unknown;
  /** Set when the problem is a required property that is absent. */
  missing?: true;
}

/** Everything the orchestrator needs to run one task, with defaults and overrides applied and paths resolved. */
export interface TaskSpec {
  id: string;
  kind: 'camera' | 'video';
  /** Absolute path for files; URLs and devices unchanged. */
  source: string;
  lines: LineConfig[];
  /**
   * The task options (see TASK_OPTIONS) from the command line, else the task, else `parallel_config`; `skip_frames`
   * and `confidence` always set, `model` an absolute path. Unset ones take the worker's defaults.
   */
  options: TaskOverrides & { skip_frames: number; confidence: number };
  occupancyReset?: string;
  occupancyFloor?: number;
}

export type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunConfig {
  /** Absolute path of the config file, or null for ad-hoc tasks. */
  configPath: string | null;
  workerCount: number;
  /** Absolute folder for exports and log files. */
  resultOutput: string;
  logLevel: WorkerLogLevel;
  tasks: TaskSpec[];
  /** Absolute path of the SQLite store. */
  storePath: string;
  /** Fleet mode: the Redis URL and the fleet's name; null runs local workers. */
  fleet: { redis: string; name: string } | null;
  /** Where to serve /metrics, or null for nowhere. */
  metrics: string | null;
}
