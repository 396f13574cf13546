import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { flagOf, PARENT_TASK_KEYS, TASK_OPTION_KEYS } from '../src/config/task-options.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { WorkerEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { fakeTask, fakeWorker, until } from './pool-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repo, 'bin/pcount-tui.js');
const clip = path.join(repo, 'test/fixtures/footage/vtest-480.avi');
const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-cli-'));
const prefs = mkdtempSync(path.join(tmpdir(), 'pcount-cli-prefs-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: tmp, timeout: timeoutMs, env: { ...process.env, PCOUNT_CONFIG_DIR: prefs } }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A bad command line: exit 2, one short message naming what is wrong, nothing on stdout, no stack trace. */
function assertUsage(r: Run, message: RegExp, command: string): void {
  assert.equal(r.code, 2, `${command}: ${r.stderr}`);
  assert.equal(r.stdout, '', command);
  assert.match(r.stderr, message, command);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.stderr.split('\n').length <= 3, `a short message, not the usage: ${r.stderr}`);
}

/** The worker's stdout is its protocol even for a bad command line: exactly one fatal error event with the code. */
function assertWorkerUsage(r: Run, code: string, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const event = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.ok(validateEvent(event).ok, lines[0]);
  assert.deepEqual([event.type, event.code, event.fatal], ['error', code, true]);
  assert.match(String(event.message), message);
  assert.match(r.stderr, new RegExp(`^pcount-tui worker: ${code}: `));
}

const config = path.join(tmp, 'one.json');
writeFileSync(config, JSON.stringify({ videos: [{ id: 'v', source: clip, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }] }] }));

