import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { DoneEvent, HelloEvent } from '../src/protocol/events.js';
import { until } from './pool-helpers.js';
import { cutClips, processesMentioning, writeClipConfig } from './real-clips.js';

describe('pool with real workers on real clips', () => {
  it('runs two video tasks side by side to completion with the counts their workers reported, and leaves no process', async () => {
    // Two 60-frame stretches of vtest.avi where people cross the middle of the frame.
    const { dir, clips } = cutClips({ early: 8, late: 40 });
    const loaded = loadConfig(writeClipConfig(dir, clips));
    assert.ok(loaded.ok);
    const pool = new Pool({ tasks: loaded.config.tasks, workerCount: loaded.config.workerCount, outputDir: loaded.config.resultOutput, cpus: 2 });
    const done = new Map<string, DoneEvent>();
    const hello = new Map<string, HelloEvent>();
    pool.onEvent((ev) => {
      if (ev.type === 'done') done.set(ev.task, ev);
      if (ev.type === 'hello') hello.set(ev.task, ev);
    });
    let bothRunning = false;
    pool.subscribe(() => (bothRunning ||= pool.snapshot().active === 2));
    pool.begin();
    const end = await until(pool, (s) => s.finished && s.lastExport !== null && s.lastExport !== undefined);
    await pool.shutdown();

    assert.ok(bothRunning, 'worker_count 2 runs both at once');
    for (const id of ['early', 'late']) {
      const task = end.tasks.find((t) => t.id === id)!;
      const report = done.get(id);
      assert.equal(task.state, 'completed', `${id}: ${task.reason}`);
      assert.ok(report, `${id} reported done`);
      assert.equal(report.frames, 60);
      assert.deepEqual([task.in, task.out, task.frames], [report.in, report.out, report.frames]);
      assert.deepEqual(task.lines, report.lines);
      assert.equal(task.progress, 1);
      assert.equal(hello.get(id)!.source, clips[id]);
    }
    assert.ok(end.tasks.reduce((s, t) => s + t.in + t.out, 0) > 0, 'people cross the middle line in these stretches');
    assert.deepEqual(processesMentioning(dir), [], 'no worker or ffmpeg left');
  });
});
