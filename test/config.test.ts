import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { adHocConfig, loadConfig, resolveConfig } from '../src/config/load.js';
import { formatProblem, validateConfig } from '../src/config/validate.js';
import { LogFiles } from '../src/orchestrator/log-files.js';
import { vtest } from './footage.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repo, 'bin/pcount-tui.js');
const dir = mkdtempSync(path.join(tmpdir(), 'pcount-config-'));
writeFileSync(path.join(dir, 'clip.mp4'), 'not really a video; only its existence is checked');

function writeConfig(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const line = { name: 'door', points: [0.5, 0, 0.5, 1] };
const valid = {
  parallel_config: { worker_count: 3, skip_frames: 30, confidence: 0.4, result_output: 'out/', log_level: 'WARNING' },
  cameras: [{ id: 'entrance', source: 'rtsp://10.0.0.5/stream', lines: [line] }],
  videos: [{ id: 'lobby', source: 'clip.mp4', skip_frames: 2, confidence: 0.6, lines: [line, { name: 'desk', points: [0, 0.7, 1, 0.7] }] }],
};

describe('config loading', () => {
  it('resolves sources and output against the config folder and applies defaults and per-task overrides', () => {
    const result = loadConfig(writeConfig('valid.json', valid));
    assert.ok(result.ok);
    const { config } = result;
    assert.equal(config.workerCount, 3);
    assert.equal(config.resultOutput, path.join(dir, 'out'));
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(
      config.tasks.map((t) => [t.id, t.kind, t.source, t.options.skip_frames, t.options.confidence]),
      [
        ['entrance', 'camera', 'rtsp://10.0.0.5/stream', 30, 0.4],
        ['lobby', 'video', path.join(dir, 'clip.mp4'), 2, 0.6],
      ],
    );
  });

  it('lets command-line values win over the file and over per-task overrides', () => {
    const result = resolveConfig(valid, null, dir, { workerCount: 1, task: { skip_frames: 5, confidence: 0.3, anchor: 'center' }, output: '/tmp/elsewhere' });
    assert.ok(result.ok);
    assert.equal(result.config.workerCount, 1);
    assert.equal(result.config.resultOutput, '/tmp/elsewhere');
    assert.deepEqual(
      result.config.tasks.map((t) => [t.options.skip_frames, t.options.confidence, t.options.anchor]),
      [
        [5, 0.3, 'center'],
        [5, 0.3, 'center'],
      ],
    );
  });

  it('reports every schema problem with its JSON path and the offending value', () => {
    const problems = validateConfig({
      parallel_config: { worker_count: 0, log_level: 'LOUD', colour: 'red' },
      cameras: [{ id: 'cam', lines: [line] }],
      videos: [{ id: 'v', source: 'a.mp4', confidence: 1.5, lines: [{ name: 'l', points: [0, 0, 1.2, 'x'] }] }],
    }).map(formatProblem);
    assert.deepEqual(problems.sort(), [
      '$.cameras[0].source: is required (missing)',
      '$.parallel_config.colour: is not a known property (found "red")',
      '$.parallel_config.log_level: must be one of "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "debug", "info", "warn", "warning", "error" (found "LOUD")',
      '$.parallel_config.worker_count: must be >= 1 (found 0)',
      '$.videos[0].confidence: must be <= 1 (found 1.5)',
      '$.videos[0].lines[0].points[2]: must be <= 1 (found 1.2)',
      '$.videos[0].lines[0].points[3]: must be number (found "x")',
    ]);
  });

  it('says what a field takes in words, once: no regular expression, no type beside a list of values', () => {
    const problems = validateConfig({
      parallel_config: { occupancy_reset: '25:00', redis: 'http://cache:6379', input_size: 'big', metrics: 'host:99999' },
      videos: [{ id: 'v', source: '', anchor: 1, lines: [] }],
    }).map(formatProblem);
    assert.deepEqual(problems.sort(), [
      '$.parallel_config.input_size: must be WxH, for example 384x288 (found "big")',
      '$.parallel_config.metrics: must be PORT or HOST:PORT, e.g. 9464 or 0.0.0.0:9464 (found "host:99999")',
      '$.parallel_config.occupancy_reset: must be a local time HH:MM, 00:00 to 23:59 (found "25:00")',
      '$.parallel_config.redis: must be a redis:// or rediss:// URL (found "http://cache:6379")',
      '$.videos[0].anchor: must be one of "bottom", "center" (found 1)',
      '$.videos[0].lines: must not be empty (found [])',
      '$.videos[0].source: must not be empty (found "")',
    ]);
  });

  it('reports a duplicate id across cameras and videos with both paths', () => {
    const problems = validateConfig({
      cameras: [{ id: 'hall', source: 'rtsp://a/b', lines: [line] }],
      videos: [
        { id: 'hall', source: 'x.mp4', lines: [line] },
        { id: 'hall', source: 'y.mp4', lines: [line] },
      ],
    });
    assert.deepEqual(problems.map(formatProblem), [
      '$.videos[0].id: duplicates the id at $.cameras[0].id (found "hall")',
      '$.videos[1].id: duplicates the id at $.cameras[0].id (found "hall")',
    ]);
  });

  it('rejects a config without tasks, repeated line names and zero-length lines', () => {
    assert.deepEqual(validateConfig({ parallel_config: { worker_count: 2 } }).map(formatProblem), [
      '$: has no task: add at least one entry to "cameras" or "videos"',
    ]);
    const problems = validateConfig({
      videos: [{ id: 'v', source: 'a.mp4', lines: [line, { name: 'door', points: [0.2, 0.2, 0.2, 0.2] }] }],
    }).map(formatProblem);
    assert.deepEqual(problems, [
      '$.videos[0].lines[1].name: duplicates the name of lines[0] in this task (found "door")',
      '$.videos[0].lines[1].points: line "door" of task "v" has both ends at the same point (found [0.2,0.2,0.2,0.2])',
    ]);
  });

  it('says where a file is not JSON, and which video file is missing', () => {
    const broken = loadConfig(writeConfig('broken.json', '{\n  "videos": [\n    { "id": "a", }\n  ]\n}'));
    assert.ok(!broken.ok);
    assert.match(formatProblem(broken.problems[0]), /^\$: is not valid JSON at line 3, column \d+: /);
    assert.doesNotMatch(formatProblem(broken.problems[0]), /YAML/);
    const yaml = loadConfig(writeConfig('pcount.yaml', 'videos:\n  - id: a\n'));
    assert.ok(!yaml.ok);
    assert.match(formatProblem(yaml.problems[0]), /^\$: is not valid JSON at line 1, column 1: .* \(a config is JSON; YAML is not read\)$/);
    const missing = loadConfig(writeConfig('missing.json', { videos: [{ id: 'a', source: 'nowhere.mp4', lines: [line] }] }));
    assert.ok(!missing.ok);
    assert.equal(missing.problems[0].path, '$.videos[0].source');
    assert.match(missing.problems[0].message, new RegExp(`file not found: ${path.join(dir, 'nowhere.mp4')}`));
    const absent = loadConfig(path.join(dir, 'absent.json'));
    assert.ok(!absent.ok);
    assert.equal(formatProblem(absent.problems[0]), '$: cannot be read: no such file');
  });

  it('says at which line and column a file stops being JSON, whatever the mistake', () => {
    const cases: [string, string, RegExp][] = [
      ['trailing comma', '{\n  "videos": [\n    { "id": "a", }\n  ]\n}', /line 3, column 18: Expected double-quoted property name/],
      ['unexpected token (V8 gives no position)', '{\n  "videos": [1,]\n}', /line 2, column 16: Unexpected token '\]'/],
      ['bad literal (no position either)', '{\n  "a": tru\n}', /line 2, column 11: Unexpected token/],
      ['cut short', '{\n  "videos": [\n', /line 3, column 1: the file ends before the JSON does/],
      ['text after the end', '{}\n}', /line 2, column 1: Unexpected non-whitespace character after JSON/],
      ['unquoted key', '{ videos: [] }', /line 1, column 3: Expected property name/],
      ['a video given as the config', `\u0000\u0000\u0000 ftypisom${'\u0001'.repeat(40)}`, /line 1, column 1: Unexpected token '\u0000'$/],
    ];
    for (const [what, text, expected] of cases) {
      const r = loadConfig(writeConfig(`syntax-${what.replace(/\W+/g, '-')}.json`, text));
      assert.ok(!r.ok, what);
      assert.equal(r.problems.length, 1, what);
      assert.match(formatProblem(r.problems[0]), /^\$: is not valid JSON at line \d+, column \d+: /, what);
      assert.match(r.problems[0].message, expected, `${what}: ${r.problems[0].message}`);
      assert.doesNotMatch(r.problems[0].message, /is not valid JSON$/, `${what}: no excerpt of V8's`);
    }
    for (const blank of ['', ' \n\n']) {
      const r = loadConfig(writeConfig('blank.json', blank));
      assert.deepEqual(r.ok ? [] : r.problems.map(formatProblem), ['$: is empty: a config is a JSON object'], JSON.stringify(blank));
    }
    const bom = loadConfig(writeConfig('bom.json', `\uFEFF${JSON.stringify(valid)}`));
    assert.ok(bom.ok, 'a byte-order mark is not a mistake');
  });

  it('finds an unwritable result_output before anything runs: a file in the way, a read-only folder', async () => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const cases: [string, RegExp][] = [
      [blocker, new RegExp(`^${blocker} is a file, not a folder$`)],
      [path.join(blocker, 'results'), new RegExp(`^cannot make ${blocker}/results: ${blocker} is a file, not a folder$`)],
      // sysfs refuses new entries even to root, like a read-only mount or a folder without write permission.
      ['/sys/kernel/pcount-results', /^cannot make \/sys\/kernel\/pcount-results: \/sys\/kernel is not writable \(E(PERM|ACCES|ROFS)\)$/],
    ];
    for (const [output, message] of cases) {
      const r = resolveConfig({ ...valid, parallel_config: { ...valid.parallel_config, result_output: output } }, null, dir);
      assert.ok(!r.ok, output);
      assert.deepEqual(r.problems.map((p) => p.path), ['$.parallel_config.result_output']);
      assert.match(r.problems[0].message, message);
    }
    const logsBlocked = path.join(dir, 'out-with-logs-file');
    mkdirSync(logsBlocked);
    writeFileSync(path.join(logsBlocked, 'logs'), 'a file where the log folder goes');
    const logs = resolveConfig(valid, null, dir, { output: logsBlocked });
    assert.ok(!logs.ok);
    assert.equal(formatProblem(logs.problems[0]), `--output: cannot make ${logsBlocked}/logs: it is a file, not a folder`);
    assert.ok(resolveConfig(valid, null, dir, { output: path.join(dir, 'new', 'deeper') }).ok, 'folders still to be made are fine');
    // Should the folder turn unwritable during a run, log lines are dropped instead of crashing the parent.
    const logs2 = new LogFiles(blocker);
    assert.doesNotThrow(() => logs2.worker(0, 'a line'));
    await logs2.close();
  });

  it('builds ad-hoc tasks: files become videos, URLs and devices cameras, ids unique', () => {
    const floor = { name: 'floor', points: [0, 0.5, 1, 0.5] as [number, number, number, number] };
    const result = adHocConfig([path.join(dir, 'clip.mp4'), 'rtsp://cam.local/live', path.join(dir, 'clip.mp4'), '/dev/video0'], [floor]);
    assert.ok(result.ok);
    assert.deepEqual(
      result.config.tasks.map((t) => [t.id, t.kind, t.lines[0].name]),
      [
        ['cam.local-live', 'camera', 'floor'],
        ['video0', 'camera', 'floor'],
        ['clip', 'video', 'floor'],
        ['clip-2', 'video', 'floor'],
      ],
    );
    const missing = adHocConfig([path.join(dir, 'gone.mp4')], []);
    assert.ok(!missing.ok);
    assert.match(formatProblem(missing.problems[0]), new RegExp(`^--source ${path.join(dir, 'gone.mp4')}: file not found: `));
  });
});

