import type { ArgumentsCamelCase, Argv } from 'yargs';
import { configFile, fleetName, integerAtLeast1, integerFrom, listenAddress, nonEmpty, oneOf, secondsFromStart, taskId, timeZone, writableFile } from '../config/values.js';
import { MAX_WORKER_COUNT } from '../config/defaults.js';
import { BUCKET_SIZES } from '../store/buckets.js';
import { REPORT_FORMATS } from '../store/report-format.js';
import { LOG_LEVELS } from '../protocol/events.js';
import { unusableSource } from '../sources/kind.js';
import { DEFAULT_LINE_POINTS, parseLines } from '../sources/lines.js';
import { MAX_THREADS } from '../worker/detector-lanes.js';
import { checked, checkedList, withTaskOptions } from './arguments.js';

/**
 * The options of each command, typed and checked (strict: an unknown option or a bad value stops every command with
 * exit status 2 before anything starts), and the argument types their handlers receive. The table that names the
 * commands and dispatches to them is src/cli.ts.
 */

const sourceText = (text: string) => {
  const why = unusableSource(text);
  if (why) throw new Error(why);
  return text;
};
const source = checked('source', sourceText);
/**
 * `run --source a.mp4 config.json`: yargs gives --source every value up to the next option, so the config would be
 * counted as a second video (ffmpeg cannot read JSON). A config is never a source: said as what it is.
 */
const runSource = checked('source', (text: string) => {
  if (/\.json$/i.test(text)) {
    throw new Error(`a .json file is a config, not a source (--source takes every value up to the next option); run a config on its own: pcount-tui run ${text}`);
  }
  return sourceText(text);
});
const sources = checkedList('source', (values) => values.map((v) => runSource(v)));
const lines = checkedList('line', parseLines, 'BAD_LINE');
/** Names to select by (report --task/--line): an empty one was looked up, "no task  in …", exit 1. */
const names = (flag: string) =>
  checkedList(flag, (values) => {
    if (values.some((v) => v.trim() === '')) throw new Error(`bad --${flag} '': expected a name, got nothing`);
    return values;
  });
/** `--line`'s help on every command that counts: the default it quotes is the one the code uses. */
const lineHelp = (scope = '') => `counting line x1,y1,x2,y2[,name] in fractions of the frame${scope}; repeatable (default ${DEFAULT_LINE_POINTS.join(',')})`;

/** The task options of the commands that only detect (detect, snapshot): the model and its settings. */
const DETECTOR_KEYS = ['model', 'model_format', 'input_size', 'confidence'] as const;
/** snapshot's: also an image sequence's frame rate, which times its frames for `--at`. */
const SNAPSHOT_KEYS = [...DETECTOR_KEYS, 'frame_rate'] as const;

/** Options of every command that runs the detector. */
const engineOptions = <T>(y: Argv<T>) =>
  y
    .option('threads', { requiresArg: true, describe: 'onnxruntime threads per worker (default: a fair share of the CPUs)', coerce: checked('threads', integerFrom(1, MAX_THREADS)) })
    .option('ffmpeg', { requiresArg: true, describe: 'ffmpeg binary (default: FFMPEG_PATH, ffmpeg-static, @ffmpeg-installer/ffmpeg, then PATH)', coerce: checked('ffmpeg', nonEmpty) });

