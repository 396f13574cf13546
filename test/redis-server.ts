import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real `redis-server` for tests and benchmarks: its own free port, its own temporary folder (so that its dump and
 * append-only file never touch the system's Redis), stopped with the test. `restart()` starts it again on the same
 * port and folder, so the data it saved is loaded back, as after an operator's restart.
 */
export interface TestRedis {
  port: number;
  host: string;
  dir: string;
  url: string;
  process: ChildProcess;
  /** SHUTDOWN-like stop: SIGTERM, which makes Redis save its data first. */
  stop(): Promise<void>;
  /** A crash: SIGKILL. With appendfsync everysec, up to the last second of writes is lost. */
  crash(): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'redis.log'), 'utf8').split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Resolves once a TCP connection to host:port is accepted; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`redis-server did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `args` are extra redis-server options, after the defaults so that they win; `conf` lines go in its config file (`['--requirepass', 'x']`, `['--maxmemory-policy', 'allkeys-lru']`). Data is
 * kept with an append-only file fsynced every second and saved at shutdown.
 */
export async function startRedis(args: string[] = [], opts: { host?: string; port?: number; conf?: string[] } = {}): Promise<TestRedis> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-redis-'));
  const port = opts.port ?? (await freePort(host));
  // Directives that the command line cannot carry (an ACL `user` line has spaces) go in a config file.
  const conf = path.join(dir, 'redis.conf');
  writeFileSync(conf, (opts.conf ?? []).join('\n') + '\n');
  const base = [conf, '--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'), ...args];
  let proc: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    proc = spawn('redis-server', base, { stdio: 'ignore' });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    handle.process = proc;
    const failed = exited.then(() => {
      throw new Error(`redis-server ${args.join(' ')} exited at start: ${readLog(dir)}`);
    });
    await Promise.race([waitForPort(host, port, 20_000), failed]);
    failed.catch(() => undefined);
  };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
  };
  const handle: TestRedis = {
    port,
    host,
    dir,
    url: `redis://${host}:${port}/0`,
    process: null as unknown as ChildProcess,
    stop,
    async crash() {
      proc.kill('SIGKILL');
      await exited;
    },
    restart: launch,
    async dispose() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await launch();
  return handle;
}
