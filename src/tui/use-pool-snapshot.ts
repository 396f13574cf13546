import { useCallback, useEffect, useRef, useState } from 'react';
import type { PoolControl, PoolSnapshot } from '../orchestrator/types.js';

/**
 * The pool's latest snapshot, re-read at most once per `intervalMs` however often the pool changes
 * (workers report many events per second), plus `refresh()` for an immediate re-read after a key press.
 */
export function usePoolSnapshot(pool: PoolControl, intervalMs: number): [PoolSnapshot, () => void] {
  const [snapshot, setSnapshot] = useState(() => pool.snapshot());
  const lastRead = useRef(Date.now());
  const pending = useRef<NodeJS.Timeout | null>(null);

  const refresh = useCallback(() => {
    if (pending.current) {
      clearTimeout(pending.current);
      pending.current = null;
    }
    lastRead.current = Date.now();
    setSnapshot(pool.snapshot());
  }, [pool]);

  useEffect(() => {
    const unsubscribe = pool.subscribe(() => {
      if (pending.current) return;
      const wait = Math.max(0, lastRead.current + intervalMs - Date.now());
      pending.current = setTimeout(() => {
        pending.current = null;
        refresh();
      }, wait);
    });
    return () => {
      unsubscribe();
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [pool, intervalMs, refresh]);

  return [snapshot, refresh];
}
