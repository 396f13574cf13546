import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Store } from '../src/store/store.js';
import type { DoneEvent, ErrorEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { cutClips, processesMentioning, writeClipConfig } from './real-clips.js';
import { crossingsOf, eventually, startRun } from './run-process.js';
import { runWorkerCli, vtest } from './worker-harness.js';

/** vtest-480.avi: 480 frames at 10 fps (48 s); skipping frames keeps the warm-ups short. */
async function startAt(frame: number) {
  const r = await runWorkerCli(['--source', vtest, '--skip-frames', '5', '--start-frame', String(frame)], 120_000);
  for (const line of r.lines) {
    const v = validateEvent(JSON.parse(line));
    assert.ok(v.ok, `invalid event ${line}: ${v.ok ? '' : v.errors.join('; ')}`);
  }
  assert.equal(crossingsOf(r.events as never).length, 0, 'nothing is counted');
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const done = r.events.find((e): e is DoneEvent => e.type === 'done');
  const errors = r.events.filter((e): e is ErrorEvent => e.type === 'error');
  return { ...r, done, errors };
}

describe('worker --start-frame at and past the end of a file', () => {
  it('the frame after the last one (a run interrupted at the end, resumed) ends the file normally', async () => {
    const r = await startAt(481);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.errors, []);
    assert.equal(r.done?.reason, 'end');
    assert.deepEqual([r.done?.in, r.done?.out], [0, 0]);
  });

  it('further past the end: BAD_ARGUMENT naming the file, the frame and how many frames the file has', async () => {
    const r = await startAt(520);
    assert.equal(r.code, 2);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].code, 'BAD_ARGUMENT');
    assert.equal(r.errors[0].message, `--start-frame 520 is past the end of ${vtest}: it has 480 frames`);
    assert.equal(r.done?.reason, 'error');
    assert.equal(r.stderr.trim(), `pcount-tui worker: BAD_ARGUMENT: ${r.errors[0].message}`);
  });

  it('so far past that even the warm-up is: the length from the header (was SOURCE_UNREADABLE, blaming the file)', async () => {
    const r = await startAt(5000);
    assert.equal(r.code, 2);
    assert.equal(r.errors[0]?.code, 'BAD_ARGUMENT');
    assert.equal(r.errors[0].message, `--start-frame 5000 is past the end of ${vtest}: it has about 480 frames (48 s at 10 fps)`);
    assert.equal(r.done?.frames, 0);
  });
});

describe('worker --start-state: the counting state of frame N − 1 continues exactly', () => {
  it('the crossings from N on are the uninterrupted run\'s, to the track id; a state for another frame is not used, said', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcount-state-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const base = ['--source', vtest, '--skip-frames', '5', '--line', '0.5,0,0.5,1'];
    const full = await runWorkerCli([...base, '--emit-tracks'], 240_000);
    assert.equal(full.code, 0, full.stderr);
    // Which frame each crossing was emitted at: the next `tracks` event's.
    const emitted: { frame: number; crossing: string }[] = [];
    let pending: string[] = [];
    for (const e of full.events as { type: string; frame: number }[]) {
      if (e.type === 'crossing') pending.push(JSON.stringify({ ...e, ts: 0 }));
      if (e.type === 'tracks') {
        emitted.push(...pending.map((crossing) => ({ frame: e.frame, crossing })));
        pending = [];
      }
    }
    // Released when the file ended, after the last frame's `tracks`.
    emitted.push(...pending.map((crossing) => ({ frame: Infinity, crossing })));
    // The state of a run that stopped in the middle, off the detection grid (frames 1, 6, 11, …, 231, 236): the frames
    // up to the next detection are predicted. States otherwise come with the progress reports, once a second of wall
    // time, so which frames have one depends on the machine's speed; the last report's is at the frame it stopped at.
    const from = 233;
    const cut = await runWorkerCli([...base, '--emit-state', '--max-frames', String(from)], 240_000);
    assert.equal(cut.code, 0, cut.stderr);
    const last = (cut.events as { type: string; frame: number; state?: unknown }[]).filter((e) => e.type === 'state').at(-1);
    assert.equal(last?.frame, from, 'the stopped run wrote its state at its last frame');
    const file = path.join(dir, 'state.json');
    writeFileSync(file, JSON.stringify(last.state));
    const resumed = await runWorkerCli([...base, '--start-frame', String(from + 1), '--start-state', file], 240_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    const logs = resumed.events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
    assert.ok(logs.includes(`continues from the state after frame ${from}, as the run it resumes had it`), logs.join('\n'));
    const expected = emitted.filter((x) => x.frame > from).map((x) => x.crossing.replace(/"seq":\d+,/, ''));
    assert.ok(expected.length > 0, 'crossings after the resume point');
    const got = crossingsOf(resumed.events as never).map((c) => JSON.stringify({ ...c, ts: 0 }).replace(/"seq":\d+,/, ''));
    assert.deepEqual(got, expected);

    const wrong = await runWorkerCli([...base, '--start-frame', String(from + 3), '--start-state', file], 240_000);
    assert.equal(wrong.code, 0, wrong.stderr);
    const said = wrong.events.find((e) => e.type === 'log' && /--start-state .* not used/.test((e as { message: string }).message)) as { message: string } | undefined;
    assert.match(said?.message ?? '', new RegExp(`not used: it is the state after frame ${from}, not before --start-frame ${from + 3}; tracking warms up before frame ${from + 3} instead`));
  });
});

