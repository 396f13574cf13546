import Database from 'better-sqlite3';
import { accessSync, chmodSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../common/make-folder.js';
import { StoreError, toStoreError } from './errors.js';
import { migrate, NewerSchemaError, SCHEMA_VERSION } from './migrations.js';

/** Opening a store's database file: the checks before, the pragmas, the migration, and the read-only fallback. */

export interface OpenOptions {
  /** Only open an existing store (reports); a missing file is an error instead of a new store. */
  mustExist?: boolean;
  /** How long to wait for another writer's lock before giving up (ms). */
  busyTimeoutMs?: number;
  /** File mode of the store (0o600 when a source has a password); SQLite gives its -wal and -shm files the same. */
  mode?: number;
}

/**
 * Opens (creating the file and folder if needed) and migrates a store database, and hands it to `wrap` (the Store
 * that owns it); a failure in `wrap` closes the database too. Throws StoreError naming the file. With `mustExist`, a
 * store that cannot be written is still opened for reading if it needs no migration.
 */
export function openDatabase<T>(file: string, opts: OpenOptions, wrap: (db: Database.Database, file: string) => T): T {
  const abs = path.resolve(file);
  const timeout = opts.busyTimeoutMs ?? 2000;
  let db: Database.Database | null = null;
  let found: ReturnType<typeof statSync>;
  try {
    found = statSync(abs, { throwIfNoEntry: false });
  } catch (err) {
    // ENOTDIR: a part of the path is a file. Named as the store's problem, not as a bare stat error.
    throw toStoreError(abs, err);
  }
  if (opts.mustExist && !found) throw new StoreError(abs, 'missing', '');
  if (found?.isDirectory()) throw new StoreError(abs, 'folder', '');
  // `--db /dev/null` was opened: its mode restricted (0600, for a source with a password) and a journal made beside it.
  if (found && !found.isFile()) throw new StoreError(abs, 'special', '');
  // SQLite says only "unable to open" of a file it may not read, which reads as a write problem to a report.
  if (found && !readable(abs)) throw new StoreError(abs, 'unreadable', '');
  try {
    if (!opts.mustExist) makeFolder(path.dirname(abs));
    if (opts.mode !== undefined) restrictMode(abs, opts.mode);
    db = new Database(abs, { timeout, fileMustExist: opts.mustExist === true });
    checkIsStore(abs, db, opts.mustExist === true);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return wrap(db, abs);
  } catch (err) {
    db?.close();
    if (err instanceof NewerSchemaError) throw new StoreError(abs, 'newer', err.message);
    const e = toStoreError(abs, err);
    if (opts.mustExist && e.problem === 'readonly') return openForReading(abs, timeout, wrap);
    throw e;
  }
}

function openForReading<T>(file: string, timeout: number, wrap: (db: Database.Database, file: string) => T): T {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout });
    try {
      checkIsStore(file, db, true);
    } catch (err) {
      if (!needsShmFile(file, err)) throw err;
      db.close();
      db = memoryImage(file);
      checkIsStore(file, db, true);
    }
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) throw new StoreError(file, 'newer', new NewerSchemaError(version).message);
    if (version !== SCHEMA_VERSION) {
      throw new StoreError(file, 'readonly', `schema version ${version} needs migrating to ${SCHEMA_VERSION}, which needs write access`);
    }
    return wrap(db, file);
  } catch (err) {
    db?.close();
    throw toStoreError(file, err);
  }
}

/**
 * SQLite reads a WAL-mode store through its `-shm` file, and cannot make one in a folder this user may not write
 * (a service's results read by another user, a read-only mount): the first read fails. With no `-wal` file beside
 * it (no writer is running and none left writes behind), the database file alone holds everything.
 */
function needsShmFile(file: string, err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN') && (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) === 0;
}

/** The store file read into memory, read-only; marked as a rollback-journal database (header bytes 18 and 19), as
 * SQLite opens no in-memory database in WAL mode. */
function memoryImage(file: string): Database.Database {
  const image = readFileSync(file);
  if (image.length >= 20) image.fill(1, 18, 20);
  return new Database(image, { readonly: true });
}

/**
 * An existing file that is a database without our tables is someone else's: never migrate (write) into it. Nor,
 * when the store must exist already (a report, which only reads), into an empty one: that is any empty file.
 */
function checkIsStore(file: string, db: Database.Database, mustExist: boolean): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  const tables = Number(db.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get());
  if (version === 0 && tables > 0) throw new StoreError(file, 'corrupt', 'it holds tables that are not pcount-tui\'s');
  if (version === 0 && mustExist) throw new StoreError(file, 'corrupt', 'it is empty: no run has written to it');
}

/** Creates the store file with `mode`, or narrows an existing one (and its -wal and -shm) to it. */
function restrictMode(file: string, mode: number): void {
  closeSync(openSync(file, 'a', mode));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, mode);
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
