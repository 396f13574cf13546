import { hostname } from 'node:os';
import { toStoreError } from '../store/errors.js';
import type { RunRow } from '../store/rows.js';
import { Store } from '../store/store.js';

export type OpenedStore = { ok: true; store: Store } | { ok: false; message: string };

/** A run that writes no heartbeat for this long has died, whatever its process id says. */
const HEARTBEAT_STALE_MS = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process of an unfinished run is still counting (on this host: its pid lives; anywhere: its heartbeat is fresh). */
function stillRunning(run: RunRow, now: number): boolean {
  const fresh = now - run.heartbeat_at < HEARTBEAT_STALE_MS;
  return run.host === hostname() ? fresh && pidAlive(run.pid) : fresh;
}

/**
 * Opens the store for a run of `tasks`. Another pcount-tui that is still counting one of them on the same store is
 * an error (both would resume the same count); runs that died without ending (kill -9, power cut) are marked
 * crashed, and their counts are continued by this run.
 */
export function openStoreFor(file: string, tasks: string[], opts: { mode?: number } = {}, now = Date.now()): OpenedStore {
  let store: Store;
  try {
    store = Store.open(file, { mode: opts.mode });
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  try {
    const open = store.openRunsWith(tasks);
    const live = open.filter((r) => stillRunning(r, now));
    if (live.length > 0) {
      store.close();
      const r = live[0];
      const names = [...new Set(live.map((l) => l.task))].join(', ');
      return {
        ok: false,
        message: `store ${store.file}: ${names} ${live.length === 1 ? 'is' : 'are'} being counted by another pcount-tui (pid ${r.pid} on ${r.host}, run ${r.id}); stop it first, or give this run another --db`,
      };
    }
    store.probeWrite(now, `${hostname()}:${process.pid}`);
    store.markCrashed([...new Set(open.map((r) => r.id))]);
    return { ok: true, store };
  } catch (err) {
    store.close();
    return { ok: false, message: toStoreError(store.file, err).message };
  }
}
