import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeFolder } from './make-folder.js';

export interface AtomicWriteOptions {
  /** Permissions of the new file, e.g. 0o600 for results that name a camera with credentials (default 0o644). */
  mode?: number;
}

/**
 * Writes a whole file or nothing: the content goes to a temporary file in the same folder (same file system, so the
 * rename is atomic), is flushed to disk, then renamed over the target, and the folder is flushed so that the rename
 * itself survives a power cut. A crash leaves the old file or a stray `.tmp`, never half a file under the real name.
 * A target that is a device or a pipe (`snapshot -o /dev/stdout`, or a link to one) is written into instead: the
 * rename would have replaced it with a file (root's /dev/full became one) and hidden a write that fails (ENOSPC).
 * A link is followed (targetOf): the file it points to is written, the link kept.
 */
export async function writeFileAtomic(given: string, content: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const target = targetOf(given);
  if (target.special) {
    await writeFile(given, content);
    return;
  }
  const file = target.file;
  const dir = path.dirname(file);
  makeFolder(dir);
  const temp = tempName(file);
  try {
    const handle = await open(temp, 'w', opts.mode ?? 0o644);
    try {
      await handle.writeFile(content);
      // open() applies the umask to the mode; chmod makes the permissions exactly the ones asked for.
      if (opts.mode !== undefined) await handle.chmod(opts.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/**
 * Where the content goes. A link is followed to the end of its chain, also when that end does not exist yet (a
 * dangling link is made into its file, as the shell's `>` does): renamed over the link itself, the link became a
 * file, and as root `-o /dev/stdout` replaced /dev/stdout. Anything but a file, a folder or nothing is `special`.
 */
function targetOf(given: string): { special: true } | { special: false; file: string } {
  let file = path.resolve(given);
  for (let hops = 0; ; hops++) {
    const found = lstatSync(file, { throwIfNoEntry: false });
    if (!found?.isSymbolicLink()) {
      return found && !found.isFile() && !found.isDirectory() ? { special: true } : { special: false, file: found ? realpathSync(file) : file };
    }
    // The kernel's own limit on a chain of links (ELOOP), so that a loop of links is an error and not a hang.
    if (hops === 40) throw Object.assign(new Error(`ELOOP: too many symbolic links, ${given}`), { code: 'ELOOP' });
    file = path.resolve(path.dirname(file), readlinkSync(file));
  }
}

/**
 * writeFileAtomic for a caller that must not yield (the fleet agent's journal writes as events arrive): the same
 * temporary file and rename, the file flushed before it; the folder is not flushed (the caller flushes its journal
 * every second, and a rename lost to a power cut leaves the previous file whole).
 */
export function writeFileAtomicSync(given: string, content: string, opts: AtomicWriteOptions = {}): void {
  const target = targetOf(given);
  if (target.special) {
    writeFileSync(given, content);
    return;
  }
  const file = target.file;
  const temp = tempName(file);
  try {
    const fd = openSync(temp, 'w', opts.mode ?? 0o644);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** A stray one (a crash between writing and renaming) starts with `.` and ends with `.tmp`. */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory (EINVAL); the file itself is on disk already.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}