describe('pcount-tui validate', () => {
  const run = promisify(execFile);
  const validate = async (file: string) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, 'validate', file]);
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('prints every problem with path and value and exits 1', async () => {
    const file = writeConfig('cli-bad.json', { parallel_config: { worker_count: 'four' }, videos: [{ id: 'v', source: 'clip.mp4', lines: [{ name: 'l', points: [0, 0, 1] }] }] });
    const { code, stdout, stderr } = await validate(file);
    assert.equal(code, 1);
    assert.equal(stderr, '');
    assert.deepEqual(stdout.split('\n'), [
      `${file}: 2 problems`,
      '  $.parallel_config.worker_count: must be integer (found "four")',
      '  $.videos[0].lines[0].points: must NOT have fewer than 4 items (found [0,0,1])',
      '',
    ]);
  });

  it('prints an ok summary and exits 0 for a valid file', async () => {
    const { code, stdout } = await validate(writeConfig('cli-ok.json', valid));
    assert.equal(code, 0, stdout);
    assert.equal(stdout, `ok ${path.join(dir, 'cli-ok.json')}: 1 camera, 1 video, worker_count 3, results in ${path.join(dir, 'out')}\n`);
  });

  it('refuses an unwritable result_output with exit 1 naming the path, and run starts no worker', async () => {
    const blocker = path.join(dir, 'cli-blocker');
    writeFileSync(blocker, 'a file where the results go');
    const file = writeConfig('cli-unwritable.json', { ...valid, parallel_config: { result_output: blocker } });
    const checked = await validate(file);
    assert.equal(checked.code, 1);
    assert.match(checked.stdout, new RegExp(`\\$\\.parallel_config\\.result_output: ${blocker} is a file, not a folder`));
    const ran = await run(process.execPath, [bin, 'run', file, '--no-tui'], { env: { ...process.env, PCOUNT_CONFIG_DIR: dir } }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    assert.equal((ran as { code?: number }).code, 1);
    assert.equal(ran.stdout, '', 'no event: no worker started');
    assert.match(ran.stderr, new RegExp(`result_output: ${blocker} is a file, not a folder`));
    assert.doesNotMatch(ran.stderr, /\n\s+at |mkdirSync/, 'no stack trace');
  });

  it('refuses a key given twice in one object (JSON.parse keeps the last) at its path, line and column, with the file\'s other problems; run too', async () => {
    const text = [
      '{',
      '  "parallel_config": { "worker_count": 1, "worker_count": 2 },',
      '  "videos": [',
      '    { "id": "a", "source": "gone.mp4", "lines": [{ "name": "door", "points": [0.5, 0, 0.5, 1] }] },',
      '    { "id": "b", "source": "clip.mp4", "lines": [{ "name": "door", "name": "hall", "points": [0.5, 0, 0.5, 1] }],',
      '      "my key": 1, "my key": 2 }',
      '  ]',
      '}',
    ].join('\n');
    const file = writeConfig('cli-duplicates.json', text);
    const { code, stdout } = await validate(file);
    assert.equal(code, 1);
    const last = 'JSON would keep only the last';
    // The schema's and the files' problems come in the same go (they waited for the duplicates to be fixed).
    assert.deepEqual(stdout.split('\n'), [
      `${file}: 5 problems`,
      `  $.parallel_config.worker_count: duplicate key "worker_count" at line 2, column 43 (first at line 2, column 24; ${last})`,
      `  $.videos[1].lines[0].name: duplicate key "name" at line 5, column 68 (first at line 5, column 52; ${last})`,
      `  $.videos[1]["my key"]: duplicate key "my key" at line 6, column 20 (first at line 6, column 7; ${last})`,
      '  $.videos[1]["my key"]: is not a known property (found 2)',
      `  $.videos[0].source: file not found: ${path.join(dir, 'gone.mp4')} (relative paths are resolved against ${dir})`,
      '',
    ]);
    const ran = await run(process.execPath, [bin, 'run', file, '--no-tui'], { env: { ...process.env, PCOUNT_CONFIG_DIR: dir } }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    assert.equal((ran as { code?: number }).code, 1);
    assert.equal(ran.stdout, '', 'no worker started');
    assert.match(ran.stderr, new RegExp(`${file}: 5 problems\\n  \\$\\.parallel_config\\.worker_count: duplicate key "worker_count"`));
  });

  it('a config the user may not read: "permission denied", naming the file', () => {
    const file = writeConfig('cli-private.json', valid);
    chmodSync(file, 0o200);
    chmodSync(dir, 0o755);
    // Root reads whatever the permissions say: then as nobody.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, [bin, 'validate', file], { encoding: 'utf8', timeout: 60_000, ...as });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, `${file}: 1 problem\n  $: cannot be read: permission denied\n`);
  });

  it('sources the user may not read are problems of the config, with its others, before any worker starts', () => {
    // Was: a video without read permission passed validate (each task failed later, SOURCE_UNREADABLE), and one in a
    // folder the user may not enter stopped validate with a bare "EACCES: permission denied, stat …" and nothing else.
    const here = mkdtempSync(path.join(tmpdir(), 'pcount-config-unreadable-'));
    mkdirSync(path.join(here, 'private'));
    writeFileSync(path.join(here, 'private', 'a.mp4'), 'bytes');
    writeFileSync(path.join(here, 'closed.mp4'), 'bytes');
    chmodSync(path.join(here, 'private'), 0o700);
    chmodSync(path.join(here, 'closed.mp4'), 0o600);
    // The result folder is made in it: as nobody, when the test runs as root.
    chmodSync(here, 0o777);
    const file = path.join(here, 'c.json');
    writeFileSync(file, JSON.stringify({
      parallel_config: { result_output: 'out', worker_count: 'x' },
      videos: [{ id: 'a', source: 'private/a.mp4', lines: [line] }, { id: 'b', source: 'closed.mp4', lines: [line] }],
    }));
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, [bin, 'validate', file], { encoding: 'utf8', timeout: 60_000, ...as });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, [
      `${file}: 3 problems`,
      '  $.parallel_config.worker_count: must be integer (found "x")',
      `  $.videos[0].source: ${path.join(here, 'private', 'a.mp4')} cannot be read (EACCES)`,
      `  $.videos[1].source: ${path.join(here, 'closed.mp4')} cannot be read (permission denied)`,
      '',
    ].join('\n'));
  });

  it('accepts the shipped example with vtest.avi next to it', async () => {
    const here = mkdtempSync(path.join(tmpdir(), 'pcount-example-'));
    copyFileSync(path.join(repo, 'config/example.json'), path.join(here, 'example.json'));
    const without = await validate(path.join(here, 'example.json'));
    assert.equal(without.code, 1);
    assert.match(without.stdout, /file not found: .*vtest\.avi/);
    symlinkSync(vtest, path.join(here, 'vtest.avi'));
    const { code, stdout } = await validate(path.join(here, 'example.json'));
    assert.equal(code, 0, stdout);
  });

  it('refuses ids and line names that could forge log lines or drive the terminal, and prints them escaped', async () => {
    const file = writeConfig('cli-names.json', {
      videos: [
        { id: 'lobby\u001b]0;pwned\u0007', source: 'clip.mp4', lines: [{ name: 'door\n2026-01-01 ERROR forged', points: [0.5, 0, 0.5, 1] }] },
        { id: 'hall', source: 'clip.mp4', lines: [{ name: 'Eingang Süd (2)', points: [0.5, 0, 0.5, 1] }, { name: 'a\u009b2J', points: [0, 0.5, 1, 0.5] }] },
      ],
    });
    const { code, stdout } = await validate(file);
    assert.equal(code, 1);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${file}: 3 problems`);
    assert.match(stdout, /\$\.videos\[0\]\.id: may hold only letters A-Z a-z, digits, "_", "\." and "-".*\(found "lobby\\u001b\]0;pwned\\u0007"\)/);
    assert.match(stdout, /\$\.videos\[0\]\.lines\[0\]\.name: may hold only letters, digits, spaces and _ \. - # \/ \( \) \+ :/);
    assert.match(stdout, /\$\.videos\[1\]\.lines\[1\]\.name: may hold only .*\(found "a\\x9b2J"\)/);
    assert.doesNotMatch(stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control character reaches the terminal');
  });
});
