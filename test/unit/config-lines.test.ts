import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineSaver, linesTakenText, saveProblem } from '../../src/commands/save-lines.js';
import { parseWithSpans } from '../../src/config/json-spans.js';
import { replaceTaskLines } from '../../src/config/line-edit.js';

const moved = [
  { name: 'door', points: [0.4, 0, 0.4, 1] as [number, number, number, number] },
  { name: 'hall', points: [0, 0.65, 1, 0.65] as [number, number, number, number] },
];

const pretty = `{
  "$schema": "../config/pcount.schema.json",
  "parallel_config": { "worker_count": 2, "result_output": "out/", "log_level": "INFO" },
  "cameras": [
    {
      "id": "gate",
      "source": "rtsp://cam/gate",
      "lines": [
        { "name": "door", "points": [0.5, 0, 0.5, 1] }
      ],
      "confidence": 0.35
    }
  ],
  "videos": [
    {
      "id": "north",
      "source": "vtest.avi",
      "lines": [
        { "name": "door", "points": [0.5, 0, 0.5, 1] }
      ],
      "skip_frames": 2
    }
  ]
}
`;

/** Everything but the `lines` of task `id`, so two texts can be compared outside the edit. */
function withoutLines(text: string, id: string): string {
  const root = parseWithSpans(text);
  if (root.kind !== 'object') throw new Error('not an object');
  for (const list of root.entries.filter((e) => e.key === 'cameras' || e.key === 'videos')) {
    if (list.value.kind !== 'array') continue;
    for (const task of list.value.items) {
      if (task.kind !== 'object') continue;
      const isIt = task.entries.some((e) => e.key === 'id' && e.value.kind === 'scalar' && e.value.value === id);
      const lines = task.entries.find((e) => e.key === 'lines')?.value;
      if (isIt && lines) return text.slice(0, lines.start) + text.slice(lines.end);
    }
  }
  throw new Error(`no lines for ${id}`);
}

test('config writer: only the task\'s lines change, in the style of the file; every other byte stays', () => {
  const next = replaceTaskLines(pretty, 'north', moved);
  assert.deepEqual(JSON.parse(next).videos[0].lines, moved);
  assert.equal(withoutLines(next, 'north'), withoutLines(pretty, 'north'), 'other keys, order, spacing and the camera of the same line name stay');
  assert.match(
    next,
    /"lines": \[\n {8}\{ "name": "door", "points": \[0\.4, 0, 0\.4, 1\] \},\n {8}\{ "name": "hall", "points": \[0, 0\.65, 1, 0\.65\] \}\n {6}\],\n {6}"skip_frames": 2/,
    'one line per item at the old items\' indentation, the closing bracket at the key\'s',
  );
  assert.deepEqual(JSON.parse(next).cameras[0].lines, JSON.parse(pretty).cameras[0].lines);
});

test('config writer: a one-line lines array stays on one line; minified JSON stays minified; CRLF files keep CRLF', () => {
  const oneLine = '{"videos": [{"id": "a", "source": "a.mp4", "lines": [{"name": "l", "points": [0.5, 0, 0.5, 1]}], "confidence": 0.3}]}';
  const a = replaceTaskLines(oneLine, 'a', moved);
  assert.equal(a, '{"videos": [{"id": "a", "source": "a.mp4", "lines": [{"name": "door", "points": [0.4, 0, 0.4, 1]}, {"name": "hall", "points": [0, 0.65, 1, 0.65]}], "confidence": 0.3}]}');
  const minified = JSON.stringify({ videos: [{ id: 'a', source: 'a.mp4', lines: [{ name: 'l', points: [0.5, 0, 0.5, 1] }] }] });
  assert.equal(replaceTaskLines(minified, 'a', moved), JSON.stringify({ videos: [{ id: 'a', source: 'a.mp4', lines: moved }] }));
  const crlf = pretty.replace(/\n/g, '\r\n');
  const c = replaceTaskLines(crlf, 'gate', moved);
  assert.doesNotMatch(c.replace(/\r\n/g, ''), /\n/, 'no bare LF added');
  assert.deepEqual(JSON.parse(c).cameras[0].lines, moved);
});

test('config writer: inside lines only what changed is rewritten; padding, separators, number text and layout stay', () => {
  const padded = '{"videos": [{"id": "a", "source": "a.mp4", "lines": [ {"points": [ 0.50, 0.0, 0.50, 1.0 ], "name": "door"} ]}]}';
  // The bracket padding `[ {…} ]` was lost (`[{…}]`), every number rewritten and the keys put in the editor's order.
  assert.equal(replaceTaskLines(padded, 'a', [{ name: 'door', points: [0.5, 0, 0.5, 1] }]), padded, 'lines applied unchanged: the same bytes');
  assert.equal(
    replaceTaskLines(padded, 'a', [{ name: 'door', points: [0.4, 0, 0.4, 1] }]),
    '{"videos": [{"id": "a", "source": "a.mp4", "lines": [ {"points": [ 0.4, 0.0, 0.4, 1.0 ], "name": "door"} ]}]}',
  );
  assert.equal(
    replaceTaskLines(padded, 'a', [{ name: 'door', points: [0.5, 0, 0.5, 1] }, { name: 'hall', points: [0, 0.65, 1, 0.65] }]),
    '{"videos": [{"id": "a", "source": "a.mp4", "lines": [ {"points": [ 0.50, 0.0, 0.50, 1.0 ], "name": "door"}, {"points": [ 0, 0.65, 1, 0.65 ], "name": "hall"} ]}]}',
    'a new line is written like the first one',
  );
  const tall = `{
  "videos": [
    {
      "id": "a",
      "source": "a.mp4",
      "lines": [
        {
          "name": "door",
          "points": [0.5, 0, 0.5, 1]
        },
        {
          "name": "hall",
          "points": [0, 0.6, 1, 0.6]
        }
      ]
    }
  ]
}
`;
  const deleted = replaceTaskLines(tall, 'a', [{ name: 'hall', points: [0, 0.6, 1, 0.7] }]);
  assert.equal(deleted, tall.replace(/ {8}\{\n {10}"name": "door",\n {10}"points": \[0\.5, 0, 0\.5, 1\]\n {8}\},\n/, '').replace('[0, 0.6, 1, 0.6]', '[0, 0.6, 1, 0.7]'));
  assert.throws(() => replaceTaskLines('{"videos": [{"id": "a", "source": "a.mp4", "lines": []}]}', 'a', moved), /"lines" of task "a" in the config file are not a list/);
});

