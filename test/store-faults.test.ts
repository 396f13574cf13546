import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Store } from '../src/store/store.js';
import { binPath, crossingsOf, startRun, vtest480 } from './run-process.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** A folder anyone may read, with the footage and a config whose store is `db` (relative to the folder). */
function setup(db: string | null = null): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-faults-'));
  chmodSync(dir, 0o755);
  copyFileSync(vtest480, path.join(dir, 'film.avi'));
  const config = path.join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      parallel_config: { worker_count: 1, skip_frames: 2, ...(db ? { store: db } : {}) },
      videos: [{ id: 'film', source: 'film.avi', lines: [{ name: 'mid', points: [0.5, 0, 0.5, 1] }] }],
    }),
  );
  return { dir, config };
}

/** `pcount-tui run` to its end; as `nobody` when root (root ignores file permissions). */
function runAs(args: string[], asNobody: boolean) {
  const prefs = mkdtempSync(path.join(tmpdir(), 'pcount-prefs-'));
  if (asNobody) chownSync(prefs, NOBODY, NOBODY);
  return spawnSync(process.execPath, [binPath, 'run', ...args, '--no-tui'], {
    encoding: 'utf8',
    env: { ...process.env, PCOUNT_CONFIG_DIR: prefs },
    timeout: 60_000,
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
}

function storeWithData(file: string): string {
  const s = Store.open(file);
  s.beginRun({ id: 'old', started_at: 1, folder: null, config: null, host: 'h', pid: 1, heartbeat_at: 1 });
  s.endRun('old', 2, 'finished');
  s.close();
  return JSON.stringify(Store.open(file).db.prepare(`SELECT * FROM runs`).all());
}

describe('a store that cannot be opened or written', () => {
  it('a read-only folder: a clear error naming the store, exit 1, nothing started; an existing store there is kept as it was', () => {
    // The store in a folder of its own: a read-only result_output is refused earlier, by the config check.
    const { dir, config } = setup('ro/pcount.db');
    const ro = path.join(dir, 'ro');
    const results = path.join(dir, 'results');
    mkdirSync(ro);
    mkdirSync(results);
    if (isRoot) chownSync(results, NOBODY, NOBODY);
    chmodSync(ro, 0o555);
    const fresh = runAs([config], isRoot);
    assert.equal(fresh.status, 1, fresh.stderr);
    assert.equal(fresh.stdout, '');
    assert.match(fresh.stderr, new RegExp(`pcount-tui: store ${ro}/pcount.db cannot be written \\(read-only folder, file or file system\\)`));

    chmodSync(ro, 0o755);
    const file = path.join(ro, 'pcount.db');
    const before = storeWithData(file);
    chmodSync(file, 0o444);
    chmodSync(ro, 0o555);
    const existing = runAs([config], isRoot);
    assert.equal(existing.status, 1, existing.stderr);
    assert.match(existing.stderr, /cannot be written/);
    chmodSync(ro, 0o755);
    chmodSync(file, 0o644);
    const store = Store.open(file);
    assert.equal(JSON.stringify(store.db.prepare(`SELECT * FROM runs`).all()), before);
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
    store.close();
  });

  it('a store locked by another program, and a damaged one: clear errors, exit 1, the file untouched', () => {
    const { dir, config } = setup('counts.db');
    const file = path.join(dir, 'counts.db');
    storeWithData(file);
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    const locked = runAs([config], false);
    holder.exec('ROLLBACK');
    holder.close();
    assert.equal(locked.status, 1);
    assert.match(locked.stderr, new RegExp(`store ${file} is locked by another program`));

    writeFileSync(file, Buffer.alloc(8192, 'x'));
    const damaged = runAs([config], false);
    assert.equal(damaged.status, 1);
    assert.match(damaged.stderr, new RegExp(`store ${file} is not a pcount-tui store or is damaged`));
    assert.deepEqual(readFileSync(file), Buffer.alloc(8192, 'x'));
  });

  it('a device or a pipe given as the store: refused before it is opened, its mode untouched, no journal beside it', () => {
    // Was: opened by SQLite, chmod 0600 for a source with a password (as root, `--db /dev/null` broke /dev/null for
    // every other user) and a journal file made beside it; then an I/O error, or an empty run store.
    const { dir } = setup();
    const pipe = path.join(dir, 'pipe.db');
    execFileSync('mkfifo', ['-m', '0644', pipe]);
    const run = runAs(['--source', 'rtsp://admin:s3cret@127.0.0.1:9/x', '--db', pipe], false);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `pcount-tui: store ${pipe} is a device or a pipe, not a file (give the path of a file, or of one to create)\n`);
    assert.equal(statSync(pipe).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('pipe.db')), ['pipe.db']);
    const report = spawnSync(process.execPath, [binPath, 'report', '--db', pipe], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(report.status, 1);
    assert.match(report.stderr, /is a device or a pipe, not a file/);
  });

  it('a store the user may not read: report and run say so (was: "cannot be written", for a report that only reads)', () => {
    const { dir, config } = setup('counts.db');
    const file = path.join(dir, 'counts.db');
    storeWithData(file);
    chmodSync(file, 0o200);
    const report = spawnSync(process.execPath, [binPath, 'report', '--db', file], { encoding: 'utf8', timeout: 60_000, ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
    assert.equal(report.status, 1, report.stderr);
    assert.equal(report.stderr, `pcount-tui report: store ${file} cannot be read (permission denied)\n`);
    const results = path.join(dir, 'results');
    mkdirSync(results);
    if (isRoot) chownSync(results, NOBODY, NOBODY);
    const run = runAs([config], isRoot);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`store ${file} cannot be read \\(permission denied\\)`));
  });
});

/**
 * A small file system for the store: a tmpfs (CI runs as root), else a file size limit on the run (RLIMIT_FSIZE), which
 * makes the store's files unable to grow just as a full disk does.
 */
function smallDisk(): { dir: string; prefix: string[]; fill: () => void; release: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-disk-'));
  try {
    // PCOUNT_TEST_NO_MOUNT=1 tries the other way on a machine that can mount.
    if (process.env.PCOUNT_TEST_NO_MOUNT) throw new Error('no mount');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    // No mount here: the run may not grow any file beyond 160 KiB, so the store's WAL soon cannot grow.
    return { dir, prefix: ['bash', '-c', 'trap "" XFSZ; ulimit -f 160; exec "$@"', 'bash'], fill: () => {}, release: () => {} };
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    prefix: [],
    fill() {
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    release() {
      rmSync(filler, { force: true });
    },
  };
}

describe('the disk of the store fills up during a run', () => {
  const disk = smallDisk();
  after(() => {
    try {
      execFileSync('umount', [disk.dir], { stdio: 'ignore' });
    } catch {
      // Not mounted (the file size limit was used).
    }
  });

  it('says so with an error event, counts on in memory, exits 1, and keeps what was stored intact and in order', async () => {
    const { dir, config } = setup();
    const db = path.join(disk.dir, 'pcount.db');
    const r = startRun([config, '--db', db], {}, {}, disk.prefix);
    await r.until((ev) => crossingsOf(ev).length >= 2, 90_000, 'two crossings');
    // A reader holding a snapshot (a long report, say) keeps the WAL from being reused: every write needs new space.
    const reader = new Database(db, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM crossings').get();
    disk.fill();
    await r.until((ev) => ev.some((e) => e.type === 'error' && e.code === 'STORE_FAILED'), 60_000, 'the STORE_FAILED error');
    const { code } = await r.exited;
    reader.exec('ROLLBACK');
    reader.close();
    disk.release();

    assert.equal(code, 1);
    const failure = r.events.find((e) => e.type === 'error' && e.code === 'STORE_FAILED')!;
    assert.equal(failure.fatal, false);
    // A full disk is SQLITE_FULL; a file that may not grow is a failed write (SQLITE_IOERR_WRITE).
    assert.match(failure.message, new RegExp(`store ${db} (the disk is full|input/output error)`));
    const summary = r.events.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.tasks[0].state, 'completed', 'counting went on');
    const printed = crossingsOf(r.events);
    assert.equal(summary.total_in + summary.total_out, printed.length, 'every crossing shown is counted');
    assert.match(summary.store.error, /disk is full|input\/output error/);

    const store = Store.open(db);
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
    const stored = store.db.prepare(`SELECT seq, frame, direction FROM crossings ORDER BY seq`).all() as { seq: number; frame: number; direction: string }[];
    assert.ok(stored.length >= 2 && stored.length < printed.length, `a prefix was stored: ${stored.length} of ${printed.length}`);
    stored.forEach((c, i) => assert.deepEqual(c, { seq: i + 1, frame: printed[i].frame, direction: printed[i].direction }));
    store.close();
    void dir;
  });
});
