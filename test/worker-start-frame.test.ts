import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../src/store/store.js';
import type { DoneEvent, ErrorEvent } from '../src/protocol/events.js';
import { validateEvent } from '../src/protocol/validate.js';
import { cutClips, writeClipConfig } from './real-clips.js';
import { crossingsOf, startRun } from './run-process.js';
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
    assert.equal(store.lastCheckpoint(taskRun.chain_id)?.frame, 120, 'the checkpoint is at the last frame');
    store.db.prepare(`UPDATE task_runs SET end_reason = NULL, ended_at = NULL WHERE id = ?`).run(taskRun.id);
    store.close();

    const again = startRun([config]);
    const { code } = await again.exited;
    assert.equal(code, 0, again.stderr());
    assert.match(again.stderr(), /film: resumes at frame 121, keeping \d+ in, \d+ out counted before it/);
    assert.equal(crossingsOf(again.events).length, 0);
    const summary = again.events.find((e) => e.type === 'summary')!;
    assert.equal(summary.tasks[0].state, 'completed', JSON.stringify(summary.tasks[0]));
    assert.deepEqual([summary.total_in, summary.total_out], [counted.total_in, counted.total_out]);
    const after = Store.open(db);
    assert.equal(after.latestTaskRun('film')!.end_reason, 'end', 'the next run starts a new count');
    after.close();
  });
});