describe('unknown options stop every command before anything starts', () => {
  it('run, the default command and the worker: the typo of issue 9 neither counts nor writes anything', async () => {
    const out = path.join(tmp, 'typo-results');
    for (const args of [['run'], []]) {
      const r = await cli([...args, '--source', clip, '--lines', '0,0.5,1,0.5', '--no-tui', '--output', out]);
      assertUsage(r, /unknown option --lines '0,0\.5,1,0\.5' \(did you mean --line\?\)/, args.join(' ') || 'default');
    }
    assert.equal(existsSync(out), false, 'no result folder: no task ran');
    const w = await cli(['worker', '--source', clip, '--task', 'cam', '--lines', '0,0.5,1,0.5']);
    assertWorkerUsage(w, 'BAD_ARGUMENT', /unknown option --lines '0,0\.5,1,0\.5' \(did you mean --line\?\)/);
    assert.equal((JSON.parse(w.stdout) as { task: string }).task, 'cam');
  });

  it('detect, snapshot, validate and models', async () => {
    const cases: [string[], RegExp][] = [
      [['detect', clip, '--evry', '5'], /unknown option --evry '5' \(did you mean --every\?\)/],
      [['validate', config, '--strict'], /unknown option --strict/],
      [['models', 'list', '--al'], /unknown option --al/],
      [['snapshot', clip, '--fram', '2'], /unknown option --fram '2' \(did you mean --frame\?\)/],
      [['run', config, 'extra.json', '--no-tui'], /unexpected argument 'extra\.json'/],
      [['wroker', '--source', clip], /'wroker' is neither a command \(run, worker, agent, detect, snapshot, faces, report, validate, models\) nor a config file/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    runs.forEach((r, i) => assertUsage(r, cases[i][1], cases[i][0].join(' ')));
  });
});

describe('standard output that cannot be written is said, exit 1', () => {
  it('> /dev/full: one line on stderr and exit 1, not an uncaught ENOSPC stack trace; the run stops its workers', async () => {
    const out = path.join(tmp, 'full-results');
    for (const args of [['run', '--source', clip, '--no-tui', '--output', out], ['validate', config], ['--help']]) {
      const r = await new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { cwd: tmp, env: { ...process.env, PCOUNT_CONFIG_DIR: prefs }, stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
      });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /pcount-tui: cannot write to standard output \(ENOSPC: no space left on device, write\): the output is incomplete\n/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

describe('malformed values name the option and the value, exit 2', () => {
  it('run checks every value before it starts', async () => {
    const cases: [string[], RegExp][] = [
      [['--skip-frames', '0'], /bad --skip-frames '0': expected a whole number from 1 to 1000/],
      [['--skip-frames', '2', '--skip-frames', '3'], /bad --skip-frames '2 3': given 2 times/],
      [['--skip-frames'], /--skip-frames needs a value/],
      [['--confidence', '1.5'], /bad --confidence '1\.5': expected a number greater than 0 and at most 1/],
      [['--input-size', '300x200'], /bad --input-size '300x200': expected WxH with both sides multiples of 32/],
      [['--model-format', 'ssd'], /bad --model-format 'ssd': unknown model format "ssd"/],
      [['--anchor', 'top'], /bad --anchor 'top': expected one of bottom, center/],
      [['--detect-region', '0,0,2,2'], /bad --detect-region '0,0,2,2': rectangle '0,0,2,2' reaches outside the frame/],
      [['--stall-timeout', '0'], /bad --stall-timeout '0': expected seconds/],
      [['--threads', 'two'], /bad --threads 'two': expected a whole number from 1 to 64/],
      [['--threads', '1000'], /bad --threads '1000': expected a whole number from 1 to 64/],
      [['--line'], /--line needs a value/],
      [['--worker-count', '0'], /bad --worker-count '0'/],
      [['--line', '0.5,0,0.5'], /bad --line '0\.5,0,0\.5': expected x1,y1,x2,y2\[,name\]/],
      [['--line', '0,0,1,1,a', '--line', '1,0,0,1,a'], /the name 'a' is used twice/],
      [['--metrics', 'nine'], /bad --metrics 'nine': expected PORT or HOST:PORT/],
      [['--metrics', '127.0.0.1:70000'], /bad --metrics '127\.0\.0\.1:70000': expected PORT or HOST:PORT/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(['run', '--source', clip, '--no-tui', ...args])));
    runs.forEach((r, i) => assertUsage(r, cases[i][1], cases[i][0].join(' ')));
    assertUsage(await cli(['run', '--source=-', '--no-tui']), /bad --source '-': '-' is a pipe/, '--source -');
    // A binary that cannot run is something the command line names, not a malformed value: exit 1, as FFMPEG_NOT_FOUND
    // is for the worker, detect and snapshot.
    const ffmpeg = await cli(['run', config, '--ffmpeg', path.join(tmp, 'no-ffmpeg'), '--no-tui']);
    assert.equal(ffmpeg.code, 1, ffmpeg.stderr);
    assert.equal(ffmpeg.stdout, '');
    assert.match(ffmpeg.stderr, /bad --ffmpeg '.*no-ffmpeg'/);
  });

  it('the worker reports each with its protocol error code', async () => {
    const cases: [string[], string, RegExp][] = [
      [['--line', '0.5,0,0.5'], 'BAD_LINE', /bad --line '0\.5,0,0\.5'/],
      [['--input-size', 'big'], 'BAD_INPUT_SIZE', /bad --input-size 'big'/],
      [['--model-format', 'ssd'], 'BAD_MODEL_FORMAT', /unknown model format "ssd"/],
      [['--detect-region', 'everywhere'], 'BAD_DETECT_REGION', /bad --detect-region 'everywhere': 'everywhere' is not x,y,w,h/],
      [['--skip-frames', '1.5'], 'BAD_ARGUMENT', /bad --skip-frames '1\.5'/],
      [['--stall-timeout', 'soon'], 'BAD_ARGUMENT', /bad --stall-timeout 'soon'/],
      [['--max-frames', '-3'], 'BAD_ARGUMENT', /--max-frames/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(['worker', '--source', clip, ...args])));
    runs.forEach((r, i) => assertWorkerUsage(r, cases[i][1], cases[i][2]));
    assertWorkerUsage(await cli(['worker']), 'BAD_ARGUMENT', /missing --source/);
  });

  it('a command without its argument says what is missing once', async () => {
    const cases: [string[], RegExp][] = [
      [['models'], /missing the action: pcount-tui models list\|build\|verify/],
      [['models', 'zap'], /bad <action> 'zap': expected one of list, build, verify/],
      [['validate'], /missing the config file to check/],
      [['detect'], /missing the image or video/],
      [['snapshot'], /missing the source to take a picture of/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    runs.forEach((r, i) => {
      assertUsage(r, cases[i][1], cases[i][0].join(' '));
      assert.equal(r.stderr.match(/pcount-tui models:|pcount-tui validate:|pcount-tui detect:|pcount-tui snapshot:/g)?.length, 1, 'said once');
    });
  });
});

describe('run takes every per-task option', () => {
  it('on --source tasks the options reach the worker', async () => {
    const ffmpeg = (await resolveFfmpeg()).path;
    const out = path.join(tmp, 'all-options');
    const r = await cli(
      [
        'run', '--source', clip, '--line', '0.5,0,0.5,1', '--no-tui', '--output', out,
        '--input-size', '416x320', '--anchor', 'center', '--skip-frames', '240', '--confidence', '0.45',
        '--model', path.join(repo, 'models/centernet.onnx'), '--model-format', 'centernet', '--stall-timeout', '5',
        '--threads', '1', '--ffmpeg', ffmpeg,
      ],
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const hello = events.find((e) => e.type === 'hello')!;
    assert.deepEqual([hello.model.input_width, hello.model.input_height, hello.model.format], [416, 320, 'centernet']);
    assert.deepEqual([hello.anchor, hello.skip_frames, hello.ffmpeg.origin, hello.ffmpeg.path], ['center', 240, 'option', ffmpeg]);
    assert.deepEqual(hello.lines, [{ name: 'line', points: [0.5, 0, 0.5, 1] }], 'one unnamed line is called line');
    assert.ok(events.some((e) => e.type === 'log' && /confidence 0\.45/.test(e.message)), 'the confidence reached the detector');
  });

  it('on a config the flags win over the task and parallel_config, with paths from the current folder', () => {
    const file = path.join(tmp, 'overrides.json');
    writeFileSync(
      file,
      JSON.stringify({
        parallel_config: { anchor: 'bottom', input_size: '384x288' },
        videos: [{ id: 'v', source: clip, skip_frames: 3, stall_timeout: 20, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }] }],
      }),
    );
    const result = loadConfig(file, { task: { anchor: 'center', stall_timeout: 4, model: 'models/centernet.onnx' } });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.deepEqual(result.config.tasks[0].options, {
      skip_frames: 3,
      confidence: 0.3,
      anchor: 'center',
      input_size: '384x288',
      stall_timeout: 4,
      model: path.join(process.cwd(), 'models/centernet.onnx'),
    });
  });

  it('the pool passes a task’s options, --threads and --ffmpeg to its worker, and says whether it is live', async () => {
    const spec = fakeTask('v', 'events=1');
    spec.options = { ...spec.options, input_size: '416x320', anchor: 'center', model_format: 'yolox', stall_timeout: 7 };
    const pool = new Pool({ tasks: [spec, fakeTask('cam', 'events=1', 'camera')], workerCount: 2, outputDir: null, command: fakeWorker, threads: 1, ffmpeg: '/opt/ffmpeg' });
    const argv = new Map<string, string[]>();
    pool.onEvent((ev: WorkerEvent) => {
      if (ev.type === 'log' && ev.message.startsWith('argv ')) argv.set(ev.task, JSON.parse(ev.message.slice(5)) as string[]);
    });
    pool.begin();
    await until(pool, () => argv.size === 2);
    await pool.shutdown();
    const v = argv.get('v')!.join(' ');
    for (const part of ['--skip-frames 1', '--confidence 0.4', '--model-format yolox', '--input-size 416x320', '--anchor center', '--stall-timeout 7', '--threads 1', '--ffmpeg /opt/ffmpeg', '--no-live']) {
      assert.ok(v.includes(part), `${part} in ${v}`);
    }
    assert.ok(argv.get('cam')!.includes('--live'));
  });

  it('the table of task options, the config schema and the flags of run and worker agree', async () => {
    const schema = JSON.parse(readFileSync(path.join(repo, 'config/pcount.schema.json'), 'utf8')) as {
      definitions: { task: { properties: Record<string, unknown> } };
      properties: { parallel_config: { properties: Record<string, unknown> } };
    };
    const perTask = Object.keys(schema.definitions.task.properties).filter((k) => !['id', 'source', 'lines', ...PARENT_TASK_KEYS].includes(k));
    assert.deepEqual(perTask.sort(), [...TASK_OPTION_KEYS].sort());
    for (const key of TASK_OPTION_KEYS) assert.ok(key in schema.properties.parallel_config.properties, `parallel_config.${key}`);
    for (const command of ['run', 'worker']) {
      const help = (await cli([command, '--help'])).stdout;
      for (const key of TASK_OPTION_KEYS) assert.match(help, new RegExp(`--${flagOf(key)} `), `${command} --${flagOf(key)}`);
    }
    const run = (await cli(['run', '--help'])).stdout;
    for (const flag of ['--threads', '--ffmpeg']) assert.ok(run.includes(flag), flag);
  });
});

describe('help', () => {
  it('every option and argument of every command has a description', async () => {
    for (const command of ['', 'run', 'worker', 'detect', 'snapshot', 'validate', 'models']) {
      const r = await cli(command ? [command, '--help'] : ['--help']);
      assert.equal(r.code, 0, r.stderr);
      const entries = r.stdout.split('\n').filter((l) => /^ {2}(-\w, )?(--?[\w-]+|\w+) /.test(l) || /^ {6}--[\w-]+ /.test(l));
      assert.ok(entries.length >= 3, r.stdout);
      for (const entry of entries) {
        const text = entry.replace(/^\s*(-\w, )?(--?[\w-]+|\w+)\s+/, '').replace(/\[[^\]]*\]/g, '').trim();
        assert.ok(text.length >= 8, `"${entry.trim()}" of ${command || 'pcount-tui'} --help has a description`);
        assert.doesNotMatch(text, /handler|BAD_[A-Z_]+/, `no internal words in "${entry.trim()}"`);
      }
    }
  });
});

describe('a reader that goes away', () => {
  it('`models list | head -1`: the first line, then a quiet exit, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'models', 'list'], { cwd: tmp, env: { ...process.env, PCOUNT_CONFIG_DIR: prefs }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `head -1`: read the first chunk, then close the pipe while the command still writes.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    assert.equal(code, 0, stderr);
  });
});

describe('a checkout that was never built', () => {
  it('says how to build it, exit 1, no ERR_MODULE_NOT_FOUND stack trace', async () => {
    const checkout = mkdtempSync(path.join(tmpdir(), 'pcount-unbuilt-'));
    mkdirSync(path.join(checkout, 'bin'));
    copyFileSync(bin, path.join(checkout, 'bin', 'pcount-tui.js'));
    writeFileSync(path.join(checkout, 'package.json'), JSON.stringify({ type: 'module' }));
    const r = await new Promise<Run>((resolve) => {
      execFile(process.execPath, [path.join(checkout, 'bin', 'pcount-tui.js'), '--version'], (err, stdout, stderr) => {
        resolve({ code: typeof (err as { code?: unknown } | null)?.code === 'number' ? (err as { code: number }).code : 0, stdout, stderr });
      });
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `pcount-tui: not built: ${path.join(checkout, 'dist/src/cli.js')} is missing; run \`npm ci\` (or \`npm run build\`) in ${checkout}/\n`);
  });
});
