import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { checkedList, describeYargsMessage } from '../../src/commands/arguments.js';
import { parseLines } from '../../src/sources/lines.js';
import { captureStderr } from './capture-stderr.js';

const clip = fileURLToPath(new URL('../../../test/fixtures/footage/vtest-480.avi', import.meta.url));
const folder = mkdtempSync(path.join(tmpdir(), 'pcount-usage-'));

/** Runs the command table in this process: a bad command line is refused before any handler (or worker) starts. */
async function usage(args: string[]): Promise<{ code: number; stderr: string }> {
  const { value: code, stderr } = await captureStderr(() => main(args));
  return { code, stderr };
}

describe('a lone - (standard input) is refused naming it, not read as no value', () => {
  it('as a source it is a pipe (was "the source is empty"); elsewhere nothing reads stdin (run - read the current folder)', async () => {
    const cases: [string[], string][] = [
      [['run', '--source', '-', '--no-tui'], "pcount-tui run: bad --source '-': '-' is a pipe: a worker's stdin carries its commands"],
      [['snapshot', '-', '-o', path.join(folder, 'x.png')], "pcount-tui snapshot: bad argument '-': '-' is a pipe"],
      [['detect', '--every', '2', '-'], "pcount-tui detect: bad argument '-': '-' is a pipe"],
      [['run', '-', '--no-tui'], "pcount-tui run: bad argument '-': a lone - would be standard input, which no command reads"],
      [['validate', '-'], "pcount-tui validate: bad argument '-': a lone - would be standard input"],
    ];
    for (const [args, message] of cases) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('an empty argument where a file is expected is a bad command line (exit 2), not a file looked for', () => {
  it('validate, report and run of \'\' (was: the current folder read as the config), faces \'\' (was: "not found: ", exit 1), report --task \'\' (was: "no task  in", exit 1)', async () => {
    const cases: [string[], string][] = [
      [['validate', ''], "pcount-tui validate: bad <file> '': expected a value, got nothing"],
      [['report', ''], "pcount-tui report: bad <config> '': expected a value, got nothing"],
      [['run', '', '--no-tui'], "pcount-tui run: bad <config> '': expected a value, got nothing"],
      [['faces', clip, ''], "pcount-tui faces: bad <input> '': expected an image or a folder, got nothing"],
      [['report', '--db', path.join(folder, 'x.db'), '--task', ''], "pcount-tui report: bad --task '': expected a name, got nothing"],
      [['report', '--db', path.join(folder, 'x.db'), '--line', 'a', ''], "pcount-tui report: bad --line '': expected a name, got nothing"],
    ];
    for (const [args, message] of cases) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('a config after --source is refused naming it, not counted as a second source', () => {
  it('run --source a.mp4 config.json: exit 2 naming config.json (yargs took it as a second --source value)', async () => {
    const config = path.join(folder, 'config.json');
    writeFileSync(config, '{}');
    for (const args of [
      ['run', '--source', clip, config, '--no-tui'],
      ['run', '--source', clip, '--source', 'CONFIG.JSON', '--no-tui'],
    ]) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      const named = args.find((a) => /json$/i.test(a))!;
      assert.ok(r.stderr.startsWith(`pcount-tui run: bad --source '${named}': a .json file is a config, not a source`), r.stderr);
      assert.match(r.stderr, /pcount-tui run \S+json/i);
    }
  });
});

describe('a bad --fleet stops run and agent before anything starts', () => {
  it('also without --redis (it was ignored and the run went on, exit 0)', async () => {
    for (const args of [
      ['run', '--source', clip, '--fleet', 'bad!', '--no-tui'],
      ['agent', '--redis', 'redis://127.0.0.1:1/0', '--fleet', 'bad!'],
    ]) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, new RegExp(`^pcount-tui ${args[0]}: bad --fleet 'bad!': a fleet name may hold only letters A-Z a-z, digits`));
    }
  });
});

describe('an option typed without its value is refused, never taken as the default', () => {
  it('checkedList: no values at all names the option', () => {
    const lines = checkedList('line', parseLines, 'BAD_LINE');
    assert.throws(() => lines([]), { name: 'UsageError', message: '--line needs a value', code: 'BAD_LINE' });
    assert.equal(lines(['0,0,1,1,door'])[0].name, 'door');
  });

  it('--line, --source and report --task without a value: exit 2 naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [['run', '--source', clip, '--line', '--no-tui'], /pcount-tui run: --line needs a value/],
      [['run', '--source', '--no-tui'], /pcount-tui run: --source needs a value/],
      [['snapshot', clip, '--line', '-o', path.join(folder, 'x.png')], /pcount-tui snapshot: --line needs a value/],
      [['report', '--db', path.join(folder, 'x.db'), '--task'], /pcount-tui report: --task needs a value/],
    ];
    for (const [args, message] of cases) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });
});

describe('a value that starts with a minus is named, not lost', () => {
  it('--line -0.1,… and -o -1.png: exit 2 naming the option and the value (was: "--line needs a value", or "unexpected argument \'0\'")', async () => {
    const cases: [string[], string][] = [
      [['run', '--source', clip, '--line', '-0.5,0,-0.5,1', '--no-tui'], "pcount-tui run: bad --line '-0.5,0,-0.5,1': it starts with \"-\" and reads as an option"],
      [['run', '--source', clip, '--line', '0.5,0,0.5,1', '-0.1,0,1,1'], "pcount-tui run: bad --line '-0.1,0,1,1': it starts with \"-\" and reads as an option"],
      [['snapshot', clip, '-o', '-1.png'], "pcount-tui snapshot: bad -o '-1.png': it starts with \"-\" and reads as an option (a path: write ./-1.png;"],
    ];
    for (const [args, message] of cases) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(message), r.stderr);
    }
    // A plain negative number still reaches the option's own parser, which says what it takes.
    const confidence = await usage(['run', '--source', clip, '--confidence', '-1']);
    assert.match(confidence.stderr, /bad --confidence '-1': expected a number greater than 0 and at most 1/);
  });
});

describe('values checked before anything starts', () => {
  it('--threads above what a detector takes is refused by run, detect and faces alike', async () => {
    for (const args of [['run', '--source', clip, '--no-tui'], ['detect', clip], ['faces', folder]]) {
      const r = await usage([...args, '--threads', '1000']);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /bad --threads '1000': expected a whole number from 1 to 64/);
    }
  });

  it('snapshot -o: a folder for one source, a file for a config, refused before a frame is read', async () => {
    const single = await usage(['snapshot', clip, '-o', folder]);
    assert.equal(single.code, 2);
    assert.match(single.stderr, new RegExp(`bad --output '${folder}': is a folder; give the PNG file to write`));
    const config = await usage(['snapshot', path.join(folder, 'tasks.json'), '-o', clip]);
    assert.equal(config.code, 2);
    assert.match(config.stderr, /is a file; for a config file give the folder of the PNGs/);
  });
});

