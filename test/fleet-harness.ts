import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { FleetEntry, RunEntry } from '../src/fleet/entries.js';
import type { FleetSink } from '../src/fleet/store-sink.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { cliBin, repoRoot } from './worker-harness.js';

/** Real agent processes, real worker children, real Redis, and a live camera made from the test footage. */

export const vtest480 = fileURLToPath(new URL('../../test/fixtures/footage/vtest-480.avi', import.meta.url));
export const mot17Cut = fileURLToPath(new URL('../../test/fixtures/footage/mot17-09-141-280.mp4', import.meta.url));
export const controllerScript = fileURLToPath(new URL('./fixtures/fleet-controller.js', import.meta.url));

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `pcount-${prefix}-`));
}

/** A child process whose output lines are kept and can be waited for. */
export interface Proc {
  child: ChildProcess;
  lines: string[];
  /** When each line arrived (ms since epoch), by index. */
  times: number[];
  stderr(): string;
  waitLine(re: RegExp, timeoutMs: number, from?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/** `command[0]` with the rest as its arguments (no shell). */
export function startProc(command: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(command[0], command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const times: number[] = [];
  let err = '';
  let partial = '';
  const waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      times.push(Date.now());
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (lines.length - 1 >= waiters[i].from && waiters[i].re.test(line)) waiters.splice(i, 1)[0].resolve(line);
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    times,
    stderr: () => err,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    waitLine(re, timeoutMs, from = 0) {
      const seen = lines.slice(from).find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.join('\n')}\nstderr: ${err}`)), timeoutMs);
        waiters.push({ re, from, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

export interface AgentOpts {
  url: string;
  name: string;
  slots?: number;
  journal: string;
  fleet?: string;
  env?: NodeJS.ProcessEnv;
  /** Run the agent through this command prefix (e.g. `ip netns exec ns`). */
  prefix?: string[];
}

/** `pcount-tui agent`, keeping its journal segments after acknowledgement so that tests can audit what workers sent. */
export function startAgent(o: AgentOpts): Proc {
  const args = ['agent', '--redis', o.url, '--name', o.name, '--slots', String(o.slots ?? 1), '--journal', o.journal, '--keep-journal'];
  if (o.fleet) args.push('--fleet', o.fleet);
  return startProc([...(o.prefix ?? []), process.execPath, cliBin, ...args], { env: o.env });
}

type ConfigTask = { id: string; source: string; lines: { name: string; points: number[] }[] };

/**
 * A config for `run --redis` at `dir/fleet.json` (written again when called again): these cameras and videos, skip 1,
 * confidence 0.3, results and store under `dir/results`. Returns the config's path, the results folder and the store.
 */
export function writeFleetTasks(dir: string, redisUrl: string, tasks: { cameras?: ConfigTask[]; videos?: ConfigTask[] }): { config: string; results: string; db: string } {
  const results = path.join(dir, 'results');
  const config = path.join(dir, 'fleet.json');
  writeFileSync(config, JSON.stringify({ parallel_config: { result_output: results, skip_frames: 1, confidence: 0.3, redis: redisUrl }, ...tasks }));
  return { config, results, db: path.join(results, 'pcount.db') };
}

/** The given cameras and the two test files (`vt`, `mot`), each counted on a vertical line through the middle. */
export function writeFleetConfig(dir: string, redisUrl: string, cameras: { id: string; source: string }[]): { config: string; results: string } {
  const middle = [{ name: 'middle', points: [0.5, 0, 0.5, 1] }];
  return writeFleetTasks(dir, redisUrl, {
    cameras: cameras.map((c) => ({ ...c, lines: middle })),
    videos: [
      { id: 'vt', source: vtest480, lines: middle },
      { id: 'mot', source: mot17Cut, lines: middle },
    ],
  });
}

/** The agents of one test or benchmark, by name, each with its own journal folder under `dir`. */
export class AgentPool {
  readonly agents = new Map<string, Proc>();

  constructor(
    private readonly url: string,
    private readonly dir: string,
    private readonly slots: number,
  ) {}

  journal(name: string): string {
    return path.join(this.dir, `journal-${name}`);
  }

  /** Starts (or starts again, with the same journal) the agent `name`, in `fleet` (default: pcount). */
  spawn(name: string, fleet?: string): Proc {
    const p = startAgent({ url: this.url, name, slots: this.slots, journal: this.journal(name), fleet });
    this.agents.set(name, p);
    return p;
  }

  get(name: string): Proc {
    return this.agents.get(name)!;
  }

  killAll(): void {
    for (const p of this.agents.values()) if (p.alive()) p.child.kill('SIGKILL');
  }

  /** Every crossing the workers of these agents reported, as `run#seq` → task (their journals, acknowledged or not). */
  crossings(): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of this.agents.keys()) {
      for (const e of journalEntries(this.journal(name))) if (e.k === 'ev' && e.event.type === 'crossing') out.set(`${e.run}#${e.event.seq}`, e.task);
    }
    return out;
  }
}

/** Everything an agent's workers reported (journal segments, acknowledged or not): the reference for exactly-once checks. */
export function journalEntries(dir: string): RunEntry[] {
  const out: RunEntry[] = [];
  for (const sub of ['', 'acked', 'dropped']) {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, sub)).filter((n) => n.endsWith('.ndjson'));
    } catch {
      continue;
    }
    for (const n of names) {
      for (const line of readFileSync(path.join(dir, sub, n), 'utf8').split('\n')) {
        if (line) {
          try {
            out.push(JSON.parse(line) as RunEntry);
          } catch {
            // A torn last line of a killed agent: never sent either.
          }
        }
      }
    }
  }
  return out;
}

