import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CrossingInput, NewTaskRun } from '../src/store/rows.js';
import { Store } from '../src/store/store.js';

/** A fresh store file in a temporary folder. */
export function tempStore(name = 'pcount.db'): Store {
  return Store.open(path.join(mkdtempSync(path.join(tmpdir(), 'pcount-store-')), name));
}

export const UTC_RULES = { reset: null, floor: null, zone: 'UTC' };

export function taskRun(over: Partial<NewTaskRun> = {}): NewTaskRun {
  return {
    runId: 'r1',
    chainId: null,
    task: 'door',
    kind: 'video',
    source: '/videos/door.mp4',
    fingerprint: 'fp1',
    lines: [{ name: 'a', points: [0.5, 0, 0.5, 1] }],
    file: { size: 1000, mtimeMs: 5000 },
    startFrame: null,
    startedAt: 1000,
    occupancy: UTC_RULES,
    ...over,
  };
}

export function beginRun(store: Store, id = 'r1', at = 1000): void {
  store.beginRun({ id, started_at: at, folder: `/out/runs/${id}`, config: null, host: 'h', pid: 1, heartbeat_at: at });
}

export function crossing(seq: number, direction: 'in' | 'out', ts: number, line = 'a'): CrossingInput {
  return { seq, line, track: seq, direction, frame: seq * 10, pts: seq, ts, attributes: null };
}
