/** Values used when the config file leaves them out. */

export const DEFAULT_WORKER_COUNT = 4;
/** The most workers at once, in a config (the schema's maximum) and on the command line alike. */
export const MAX_WORKER_COUNT = 64;
export const DEFAULT_SKIP_FRAMES = 1;
// The built-in detector's own default: the tracker's low-score pass needs detections from 0.3 up (see DEFAULT_TRACKER_CONFIG).
export const DEFAULT_CONFIDENCE = 0.3;
export const DEFAULT_RESULT_OUTPUT = 'results/';
/** The SQLite store's file name inside result_output. */
export const DEFAULT_STORE_NAME = 'pcount.db';
export const DEFAULT_LOG_LEVEL = 'INFO';
/** Fleet mode: the prefix of the fleet's Redis keys (`--fleet`). */
export const DEFAULT_FLEET = 'pcount';

/** Config files tried, in order, when the command line names none (after the last config run). */
export const DEFAULT_CONFIG_NAME = 'pcount.json';
