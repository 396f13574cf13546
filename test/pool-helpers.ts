import { fileURLToPath } from 'node:url';
import type { TaskSpec } from '../src/config/types.js';
import type { Pool } from '../src/orchestrator/pool.js';
import type { PoolSnapshot } from '../src/orchestrator/types.js';

/** The fake worker, compiled next to this file in dist/test/fixtures/. */
export const fakeWorker = { file: process.execPath, args: [fileURLToPath(new URL('./fixtures/fake-worker.js', import.meta.url))] };

export function fakeTask(id: string, script: string, kind: TaskSpec['kind'] = 'video'): TaskSpec {
  return { id, kind, source: `fake:${script}`, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.4 } };
}

/** Resolves with the first snapshot that satisfies `pred`, checked now and after every change of the pool. */
export function until(pool: Pool, pred: (s: PoolSnapshot) => boolean): Promise<PoolSnapshot> {
  return new Promise((resolve) => {
    const check = () => {
      const s = pool.snapshot();
      if (!pred(s)) return false;
      off();
      resolve(s);
      return true;
    };
    const off = pool.subscribe(() => void check());
    check();
  });
}

export const task = (s: PoolSnapshot, id: string) => s.tasks.find((t) => t.id === id)!;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
