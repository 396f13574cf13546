import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { validateEvent, validateFacesLine } from '../src/protocol/validate.js';
import { cliBin, repoRoot, runWorkerCli } from './worker-harness.js';

const chips = path.join(repoRoot, 'test', 'fixtures', 'faces');
const clip = path.join(repoRoot, 'test', 'fixtures', 'footage', 'mot17-09-141-280.mp4');
const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-faces-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function faces(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return facesWith(process.env, ...args);
}

function facesWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliBin, 'faces', ...args], { cwd: repoRoot, timeout: 120_000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface FacesLine {
  type: string;
  file: string;
  faces: { box: number[]; score: number; gender: string | null; gender_score: number; age: number | null; age_band: string | null }[];
}
const parse = (stdout: string): FacesLine[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as FacesLine);
/** UTKFace names: age_gender_race_date, gender 0 = male, 1 = female. */
const labelled = (file: string) => (path.basename(file).split('_')[1] === '0' ? 'male' : 'female');

describe('pcount-tui faces', () => {
  test('--aligned on a folder of chips: one line per chip, exactly the contract fields, the labelled gender', async () => {
    const r = await faces(chips, '--aligned');
    assert.equal(r.code, 0, r.stderr);
    const lines = parse(r.stdout);
    assert.equal(lines.length, 4);
    for (const l of lines) {
      assert.deepEqual(Object.keys(l), ['v', 'type', 'file', 'faces']);
      assert.ok(validateFacesLine(l).ok, JSON.stringify(l));
      assert.equal(l.faces.length, 1);
      const f = l.faces[0];
      assert.deepEqual(Object.keys(f), ['box', 'score', 'gender', 'gender_score', 'age', 'age_band']);
      assert.deepEqual(f.box, [0, 0, 200, 200]);
      assert.equal(f.gender, labelled(l.file), l.file);
      assert.ok(f.age! >= 13 && f.age! < 50, `${l.file}: age ${f.age}`);
    }
  });

  test('a photo without --aligned: BlazeFace finds the face and its gender is the labelled one', async () => {
    const file = path.join(chips, '29_0_0_20170103182333545.jpg');
    const r = await faces(file);
    assert.equal(r.code, 0, r.stderr);
    const [line] = parse(r.stdout);
    assert.ok(line.faces.length >= 1, 'a face is found');
    const best = line.faces[0];
    assert.ok(best.score >= 0.5 && best.box[2] > 60 && best.box[2] < 200, `box ${best.box}`);
    assert.equal(best.gender, 'male');
  });

  test('a folder that may not be read: named, "permission denied", exit 1 (a source problem; was Node\'s "EACCES: permission denied, scandir")', () => {
    const closed = mkdtempSync(path.join(tmpdir(), 'pcount-faces-closed-'));
    chmodSync(closed, 0o000);
    // Root reads whatever the permissions say: then as nobody.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, [cliBin, 'faces', closed], { encoding: 'utf8', timeout: 60_000, ...as });
    rmSync(closed, { recursive: true, force: true });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `pcount-tui faces: cannot read folder ${closed}: permission denied\n`);
  });

  test('bad input: missing file, empty folder, unreadable image (exit 1, as detect and snapshot), bad --threads (exit 2)', async () => {
    const missing = await faces(path.join(tmp, 'nope.jpg'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found: .*nope\.jpg/);
    const loop = path.join(mkdtempSync(path.join(tmp, 'links-')), 'loop.jpg');
    symlinkSync(loop, loop);
    const looping = await faces(loop);
    assert.equal(looping.code, 1);
    assert.equal(looping.stderr, `pcount-tui faces: a symbolic link loop: ${loop}\n`);
    const empty = path.join(tmp, 'empty');
    mkdtempSync(empty);
    const none = await faces(tmp);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no images/);
    const broken = path.join(tmp, 'broken.jpg');
    writeFileSync(broken, 'not a picture');
    const bad = await faces(broken, path.join(chips, '26_1_0_20170105163517523.jpg'), '--aligned');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot read image .*broken\.jpg/);
    assert.equal(parse(bad.stdout).length, 1, 'the readable image is still answered');
    // A video named as an image (here under a .jpg name) was answered from its first frame, exit 0.
    const video = path.join(tmp, 'clip.jpg');
    copyFileSync(clip, video);
    const notImage = await faces(video, path.join(chips, '26_1_0_20170105163517523.jpg'), '--aligned');
    assert.equal(notImage.code, 1);
    assert.equal(notImage.stderr, `pcount-tui faces: not an image: ${video} (ffmpeg reads it as mov,mp4,m4a,3gp,3g2,mj2; faces takes images, detect takes videos)\n`);
    assert.deepEqual(parse(notImage.stdout).map((l) => path.basename(l.file)), ['26_1_0_20170105163517523.jpg'], 'the image is still answered');
    const threads = await faces(chips, '--threads', '0');
    assert.equal(threads.code, 2);
    assert.match(threads.stderr, /bad --threads '0': expected a whole number from 1 to 64/);
    const nothing = await faces();
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /missing the images \(or folders\) to look for faces in/);
    for (const r of [missing, looping, none, bad, notImage, threads, nothing]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a corrupt face model: the models message with the rebuild hint, exit 1', async () => {
    const dir = path.join(tmp, 'models');
    const built = await facesWith({ ...process.env, PCOUNT_TUI_MODELS_DIR: dir }, chips, '--aligned');
    assert.equal(built.code, 0, 'models are built on first use');
    writeFileSync(path.join(dir, 'faceres.onnx'), 'not a model');
    const r = await facesWith({ ...process.env, PCOUNT_TUI_MODELS_DIR: dir }, chips, '--aligned');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /faceres\.onnx is corrupt: sha256 .*rebuild it with: npx pcount-tui models build/);
  });
});