it('an unknown --kebab-option is named once, as typed, not again in camelCase', () => {
  const message = describeYargsMessage('Unknown arguments: bogus-flag, bogusFlag', ['--bogus-flag', '1'], ['line', 'source']);
  assert.equal(message, "unknown option --bogus-flag '1'");
  // Typed in camelCase itself, it is named.
  assert.equal(describeYargsMessage('Unknown argument: maxFrames', ['--maxFrames', '2'], []), "unknown option --maxFrames '2'");
});

it('an argument with a dash but no camelCase form (-1, x-1, JSON) is named, not dropped into an empty message', () => {
  assert.equal(describeYargsMessage('Unknown argument: -1', ['--source', 'a.mp4', '-1'], ['source']), 'unknown option -1');
  assert.equal(describeYargsMessage('Unknown argument: x-1', ['--source', 'a.mp4', 'x-1'], ['source']), "unexpected argument 'x-1'");
  const json = '{"batch_timeout_ms":-1}';
  assert.equal(describeYargsMessage(`Unknown argument: ${json}`, ['--demographics', json], ['demographics']), `unexpected argument '${json}'`);
});

it('report on a file that is not a valid config says why, instead of reporting on a default store', async () => {
  const cases: [string, RegExp][] = [
    ['null', /cannot be read as a config: \$: must be object \(found null\)/],
    ['{ "parallel_config": { "store": 5 } }', /\$\.parallel_config\.store: must be string \(found 5\)/],
    ['{ "videos": [', /\$: is not valid JSON at line 1, column 14/],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const file = path.join(folder, `report-${i}.json`);
    writeFileSync(file, text);
    const r = await usage(['report', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});

it('a config that cannot be used exits 1 in validate, run, snapshot and report alike (was 2 in snapshot and report)', async () => {
  const file = path.join(folder, 'bad-points.json');
  writeFileSync(file, JSON.stringify({ videos: [{ id: 'v', source: clip, lines: [{ name: 'm', points: [2, 0, 0.5, 1] }] }] }));
  const write = process.stdout.write;
  let stdout = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  try {
    for (const args of [['validate', file], ['run', file, '--no-tui'], ['snapshot', file, '-o', folder], ['report', file]]) {
      const r = await usage(args);
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
      assert.match(args[0] === 'validate' ? stdout : r.stderr, /\$\.videos\[0\]\.lines\[0\]\.points\[0\]: must be <= 1 \(found 2\)/, args[0]);
    }
  } finally {
    process.stdout.write = write;
  }
});

it('numbers too large to be exact, or infinite, are bad values (exit 2), not handed to ffmpeg', async () => {
  const cases: [string[], RegExp][] = [
    [['snapshot', clip, '--frame', '1e20', '-o', path.join(folder, 'x.png')], /^pcount-tui snapshot: bad --frame '1e20': expected a whole number ≥ 1, at most 9007199254740991\n/],
    [['snapshot', clip, '--at', '1e400', '-o', path.join(folder, 'x.png')], /^pcount-tui snapshot: bad --at '1e400': expected a number of seconds ≥ 0\n/],
    [['detect', clip, '--max-frames', '99999999999999999999'], /^pcount-tui detect: bad --max-frames '99999999999999999999': expected a whole number ≥ 1, at most/],
  ];
  for (const [args, message] of cases) {
    const r = await usage(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

describe('a source where a config file goes is said to be one, its password never printed', () => {
  it('run, the default command, validate and report: exit 2 with how to count it (was "no such file" with the password, or "not valid JSON")', async () => {
    const camera = 'rtsp://admin:s3cretPW@127.0.0.1:1/x';
    for (const [args, flag] of [
      [['run', camera, '--no-tui'], '<config>'],
      [[camera, '--no-tui'], '<config>'],
      [['validate', camera], '<file>'],
      [['report', camera], '<config>'],
      [['run', clip, '--no-tui'], '<config>'],
      [['validate', '/dev/video0'], '<file>'],
    ] as const) {
      const r = await usage([...args]);
      assert.equal(r.code, 2, args.join(' '));
      const shown = args[0] === camera || args[1] === camera ? 'rtsp://admin:***@127.0.0.1:1/x' : (args[1] as string);
      assert.ok(r.stderr.includes(`bad ${flag} '${shown}': names a source, not a config file; to count it: pcount-tui run --source '${shown}'`), r.stderr);
      assert.doesNotMatch(r.stderr, /s3cretPW/);
    }
  });

  it('any usage message quoting an argument hides its password and escapes control characters', async () => {
    const cases: [string[], string][] = [
      [['run', '--source', clip, '--no-tui', '--bogus', 'rtsp://a:s3cretPW@h/x'], "unknown option --bogus 'rtsp://a:***@h/x'"],
      [['run', '--source', 'rtsp://a:s3cretPW@h/x.json', '--no-tui'], "bad --source 'rtsp://a:***@h/x.json'"],
      [['run', '--source', clip, '--line', 'rtsp://a:s3cretPW@h/x', '--no-tui'], "bad --line 'rtsp://a:***@h/x'"],
      [['run', '--source', clip, '--line', '0.5,0,0.5,1,a\u001b[31mb', '--no-tui'], "bad --line '0.5,0,0.5,1,a\\x1b[31mb'"],
    ];
    for (const [args, shown] of cases) {
      const r = await usage(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.includes(shown), r.stderr);
      assert.doesNotMatch(r.stderr, /s3cretPW|\u001b/);
    }
  });
});

it('snapshot -o that cannot be written: exit 1 naming the PNG and why, before any frame is read (was ENOTDIR, or EACCES on a temporary file)', async () => {
  const cases: [string[], string][] = [
    [['snapshot', clip, '-o', path.join(clip, 'x.png')], `pcount-tui snapshot: cannot write ${path.join(clip, 'x.png')}: ${clip} is a file, not a folder\n`],
    [['snapshot', clip, '-o', '/proc/x.png'], 'pcount-tui snapshot: cannot write /proc/x.png: /proc is not writable (ENOENT)\n'],
  ];
  for (const [args, message] of cases) {
    const r = await usage(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, message);
  }
});
