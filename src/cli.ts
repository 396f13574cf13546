import yargs, { type Argv } from 'yargs';

/**
 * The command table. Each handler is imported lazily so that a worker child never loads Ink or React,
 * and the dashboard never loads onnxruntime.
 */

const modelOptions = (y: Argv) =>
  y
    .option('model', { type: 'string', describe: 'path to an ONNX model (default: the built-in centernet person detector)' })
    .option('model-format', { type: 'string', describe: 'how to decode --model: centernet, yolox or yolov8 (checked by the handler, which reports BAD_MODEL_FORMAT)' })
    .option('input-size', { type: 'string', describe: 'model input size WxH, e.g. 384x288 (multiples of 32)' })
    .option('confidence', { type: 'number', describe: 'minimum detection score (0..1)' })
    .option('threads', { type: 'number', describe: 'onnxruntime intra-op threads' })
    .option('ffmpeg', { type: 'string', describe: 'path to the ffmpeg binary (else FFMPEG_PATH, ffmpeg-static, @ffmpeg-installer/ffmpeg, PATH)' });

const runOptions = (y: Argv) =>
  y
    .positional('config', { type: 'string', describe: 'config JSON file (default: the last one run, then ./pcount.json)' })
    .option('source', { type: 'string', array: true, describe: 'ad-hoc task source (file, rtsp://, http(s)://, /dev/videoN); repeatable' })
    .option('line', { type: 'string', array: true, describe: 'counting line x1,y1,x2,y2[,name] in fractions of the frame; repeatable' })
    .option('tui', { type: 'boolean', default: true, describe: 'show the dashboard (--no-tui prints NDJSON; also when stdout is not a terminal)' })
    .option('worker-count', { type: 'number', describe: 'parallel workers (overrides parallel_config.worker_count)' })
    .option('skip-frames', { type: 'number', describe: 'run the detector every N frames (overrides the config)' })
    .option('confidence', { type: 'number', describe: 'minimum detection score (overrides the config)' })
    .option('output', { type: 'string', describe: 'result and log folder (overrides parallel_config.result_output)' });

async function dispatch(name: string, argv: Record<string, unknown>): Promise<number> {
  const mod = (await import(`./commands/${name}.js`)) as { run: (a: Record<string, unknown>) => Promise<number> };
  try {
    return await mod.run(argv);
  } catch (err) {
    // Handlers report expected problems themselves; this is the last guard against a bare stack trace.
    process.stderr.write(`pcount-tui ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.PCOUNT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

export async function main(args: string[]): Promise<number> {
  let code = 0;
  const handle = (name: string) => async (argv: Record<string, unknown>) => {
    code = await dispatch(name, argv);
  };
  await yargs(args)
    .scriptName('pcount-tui')
    .usage('$0 [config.json]  count people crossing lines in many videos and cameras at once')
    .command('$0 [config]', 'open the dashboard for a config (or print NDJSON when not a terminal)', runOptions, handle('run'))
    .command('run [config]', 'run a config or ad-hoc --source tasks', runOptions, handle('run'))
    .command(
      'worker',
      'count one source and print NDJSON events on stdout (what the dashboard spawns)',
      (y) =>
        modelOptions(y)
          .option('source', { type: 'string', demandOption: true, describe: 'file, rtsp://, http(s)://, /dev/videoN or image sequence' })
          .option('line', { type: 'string', array: true, describe: 'x1,y1,x2,y2[,name] in fractions of the frame; repeatable' })
          .option('skip-frames', { type: 'number', default: 1, describe: 'run the detector every N frames, predict tracks in between' })
          .option('anchor', { type: 'string', choices: ['bottom', 'center'], default: 'bottom', describe: 'box point that crosses the line' })
          .option('task', { type: 'string', describe: 'task id written into every event (default: derived from the source)' })
          .option('live', { type: 'boolean', describe: 'treat the source as live (default: guessed from the source)' })
          .option('stall-timeout', { type: 'number', default: 10, describe: 'seconds without a frame before a live source is restarted (and the open time-out)' })
          .option('log-level', { type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info' })
          .option('max-frames', { type: 'number', describe: 'stop (and write done) after this many frames' })
          .option('emit-tracks', { type: 'boolean', default: false, describe: 'debug: write a tracks event after every frame' }),
      handle('worker'),
    )
    .command(
      'agent',
      'run fleet tasks on this host: take them from Redis, run each as a worker, send their events back',
      (y) =>
        y
          .option('redis', { type: 'string', demandOption: true, describe: 'redis://[user@]host:port/db or rediss:// (TLS); the password goes in PCOUNT_REDIS_PASSWORD' })
          .option('slots', { type: 'number', describe: 'tasks run at once (default: the number of CPUs)' })
          .option('name', { type: 'string', describe: 'agent name, unique in the fleet (default: the host name)' })
          .option('fleet', { type: 'string', default: 'pcount', describe: 'fleet name: the prefix of all its Redis keys' })
          .option('journal', { type: 'string', describe: 'folder for events not yet stored by the controller (default: ~/.local/state/pcount-tui/journal/<fleet>/<name>)' })
          .option('journal-max-mb', { type: 'number', describe: 'bound of the journal in MiB (default 64)' })
          .option('keep-journal', { type: 'boolean', default: false, describe: 'audit: keep acknowledged journal segments in <journal>/acked/' })
          .option('log-level', { type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info', describe: "the workers' log level" }),
      handle('agent'),
    )
    .command(
      'detect <input>',
      'detect people in an image or video and print one NDJSON line per processed frame',
      (y) =>
        modelOptions(y)
          .positional('input', { type: 'string', demandOption: true, describe: 'image or video file' })
          .option('every', { type: 'number', default: 1, describe: 'process every Nth frame' })
          .option('max-frames', { type: 'number', describe: 'stop after this many processed frames' }),
      handle('detect'),
    )
    .command(
      'validate <file>',
      'check a config file and print every problem with its JSON path',
      (y) => y.positional('file', { type: 'string', demandOption: true }),
      handle('validate'),
    )
    .command(
      'models <action> [name]',
      'list, build or verify the built-in ONNX models',
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['list', 'build', 'verify'], demandOption: true })
          .positional('name', { type: 'string', describe: 'one model (default: all)' }),
      handle('models'),
    )
    .strict()
    .help()
    .version()
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`pcount-tui: ${msg}\n\n`);
      y.showHelp((s) => process.stderr.write(`${s}\n`));
      code = 2;
    })
    .parseAsync();
  return code;
}
