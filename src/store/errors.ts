/** What went wrong with a store file, in words an operator can act on. */
export type StoreProblem = 'readonly' | 'unreadable' | 'full' | 'locked' | 'corrupt' | 'newer' | 'missing' | 'folder' | 'special' | 'nofolder' | 'io';

const WHAT: Record<StoreProblem, string> = {
  readonly: 'cannot be written (read-only folder, file or file system)',
  unreadable: 'cannot be read (permission denied)',
  full: 'the disk is full',
  locked: 'is locked by another program',
  corrupt: 'is not a pcount-tui store or is damaged',
  newer: 'was written by a newer pcount-tui',
  missing: 'does not exist',
  folder: 'is a folder, not a file',
  special: 'is a device or a pipe, not a file (give the path of a file, or of one to create)',
  nofolder: 'cannot be made: a part of its folder is a file, or the file system makes no folders there',
  io: 'input/output error',
};

/** A store that cannot be opened, read or written. The message names the file and the problem. */
export class StoreError extends Error {
  constructor(
    readonly file: string,
    readonly problem: StoreProblem,
    readonly detail: string,
  ) {
    super(`store ${file} ${WHAT[problem]}${detail ? ` (${detail})` : ''}`);
    this.name = 'StoreError';
  }
}

/** SQLite's extended result codes and Node's errno codes, mapped to the problem they mean for the operator. */
function problemOf(code: string): StoreProblem {
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code) || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return 'readonly';
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  if (code === 'ENOTDIR' || code === 'ENOENT') return 'nofolder';
  return 'io';
}

/** Wraps any error thrown by better-sqlite3 or the file system into a StoreError for `file`. */
export function toStoreError(file: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  // Node's own messages already begin with their code (`ENOTDIR: not a directory, …`); SQLite's do not.
  return new StoreError(file, problemOf(code), code && !message.startsWith(code) ? `${code}: ${message}` : message);
}