describe('worker --demographics on a real 1080p clip', () => {
  test('crossings carry gender and age or a reason, pending ones are settled, everything validates', async () => {
    const args = ['--source', clip, '--line', '0.3,0,0.3,1', '--line', '0.5,0,0.5,1', '--line', '0.7,0,0.7,1', '--demographics', '--batch-size', '4'];
    const r = await runWorkerCli(args, 300_000);
    assert.equal(r.code, 0, r.stderr);
    for (const e of r.events) assert.ok(validateEvent(e).ok, `schema: ${JSON.stringify(e).slice(0, 300)}`);
    const crossings = r.events.filter((e) => e.type === 'crossing') as unknown as Record<string, unknown>[];
    assert.ok(crossings.length >= 8, `crossings: ${crossings.length}`);
    assert.deepEqual(crossings.map((c) => c.seq), crossings.map((_, i) => i + 1), 'seq 1, 2, 3, …');
    const later = new Map((r.events.filter((e) => e.type === 'demographics') as unknown as Record<string, unknown>[]).map((d) => [d.seq, d]));
    let estimated = 0;
    for (const c of crossings) {
      for (const k of ['gender', 'gender_score', 'age', 'age_band', 'face_px']) assert.ok(k in c, `crossing ${c.seq} has ${k}`);
      const final = c.reason === 'pending' ? later.get(c.seq) : c;
      assert.ok(final, `pending crossing ${c.seq} is settled by a demographics event`);
      if (final.age === null) assert.ok(['no_face', 'too_small'].includes(final.reason as string), `crossing ${c.seq}: ${final.reason}`);
      else {
        estimated++;
        assert.ok((final.face_px as number) >= 32, `face_px ${final.face_px}`);
        assert.equal(final.reason, undefined);
      }
      if (c.reason === 'pending') assert.deepEqual([final.line, final.track, final.frame], [c.line, c.track, c.frame]);
    }
    assert.ok(estimated >= crossings.length / 2, `${estimated} of ${crossings.length} crossings estimated`);
    const done = r.events.find((e) => e.type === 'done') as unknown as { lines: { in: number; out: number; gender: Record<string, number>; age_band: Record<string, number> }[] };
    for (const l of done.lines) {
      const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      assert.equal(sum(l.gender), l.in + l.out, 'gender split adds up to the line count');
      assert.equal(sum(l.age_band), l.in + l.out, 'age split adds up to the line count');
    }
  });

  test('run --demographics reaches the worker of every task, --no-demographics leaves it off', async () => {
    const vtest = path.join(repoRoot, 'test', 'fixtures', 'footage', 'vtest-480.avi');
    const run = (flag: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const args = [cliBin, 'run', '--source', vtest, '--skip-frames', '240', '--no-tui', '--output', path.join(tmp, `run${flag}`), flag];
        execFile(process.execPath, args, { cwd: tmp, timeout: 180_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr });
        });
      });
    const summary = (stdout: string) => stdout.split('\n').filter((l) => /"type":"log".*"message":"demographics: /.test(l));
    const on = await run('--demographics');
    assert.equal(on.code, 0, on.stderr);
    assert.equal(summary(on.stdout).length, 1, 'the worker ran demographics and said what it did');
    const off = await run('--no-demographics');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(summary(off.stdout).length, 0);
  });

  test('out-of-range options are refused with a clear message', async () => {
    for (const [flag, value, message] of [
      ['--min-face-px', '0', /bad --min-face-px '0': expected a whole number from 8 to 1024/],
      ['--batch-size', '100', /bad --batch-size '100': expected a whole number from 1 to 64/],
      ['--batch-timeout-ms', '60001', /bad --batch-timeout-ms '60001': expected a whole number from 0 to 60000/],
    ] as const) {
      const r = await runWorkerCli(['--source', clip, '--demographics', flag, value], 30_000);
      assert.equal(r.code, 2, `${flag} ${value}`);
      assert.match(r.stderr, message);
    }
    // Given without --demographics it changed nothing, and the worker ran as if it had not been given.
    const alone = await runWorkerCli(['--source', clip, '--batch-size', '4'], 30_000);
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /BAD_ARGUMENT: --batch-size applies only with --demographics/);
  });

  test('a config with demographics settings out of range: every problem with its path', async () => {
    const config = path.join(tmp, 'demographics.json');
    const demographics = { enabled: true, min_face_px: 4, batch_size: 0, batch_timeout_ms: 250 };
    writeFileSync(config, JSON.stringify({ videos: [{ id: 'v', source: clip, lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }], demographics }] }));
    const r = await new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
      execFile(process.execPath, [cliBin, 'validate', config], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr });
      });
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const text = r.stdout + r.stderr;
    assert.match(text, /\$\.videos\[0\]\.demographics\.min_face_px.*(>=|≥|at least|minimum).*8/i);
    assert.match(text, /\$\.videos\[0\]\.demographics\.batch_size.*(>=|≥|at least|minimum).*1/i);
  });
});