export const runOptions = (y: Argv) =>
  withTaskOptions(
    engineOptions(y)
      .positional('config', { type: 'string', describe: 'config JSON file (default: ./pcount.json, else the last config run, after asking)', coerce: checked('<config>', configFile) })
      .option('source', { type: 'string', array: true, describe: 'a video file, image sequence, stream URL or /dev/videoN to count in; repeatable', coerce: sources })
      .option('line', { type: 'string', array: true, describe: lineHelp(', for --source tasks'), coerce: lines })
      .option('tui', { type: 'boolean', default: true, describe: 'show the dashboard; --no-tui prints NDJSON (also when stdout is not a terminal)' })
      .option('worker-count', { requiresArg: true, describe: `workers running at once, 1 to ${MAX_WORKER_COUNT} (overrides parallel_config.worker_count)`, coerce: checked('worker-count', integerFrom(1, MAX_WORKER_COUNT)) })
      .option('output', { requiresArg: true, describe: 'folder for results and logs (overrides parallel_config.result_output)', coerce: checked('output', nonEmpty) })
      .option('db', { requiresArg: true, describe: 'the SQLite store of counts (overrides parallel_config.store; default <result_output>/pcount.db)', coerce: checked('db', nonEmpty) })
      .option('redis', { requiresArg: true, describe: "fleet mode: control the fleet of this Redis, whose agents run the tasks (overrides parallel_config.redis; the password goes in PCOUNT_REDIS_PASSWORD)", coerce: checked('redis', nonEmpty) })
      .option('fleet', { requiresArg: true, describe: 'fleet mode: the fleet name, the prefix of its Redis keys (overrides parallel_config.fleet; default pcount)', coerce: checked('fleet', fleetName) })
      .option('metrics', { requiresArg: true, describe: 'serve Prometheus/OpenMetrics text at http://HOST:PORT/metrics (PORT alone: 127.0.0.1; overrides parallel_config.metrics)', coerce: checked('metrics', listenAddress) }),
  );

export const workerOptions = (y: Argv) =>
  withTaskOptions(
    engineOptions(y)
      .option('source', { type: 'string', demandOption: true, describe: 'a video file, image sequence, stream URL or /dev/videoN', coerce: source })
      .option('line', { type: 'string', array: true, describe: lineHelp(), coerce: lines })
      .option('task', { requiresArg: true, describe: 'task id written into every event (default: derived from the source)', coerce: checked('task', taskId) })
      .option('live', { type: 'boolean', describe: 'treat the source as live: newest frame first, reconnect when it stalls (default: from the source, see docs/protocol.md)' })
      .option('log-level', { requiresArg: true, describe: 'least level of the log events written: debug, info, warn or error (default info)', coerce: checked('log-level', oneOf(LOG_LEVELS)) })
      .option('max-frames', { requiresArg: true, describe: 'stop, and write done, after this many frames', coerce: checked('max-frames', integerAtLeast1) })
      .option('start-frame', { requiresArg: true, describe: 'files: count from this frame on (1-based), after a few seconds of warm-up before it (resume)', coerce: checked('start-frame', integerAtLeast1) })
      .option('start-state', { requiresArg: true, describe: 'with --start-frame N: the state event of frame N - 1 (a JSON file), to continue from exactly, without a warm-up', coerce: checked('start-state', nonEmpty) })
      .option('emit-state', { type: 'boolean', default: false, describe: 'files: write a state event (what --start-state takes) before each progress event' })
      .option('state-every-frame', { type: 'boolean', default: false, describe: 'with --emit-state: also write the state after every frame that has one (for bench:resume --every)' })
      .option('emit-tracks', { type: 'boolean', default: false, describe: 'write a tracks event after every frame (for benchmarks)' })
      .option('record-detections', { requiresArg: true, describe: 'developers: write what the tracker is given (boxes, scores, times; no pixels) to this file, for bench:count --mode replay', coerce: checked('record-detections', writableFile) })
      .option('min-face-px', { requiresArg: true, describe: 'demographics: smallest face side in source pixels that gets an estimate (default 32)', coerce: checked('min-face-px', integerFrom(8, 1024)) })
      .option('batch-size', { requiresArg: true, describe: 'demographics: faces analysed per batch (default 8)', coerce: checked('batch-size', integerFrom(1, 64)) })
      .option('batch-timeout-ms', { requiresArg: true, describe: 'demographics: a partial batch is analysed after this many ms (default 250)', coerce: checked('batch-timeout-ms', integerFrom(0, 60_000)) }),
  ).check((argv) => {
    // Without --demographics they change nothing: said, rather than quietly ignored (the parent passes them with it).
    const alone = ['min-face-px', 'batch-size', 'batch-timeout-ms'].find((flag) => argv[flag] !== undefined);
    if (alone && argv.demographics?.enabled !== true) throw new Error(`--${alone} applies only with --demographics`);
    return true;
  });