test('config writer: a task that is no longer in the file is an error, not a silent rewrite', () => {
  assert.throws(() => replaceTaskLines(pretty, 'gone', moved), /task "gone" is not in the config file/);
  assert.throws(() => replaceTaskLines('{"videos": [', 'a', moved), SyntaxError);
});

test('line saver: writes atomically through a temporary file in the same folder, keeps the mode, follows a symlink, serialises saves', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = path.join(dir, 'real.json');
  const link = path.join(dir, 'pcount.json');
  writeFileSync(real, pretty);
  chmodSync(real, 0o600);
  symlinkSync(real, link);
  const saver = new LineSaver(link);
  // Two saves fired together: the second must see the first's result, not the text both started from.
  const [first, second] = await Promise.all([saver.save('north', moved), saver.save('gate', [moved[1]])]);
  assert.match(first, /lines of north applied and saved to .*pcount\.json/);
  assert.match(second, /lines of gate/);
  const saved = JSON.parse(readFileSync(real, 'utf8'));
  assert.deepEqual(saved.videos[0].lines, moved);
  assert.deepEqual(saved.cameras[0].lines, [moved[1]]);
  assert.equal(statSync(real).mode & 0o777, 0o600, 'a private config stays private');
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.deepEqual(readdirSync(dir).sort(), ['pcount.json', 'real.json'], 'no temporary file left behind');
});

test('line saver: lines the config would reject leave the file as it was', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c.json');
  writeFileSync(file, pretty);
  await assert.rejects(new LineSaver(file).save('north', [{ name: 'a,b', points: [0, 0, 1, 1] }]), /would not be valid.*name/);
  assert.equal(readFileSync(file, 'utf8'), pretty);
});

test('line saver: a read-only config is left as it was, the operator told why, and the lines kept to print on quitting', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c.json');
  writeFileSync(file, pretty);
  chmodSync(file, 0o444);
  const saver = new LineSaver(file);
  // Before, the atomic write replaced the file through its (writable) folder: a read-only config was rewritten.
  await assert.rejects(saver.save('north', moved), new RegExp(`${file} is read-only \\(mode 0444\\); the lines are printed when you quit`));
  assert.equal(readFileSync(file, 'utf8'), pretty);
  assert.deepEqual(saver.unsavedText(), [`lines of north changed in the dashboard were not saved (${file} is read-only (mode 0444)); its "lines" in ${file}: ${JSON.stringify(moved)}`]);
  chmodSync(file, 0o644);
  assert.match(await saver.save('north', moved), /applied and saved/);
  assert.deepEqual(saver.unsavedText(), [], 'saved at last: nothing left to print');
});

test('line saver: a file or folder that cannot be written is named in words, not as a bare errno', () => {
  const err = (code: string) => Object.assign(new Error(`${code}: x, open '/etc/.c.json.1.tmp'`), { code });
  assert.equal(saveProblem(err('EACCES'), '/etc/c.json'), 'cannot write /etc/c.json: permission denied (the file, or its folder /etc, is not writable)');
  assert.equal(saveProblem(err('EROFS'), '/mnt/c.json'), 'cannot write /mnt/c.json: /mnt is on a read-only file system');
  assert.equal(saveProblem(err('ENOENT'), '/x/c.json'), '/x/c.json is not there any more');
  assert.equal(saveProblem(err('ENOSPC'), '/x/c.json'), 'cannot write /x/c.json: no space left on its disk');
});

test('line saver: an ad-hoc run has no file; the lines come back as --line arguments', async () => {
  const saver = new LineSaver(null);
  assert.equal(await saver.save('vtest', moved), 'lines of vtest applied; to reuse them: --line 0.4,0,0.4,1,door --line 0,0.65,1,0.65,hall');
  assert.deepEqual(saver.changed.get('vtest'), moved);
});

test('line saver: lines a fleet task takes from its next run are said to be, not said applied', async () => {
  const saver = new LineSaver(null);
  assert.equal(
    await saver.save('vtest', moved, 'fleet-next-run'),
    'lines of vtest set; they apply from its next run: its fleet worker counts on the old ones until then (r restarts it on them); to reuse them: --line 0.4,0,0.4,1,door --line 0,0.65,1,0.65,hall',
  );
  assert.match(await saver.save('vtest', moved, 'next-run'), /^lines of vtest set; they apply from its next run; to reuse/);
  assert.equal(linesTakenText('gate', 'fleet-next-run', 'site.json'), 'lines of gate set and saved to site.json; they apply from its next run: its fleet worker counts on the old ones until then (r restarts it on them)');
  assert.equal(linesTakenText('gate', 'now', 'site.json'), 'lines of gate applied and saved to site.json');
});
