import { mkdtempSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** `kind`: what is there when it is not a folder, as said to the user. */
type Found = { at: string; isDir: boolean; kind: string } | { error: string };

/** The path itself or its nearest ancestor that exists. */
function nearestExisting(target: string): Found {
  for (let at = target; ; at = path.dirname(at)) {
    try {
      const st = statSync(at);
      // /dev/null given as --output was said to be 'a file'.
      return { at, isDir: st.isDirectory(), kind: st.isFile() ? 'a file' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'a device' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || path.dirname(at) === at) return { error: (err as Error).message };
    }
  }
}

/** Tried for real, with an empty folder removed at once: permission bits do not stop root, read-only mounts do. */
function notWritable(dir: string): string | null {
  try {
    rmdirSync(mkdtempSync(path.join(dir, '.pcount-tui-write-check-')));
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/**
 * Why files cannot be written into `dir`, or null. Folders are made when first written to, so the nearest part of the
 * path that exists must be a folder in which a new entry can be made.
 */
export function folderProblem(dir: string): string | null {
  const found = nearestExisting(dir);
  if ('error' in found) return `cannot use ${dir}: ${found.error}`;
  const what = found.at === dir ? dir : `cannot make ${dir}: ${found.at}`;
  if (!found.isDir) return `${what} is ${found.kind}, not a folder`;
  const denied = notWritable(found.at);
  return denied ? `${what} is not writable (${denied})` : null;
}

/** Why results and logs (`<dir>/logs`) cannot be written, or null. */
export function outputDirProblem(dir: string): string | null {
  const problem = folderProblem(dir);
  if (problem) return problem;
  const found = nearestExisting(dir);
  if ('error' in found || found.at !== dir) return null;
  const logs = path.join(dir, 'logs');
  const inLogs = nearestExisting(logs);
  if ('error' in inLogs || inLogs.at !== logs) return null;
  if (!inLogs.isDir) return `cannot make ${logs}: it is ${inLogs.kind}, not a folder`;
  const logsDenied = notWritable(logs);
  return logsDenied ? `${logs} is not writable (${logsDenied})` : null;
}