/** A sink that keeps what it reads in memory (for tests about what reaches the controller, not about storing it). */
export class RecordingSink implements FleetSink {
  readonly entries: FleetEntry[] = [];
  private readonly through = new Map<string, number>();

  storeBatch(entries: FleetEntry[]): boolean[] {
    return entries.map((e) => {
      if (e.k !== 'ev' && e.k !== 'end') return true;
      const through = this.through.get(e.run) ?? 0;
      if (e.n <= through) return false;
      this.through.set(e.run, Math.max(through, e.n));
      this.entries.push(e);
      return true;
    });
  }

  storedThrough(run: string): number {
    return this.through.get(run) ?? 0;
  }
}

/**
 * A live camera: ffmpeg plays an MPEG-TS clip in a loop at its real rate, and an HTTP server hands the same bytes to
 * every client that connects (ffmpeg's own `-listen` serves one client only, and an agent taking a camera over must
 * connect while the old connection may still be open).
 */
export interface LiveStream {
  url: string;
  clients(): number;
  stop(): Promise<void>;
}

export async function startLiveStream(clip: string, host = '127.0.0.1'): Promise<LiveStream> {
  const ffmpeg = await resolveFfmpeg();
  const responses = new Set<ServerResponse>();
  const feeder = spawn(ffmpeg.path, ['-nostdin', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'mpegts', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let carry = Buffer.alloc(0);
  feeder.stdout!.on('data', (chunk: Buffer) => {
    // Whole 188-byte TS packets only, so that a client joining mid-stream starts on a packet boundary.
    const data = Buffer.concat([carry, chunk]);
    const whole = data.length - (data.length % 188);
    carry = data.subarray(whole);
    for (const res of responses) res.write(data.subarray(0, whole));
  });
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp2t' });
    responses.add(res);
    req.on('close', () => responses.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}/camera.ts`,
    clients: () => responses.size,
    async stop() {
      feeder.kill('SIGKILL');
      for (const res of responses) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** vtest-480.avi as MPEG-2 in MPEG-TS (MS-MPEG4 does not go into TS), a key frame every second, for live streams. */
export async function makeLiveClip(dir: string, frames = 480): Promise<string> {
  const ffmpeg = await resolveFfmpeg();
  const clip = path.join(dir, 'camera.ts');
  const made = spawnSync(ffmpeg.path, ['-loglevel', 'error', '-y', '-i', vtest480, '-frames:v', String(frames), '-c:v', 'mpeg2video', '-q:v', '4', '-g', '10', clip]);
  if (made.status !== 0) throw new Error(String(made.stderr));
  return clip;
}

/** The first `frames` frames of vtest-480.avi, stream-copied: a short file task. */
export async function makeShortFile(dir: string, name: string, frames: number): Promise<string> {
  const ffmpeg = await resolveFfmpeg();
  const file = path.join(dir, `${name}.avi`);
  const made = spawnSync(ffmpeg.path, ['-loglevel', 'error', '-y', '-i', vtest480, '-frames:v', String(frames), '-c', 'copy', file]);
  if (made.status !== 0) throw new Error(String(made.stderr));
  return file;
}

/** vtest-480.avi `times` times in a row, stream-copied: a file whose run is still going long after a given frame. */
export async function makeLongFile(dir: string, name: string, times: number): Promise<string> {
  const ffmpeg = await resolveFfmpeg();
  const file = path.join(dir, `${name}.avi`);
  const made = spawnSync(ffmpeg.path, ['-loglevel', 'error', '-y', '-stream_loop', String(times - 1), '-i', vtest480, '-c', 'copy', file]);
  if (made.status !== 0) throw new Error(String(made.stderr));
  return file;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Every file under `dir`, at any depth. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The Redis password `secret` is on no command line (`ps`) of the processes running now. */
export function assertNotOnCommandLine(secret: string): void {
  assert.ok(!execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(secret), 'the password is on no command line');
}

/** The Redis password `secret` is in none of `outputs` and in no file under `dir` (journals, results, store). */
export function assertSecretKept(secret: string, dir: string, outputs: string[]): void {
  assert.ok(outputs.every((text) => !text.includes(secret)), 'the password is in no output');
  assert.deepEqual(filesUnder(dir).filter((file) => readFileSync(file).includes(secret)), [], 'nor in any file: journals, results, store');
}

/** A command through redis-cli to a server whose password is `secret`, in its environment (never on its command line); its answer. */
export function redisCli(redis: { host: string; port: number }, secret: string, ...command: string[]): string {
  return execFileSync('redis-cli', ['-h', redis.host, '-p', String(redis.port), ...command], { env: { ...process.env, REDISCLI_AUTH: secret }, encoding: 'utf8' }).trim();
}

/** A process's stdout and stderr, for the password checks. */
export const outputOf = (p: Proc): string => p.lines.join('\n') + '\n' + p.stderr();

/** The crossings a controller's store counts (not void), as `line direction @frame #track`, in frame order: compared between runs. */
export function countedCrossings(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = conn.prepare('SELECT line, direction, frame, track FROM crossings WHERE void = 0 ORDER BY frame, track, line, direction').all() as Record<string, unknown>[];
    return rows.map((r) => `${r.line} ${r.direction} @${r.frame} #${r.track}`);
  } finally {
    conn.close();
  }
}
