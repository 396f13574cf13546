#!/usr/bin/env node
// The benches' build step (`npm run bench:*`). `npm run build` empties dist/ before compiling, which takes the worker's
// files from under a dashboard running in the same checkout (its next worker fails to start). Here dist/ is left
// alone when every source compiled into it is older than its output, and otherwise compiled over in place, never
// emptied.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? null;

/** Whether some .ts/.tsx file under `dir` (relative to the root) is newer than its .js in dist/, or has none. */
function stale(dir) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (stale(rel)) return true;
      continue;
    }
    if (!/\.tsx?$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
    const built = mtime(path.join(root, 'dist', rel.replace(/\.tsx?$/, '.js')));
    if (built === null || built < mtime(path.join(root, rel))) return true;
  }
  return false;
}

const tsconfig = path.join(root, 'tsconfig.json');
const cli = mtime(path.join(root, 'dist', 'src', 'cli.js'));
if (cli === null || cli < mtime(tsconfig) || ['src', 'bench', 'test'].some(stale)) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', tsconfig], { stdio: 'inherit' });
  process.exit(built.status ?? 1);
}