describe('run: a file whose checkpoint is at its last frame', () => {
  it('resumes after it and finishes the count: completed, the kept totals, nothing counted twice', async () => {
    const { dir, clips } = cutClips({ film: 10 }, 120);
    const config = writeClipConfig(dir, clips, { worker_count: 1, skip_frames: 5 });
    const first = startRun([config]);
    assert.equal((await first.exited).code, 0, first.stderr());
    const counted = first.events.find((e) => e.type === 'summary')!;
    assert.ok(counted.total_in + counted.total_out > 0, 'the clip has crossings to keep');
    // As if the run had been killed after the last checkpoint and before its `done` was stored.
    const db = counted.store.path as string;
    const store = Store.open(db);
    const taskRun = store.latestTaskRun('film')!;
    const checkpoint = store.lastCheckpoint(taskRun.chain_id);
    assert.equal(checkpoint?.frame, 120, 'the checkpoint is at the last frame');
    assert.equal((JSON.parse(checkpoint?.state ?? 'null') as { frame: number } | null)?.frame, 120, 'with the counting state of that frame');
    // First as a checkpoint stored before checkpoints held the state (a store of schema 3): the warm-up, said.
    store.db.prepare(`UPDATE task_runs SET end_reason = NULL, ended_at = NULL WHERE id = ?`).run(taskRun.id);
    store.db.prepare(`UPDATE checkpoints SET state = NULL WHERE task_run_id = ?`).run(taskRun.id);
    store.close();
    const resumes = [
      { state: null, said: /film: resumes at frame 121, keeping \d+ in, \d+ out counted before it; its checkpoint holds no counting state \(an older pcount-tui stored it\), so tracking warms up/, continues: false },
      { state: checkpoint!.state, said: /film: resumes at frame 121, keeping \d+ in, \d+ out counted before it\n/, continues: true },
    ];
    for (const resume of resumes) {
      const s = Store.open(db);
      s.db.prepare(`UPDATE task_runs SET end_reason = NULL, ended_at = NULL WHERE id = (SELECT MAX(id) FROM task_runs)`).run();
      s.db.prepare(`UPDATE checkpoints SET state = ? WHERE task_run_id = ?`).run(resume.state, taskRun.id);
      s.close();
      const again = startRun([config]);
      const { code } = await again.exited;
      assert.equal(code, 0, again.stderr());
      assert.match(again.stderr(), resume.said);
      const continued = again.events.some((e) => e.type === 'log' && /continues from the state after frame 120, as the run it resumes had it/.test(String(e.message)));
      assert.equal(continued, resume.continues, 'the worker continues from the stored state when there is one');
      assert.equal(crossingsOf(again.events).length, 0);
      const summary = again.events.find((e) => e.type === 'summary')!;
      assert.equal(summary.tasks[0].state, 'completed', JSON.stringify(summary.tasks[0]));
      assert.deepEqual([summary.total_in, summary.total_out], [counted.total_in, counted.total_out]);
      const after = Store.open(db);
      assert.equal(after.latestTaskRun('film')!.end_reason, 'end', 'the next run starts a new count');
      after.close();
    }
  });
});

describe('the resume state a run hands its worker', () => {
  it('leaves nothing in the temporary folder, also when the run is killed (kill -9) while the resumed worker counts', async () => {
    const { dir, clips } = cutClips({ film: 0 }, 480);
    // Every frame detected: slow enough that the killed runs are mid-file (at skip 5 a quiet machine counted the 480
    // frames before the third progress report, and the resume had nothing left to count).
    const config = writeClipConfig(dir, clips, { worker_count: 1, skip_frames: 1 });
    const tmp = mkdtempSync(path.join(tmpdir(), 'pcount-tmp-'));
    try {
      const env = { TMPDIR: tmp };
      const stateFolders = () => readdirSync(tmp).filter((f) => f.startsWith('pcount-state-'));
      const gone = () => eventually(() => processesMentioning(dir).length === 0, 15_000, 'the workers of the killed run ended');
      // A run killed after a checkpoint, then its resume, killed while its worker counts from the stored state.
      const first = startRun([config], env);
      await first.until((events) => events.filter((e) => e.type === 'progress').length >= 2, 120_000, 'two progress reports');
      first.child.kill('SIGKILL');
      await gone();
      const again = startRun([config], env);
      await again.until((events) => events.some((e) => e.type === 'progress'), 120_000, 'the resumed worker counting');
      assert.match(again.stderr(), /film: resumes at frame \d+, keeping \d+ in, \d+ out counted before it(; \d+ crossings? after it will be counted again)?\n/, 'resumed with the stored state');
      again.child.kill('SIGKILL');
      await gone();
      assert.deepEqual(stateFolders(), [], 'no state folder is left behind');
      // The state was read all the same: the worker continued from it.
      const third = startRun([config], env);
      assert.equal((await third.exited).code, 0, third.stderr());
      assert.ok(third.events.some((e) => e.type === 'log' && /continues from the state after frame \d+, as the run it resumes had it/.test(String(e.message))), third.stderr());
      assert.deepEqual(stateFolders(), []);
    } finally {
      for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