export const facesOptions = (y: Argv) =>
  y
    .positional('inputs', { type: 'string', array: true, describe: 'image files or folders of images' })
    .option('aligned', { type: 'boolean', default: false, describe: 'each image is one aligned face chip: no face detection' })
    .option('threads', { requiresArg: true, describe: 'onnxruntime threads (default 1)', coerce: checked('threads', integerFrom(1, MAX_THREADS)) })
    .option('ffmpeg', { requiresArg: true, describe: 'ffmpeg binary, which reads the images (default: as for the worker)', coerce: checked('ffmpeg', nonEmpty) })
    .check((argv) => {
      if (argv.inputs === undefined || argv.inputs.length === 0) throw new Error('missing the images (or folders) to look for faces in: pcount-tui faces <image-or-folder>…');
      // Was "not found: " and exit 1, as if an image named were missing.
      if (argv.inputs.some((i) => String(i).trim() === '')) throw new Error("bad <input> '': expected an image or a folder, got nothing");
      return true;
    });

export const detectOptions = (y: Argv) =>
  withTaskOptions(
    engineOptions(y)
      .positional('input', { type: 'string', describe: 'image or video file', coerce: checked('<input>', sourceText) })
      .option('every', { requiresArg: true, describe: 'process every Nth frame (default 1)', coerce: checked('every', integerAtLeast1) })
      .option('max-frames', { requiresArg: true, describe: 'stop after this many processed frames', coerce: checked('max-frames', integerAtLeast1) })
      .check((argv) => {
        if (argv.input === undefined) throw new Error('missing the image or video to detect people in: pcount-tui detect <image-or-video>');
        return true;
      }),
    DETECTOR_KEYS,
  );

export const snapshotOptions = (y: Argv) =>
  withTaskOptions(
    engineOptions(y)
      .positional('source', { type: 'string', describe: 'video, image, stream URL or device; or a config file (.json): one PNG per task', coerce: checked('<source>', sourceText) })
      .option('line', { type: 'string', array: true, describe: lineHelp(), coerce: lines })
      .option('at', { requiresArg: true, describe: 'the frame at this many seconds into the source', coerce: checked('at', secondsFromStart) })
      .option('frame', { requiresArg: true, describe: 'the frame with this number (the first frame is 1; default 1)', coerce: checked('frame', integerAtLeast1) })
      .option('output', { alias: 'o', requiresArg: true, describe: 'PNG file (default <task id>.png; - for standard output); for a config, the folder of the PNGs (default .)', coerce: checked('output', nonEmpty) })
      .check((argv) => {
        if (argv.source === undefined) throw new Error('missing the source to take a picture of: pcount-tui snapshot <source>');
        if (argv.at !== undefined && argv.frame !== undefined) throw new Error('give --at or --frame, not both');
        return true;
      }),
    SNAPSHOT_KEYS,
  );

export const validateOptions = (y: Argv) =>
  y.positional('file', { type: 'string', describe: 'the config JSON file to check', coerce: checked('<file>', configFile) }).check((argv) => {
    if (argv.file === undefined) throw new Error('missing the config file to check: pcount-tui validate <config.json>');
    return true;
  });

