import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p` that always ends. Node's recursive mkdir tries again for ever when making a folder fails with ENOENT
 * although its parent exists, and /proc, /sys and some FUSE file systems answer just that: `snapshot -o
 * /proc/x/a.png` or `--db /proc/x/a.db` spun at 100 % CPU until killed. Here the missing folders are made one by
 * one from the top, once each, and a failure is an error naming the folder.
 */
export function makeFolder(dir: string, mode?: number): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let at = target; !exists(at); at = path.dirname(at)) missing.unshift(at);
  for (const at of missing) {
    try {
      mkdirSync(at, { mode });
    } catch (err) {
      // Made meanwhile by someone else: what was wanted.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(at).isDirectory()) throw err;
    }
  }
  // A file where the folder should be: mkdir says so (EEXIST), as Node's own does.
  if (!statSync(target).isDirectory()) mkdirSync(target);
}

/** Whether something is at `at` (the root always is); a path through a file (ENOTDIR) or a folder one may not look into is an error. */
function exists(at: string): boolean {
  try {
    statSync(at);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
