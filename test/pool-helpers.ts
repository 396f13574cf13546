import { fileURLToPath } from 'node:url';
import type { TaskSpec } from '../src/config/types.js';
import { Pool } from '../src/orchestrator/pool.js';
import type { PoolOptions } from '../src/orchestrator/pool-options.js';
import type { PoolSnapshot } from '../src/orchestrator/types.js';

/** The fake worker, compiled next to this file in dist/test/fixtures/. */
export const fakeWorker = { file: process.execPath, args: [fileURLToPath(new URL('./fixtures/fake-worker.js', import.meta.url))] };

export function fakeTask(id: string, script: string, kind: TaskSpec['kind'] = 'video'): TaskSpec {
  return { id, kind, source: `fake:${script}`, lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.4 } };
}

const pools: Pool[] = [];

/** A pool of fake workers (2 slots, no output folder, debug logs); `shutdownPools` (for afterEach) stops them all. */
export function makePool(opts: Partial<PoolOptions> & Pick<PoolOptions, 'tasks'>): Pool {
  const pool = new Pool({ workerCount: 2, outputDir: null, command: fakeWorker, cpus: 4, random: () => 0, logLevel: 'debug', ...opts });
  pools.push(pool);
  return pool;
}

export async function shutdownPools(): Promise<void> {
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
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
