import path from 'node:path';
import type { PoolSnapshot } from '../orchestrator/types.js';
import { truncateMiddle } from './format.js';

/**
 * What is left on the terminal after quitting: the totals, and where the results and the store are. Each file written
 * goes on a line of its own, cut in the middle when it is wider than the terminal (its folder is on the line above,
 * whole): joined in one list, the terminal broke long names at its edge, mid-name. The folders are never cut, so that
 * they can be copied.
 */
export function quitSummary(s: PoolSnapshot, columns = 80): string {
  const counts = `${s.tasks.reduce((n, t) => n + t.in, 0)} in, ${s.tasks.reduce((n, t) => n + t.out, 0)} out`;
  const left = s.left > 0 ? `, ${s.left} left running in fleet '${s.fleet?.fleet ?? '?'}'` : '';
  const head = `pcount-tui: ${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'}, ${s.completed} completed, ${s.failed} failed, ${s.cancelled} cancelled${left}; ${counts}`;
  const e = s.lastExport;
  const indent = '  ';
  const results = !e
    ? ['results: nothing written (no task ran)']
    : e.error
      ? [`results: not written to ${e.dir}: ${e.error}`]
      : [`results: ${e.dir}`, ...e.files.map((f) => indent + truncateMiddle(path.basename(f), Math.max(columns - indent.length, 8)))];
  const store = s.store ? [`store: ${s.store.path}${s.store.error ? ` (FAILED: ${s.store.error})` : ''}`] : [];
  return `${[head, ...results, ...store].join('\n')}\n`;
}