export const reportOptions = (y: Argv) =>
  y
    .positional('config', { type: 'string', describe: 'a config file: report on its store (default: ./pcount.json, else the last config run)', coerce: checked('<config>', configFile) })
    .option('db', { requiresArg: true, describe: 'the store file (instead of a config)', coerce: checked('db', nonEmpty) })
    .option('task', { type: 'string', array: true, describe: 'only these tasks; repeatable', coerce: names('task') })
    .option('line', { type: 'string', array: true, describe: 'only these lines; repeatable', coerce: names('line') })
    .option('bucket', { requiresArg: true, describe: 'bucket size, aligned to local midnight: 15m, 1h or 1d (default 1h)', coerce: checked('bucket', oneOf(BUCKET_SIZES)) })
    .option('since', { requiresArg: true, describe: 'from: 2025-03-30, 2025-03-30T04:00, an ISO time with offset, 24h (ago), today, yesterday', coerce: checked('since', nonEmpty) })
    .option('until', { requiresArg: true, describe: 'until (exclusive), same forms as --since', coerce: checked('until', nonEmpty) })
    .option('tz', { requiresArg: true, describe: 'time zone of the buckets, an IANA name such as Europe/Berlin (default: the system zone)', coerce: checked('tz', timeZone) })
    .option('format', { requiresArg: true, describe: 'table, csv or json (default table)', coerce: checked('format', oneOf(REPORT_FORMATS)) });

export const agentOptions = (y: Argv) =>
  y
    .option('redis', { requiresArg: true, demandOption: true, describe: 'redis://[user@]host:port/db or rediss:// (TLS); the password goes in PCOUNT_REDIS_PASSWORD', coerce: checked('redis', nonEmpty) })
    .option('slots', { requiresArg: true, describe: 'tasks run at once (default: the number of CPUs)', coerce: checked('slots', integerAtLeast1) })
    .option('name', { requiresArg: true, describe: 'agent name, unique in the fleet (default: the host name)', coerce: checked('name', nonEmpty) })
    .option('fleet', { requiresArg: true, describe: 'fleet name: the prefix of all its Redis keys (default pcount)', coerce: checked('fleet', fleetName) })
    .option('journal', { requiresArg: true, describe: 'folder for events not yet stored by the controller (default: ~/.local/state/pcount-tui/journal/<fleet>/<name>)', coerce: checked('journal', nonEmpty) })
    .option('journal-max-mb', { requiresArg: true, describe: 'bound of the journal in MiB (default 64)', coerce: checked('journal-max-mb', integerAtLeast1) })
    .option('keep-journal', { type: 'boolean', default: false, describe: 'audit: keep acknowledged journal segments in <journal>/acked/' })
    .option('log-level', { requiresArg: true, describe: "the workers' log level: debug, info, warn or error (default info)", coerce: checked('log-level', oneOf(LOG_LEVELS)) });

const MODEL_ACTIONS = ['list', 'build', 'verify'] as const;
export const modelsOptions = (y: Argv) =>
  y
    .positional('action', { type: 'string', describe: 'list: show the models and their state; build: convert them again; verify: check their checksums', coerce: checked('<action>', oneOf(MODEL_ACTIONS)) })
    .positional('name', { type: 'string', describe: 'one model (default: all)' })
    .check((argv) => {
      if (argv.action === undefined) throw new Error(`missing the action: pcount-tui models ${MODEL_ACTIONS.join('|')}`);
      return true;
    });

type ArgsOf<B> = B extends (y: Argv) => Argv<infer T> ? ArgumentsCamelCase<T> : never;
export type RunArgs = ArgsOf<typeof runOptions>;
export type WorkerArgs = ArgsOf<typeof workerOptions>;
export type DetectArgs = ArgsOf<typeof detectOptions> & { input: string };
export type SnapshotArgs = ArgsOf<typeof snapshotOptions> & { source: string };
export type ValidateArgs = ArgsOf<typeof validateOptions> & { file: string };
export type ReportArgs = ArgsOf<typeof reportOptions>;
export type AgentArgs = ArgsOf<typeof agentOptions>;
export type ModelsArgs = ArgsOf<typeof modelsOptions> & { action: (typeof MODEL_ACTIONS)[number] };
export type FacesArgs = ArgsOf<typeof facesOptions> & { inputs: string[] };
