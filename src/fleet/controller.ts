import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { TaskSpec } from '../config/types.js';
import { Listeners } from '../orchestrator/listeners.js';
import type { FinishedRun } from '../orchestrator/runner.js';
import type { RedisConnection, RedisReply } from './connect.js';
import { FleetError } from './errors.js';
import { EventReader, type Delivered } from './event-reader.js';
import { agentHealth, taskView, type FleetHealth, type FleetTaskView } from './health.js';
import { fleetKeys, type FleetKeys } from './keys.js';
import type { ResumeMark } from '../store/fleet-marks.js';
import { markToWire, type ResumePoint } from './run-states.js';
import { COMMAND, CONTROLLER_EXIT, CONTROLLER_LEASE, runScript, START_FRAMES, SUBMIT } from './scripts.js';
import type { FleetSink } from './store-sink.js';
import { specToWire } from './task-wire.js';
import { CONTROLLER_LEASE_MS } from './timing.js';

export type FleetCommand = 'start' | 'stop' | 'cancel' | 'restart';

/** Where a file's next run counts from, with the worker's counting state before that frame (JSON) when known. */
export interface StartPoint {
  frame: number | null;
  state: string | null;
  /** Where in the counting order that state was taken (the store's checkpoint's fleet run and seq), when known. */
  mark?: ResumeMark | null;
}

export interface ControllerOptions {
  conn: RedisConnection;
  fleet: string;
  /** How long to wait for a previous controller's lease to lapse (it may have been killed) before giving up. */
  waitForLeaseMs?: number;
}

/**
 * The controller's side of the fleet: submits a config's tasks, sends the dashboard's commands, reads every agent's
 * events exactly once into its sink, and reports the fleet's health. One controller at a time drives a fleet (it
 * holds a lease); a new one attaches and catches up from where the last one stopped.
 */
export class FleetController {
  readonly keys: FleetKeys;
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly entries = new Listeners<Delivered[]>();
  private readonly lost = new Listeners<string>();
  private reader: EventReader | null = null;
  private blocking: RedisConnection | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** The sink could not store the last batch it was given (the store failed): said to the agents with the lease. */
  private unstored = false;

  private constructor(private readonly opts: ControllerOptions) {
    this.keys = fleetKeys(opts.fleet);
  }

  /** Takes the fleet's controller lease (waiting out a dead controller's). Reading starts with `read`. */
  static async attach(opts: ControllerOptions): Promise<FleetController> {
    const c = new FleetController(opts);
    await c.takeLease(opts.waitForLeaseMs ?? CONTROLLER_LEASE_MS + 1000);
    c.leaseTimer = setInterval(() => void c.renewLease(), CONTROLLER_LEASE_MS / 4);
    return c;
  }

  /**
   * Reads every agent's events into `sink`, exactly once, from where the last controller stopped. `onFailure` hears
   * why a batch could not be stored (and null once one is stored again).
   */
  async read(sink: FleetSink, onFailure: (message: string | null) => void = () => {}): Promise<void> {
    this.blocking = await this.opts.conn.duplicate(`pcount-controller-read:${this.holder}`);
    const failed = (message: string | null) => {
      this.unstored = message !== null;
      onFailure(message);
    };
    this.reader = new EventReader(this.opts.conn, this.blocking, this.keys, this.holder, sink, (items) => this.entries.emit(items), failed);
    this.reader.start();
  }

  /** Stops reading (what is not acknowledged stays in the stream and the agents' journals for the next controller). */
  async stopReading(): Promise<void> {
    await this.reader?.close();
    this.reader = null;
  }

  /** Every batch of stream entries, after the run entries among them were stored (each run entry once with fresh = true). */
  onEntries(listener: (items: Delivered[]) => void): () => void {
    return this.entries.add(listener);
  }

  /** Another controller took the fleet over (this one could not renew its lease, e.g. while Redis was away). */
  onLeaseLost(listener: (holder: string) => void): () => void {
    return this.lost.add(listener);
  }

  /**
   * Queues new tasks; a task already queued or running with the same spec is left alone (a controller re-attaching).
   * `start`: where a file's next run counts from (the store's checkpoint, with its counting state), else none.
   */
  async submit(specs: TaskSpec[], start: (spec: TaskSpec) => StartPoint = () => ({ frame: null, state: null })): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    for (const spec of specs) {
      const { frame, state, mark } = start(spec);
      // With the state's mark, a run that goes on from it voids exactly the earlier run's crossings after it (FleetMarks);
      // without one (a checkpoint stored before checkpoints said their fleet run) it voids them by frame.
      const args = [this.keys.prefix, spec.id, spec.kind, specToWire(spec), frame ?? '', (frame && state) || '', frame && state ? markToWire(frame, mark ?? null) : ''];
      result.set(spec.id, String(await runScript(this.opts.conn, SUBMIT, args)));
    }
    return result;
  }

  /**
   * Where a file's next run counts from (after each checkpoint the controller stores), with the counting state before
   * that frame when the checkpoint has one: used when an agent claims it. Only forward: an agent that handed the task
   * back may have set a newer frame than this controller has stored yet.
   */
  async setStartFrames(frames: Map<string, ResumePoint>): Promise<void> {
    if (frames.size === 0) return;
    await runScript(this.opts.conn, START_FRAMES, [this.keys.prefix, ...[...frames].flatMap(([id, p]) => [id, p.frame, p.state ?? '', markToWire(p.frame, p.mark)])]);
  }

  async command(task: string, cmd: FleetCommand): Promise<{ ok: boolean; message: string }> {
    const [result, message] = (await runScript(this.opts.conn, COMMAND, [this.keys.prefix, task, cmd])) as string[];
    return { ok: result === 'ok', message };
  }

  /** Stops every task of the fleet that is queued or running (the dashboard's "q, then stop the fleet"). */
  async stopAll(): Promise<void> {
    for (const t of await this.tasks()) if (t.state === 'queued' || t.state === 'running') await this.command(t.id, 'stop');
  }

  /** The fleet's tasks (or the given ones) as Redis holds them. */
  async tasks(only?: string[]): Promise<FleetTaskView[]> {
    const ids = only ?? ((await this.opts.conn.send(['SMEMBERS', this.keys.tasks])) as string[]).sort();
    const hashes = await this.opts.conn.pipeline(ids.map((id) => ['HGETALL', this.keys.task(id)]));
    return ids.map((id, i) => taskView(id, toRecord(hashes[i])));
  }

  /**
   * The config's files that the fleet read to their end, with the same spec, while no controller followed them (the
   * last one left them running): by task, the run that finished and how much of it a controller acknowledged.
   */
  async finishedRuns(specs: TaskSpec[], views: FleetTaskView[]): Promise<Map<string, FinishedRun>> {
    const byId = new Map(views.map((v) => [v.id, v]));
    const done = specs.filter((s) => {
      const v = byId.get(s.id);
      return s.kind === 'video' && v?.state === 'completed' && v.lastRun !== null && v.lastN > 0;
    });
    const stored = await this.specs(done.map((s) => s.id));
    const same = done.filter((s) => stored.get(s.id) === specToWire(s));
    const acked = await this.opts.conn.pipeline(same.map((s) => ['HGET', this.keys.acked, byId.get(s.id)!.lastRun!]));
    return new Map(
      same.map((s, i) => {
        const v = byId.get(s.id)!;
        return [s.id, { run: v.lastRun!, agent: v.lastAgent ?? '?', lastN: v.lastN, acked: Number(acked[i]) || 0 }];
      }),
    );
  }

  /** Of the given tasks, those Redis holds no hash of: it lost them (restarted without its data, flushed). */
  async missing(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const replies = await this.opts.conn.pipeline(ids.map((id) => ['EXISTS', this.keys.task(id)]));
    return ids.filter((_, i) => replies[i] === 0);
  }

  /** The specs of the given tasks as submitted (config form), null for a task Redis does not hold. */
  async specs(ids: string[]): Promise<Map<string, string | null>> {
    const replies = await this.opts.conn.pipeline(ids.map((id) => ['HGET', this.keys.task(id), 'spec']));
    return new Map(ids.map((id, i) => [id, typeof replies[i] === 'string' ? (replies[i] as string) : null]));
  }

  async health(): Promise<FleetHealth> {
    const conn = this.opts.conn;
    const redis = { state: conn.state, since: conn.since, detail: conn.state === 'up' ? 'connected' : conn.lastError, address: conn.target.display };
    if (!conn.ready) return { redis, agents: [], queued: 0, running: 0 };
    const [time, names, queued, running] = await conn.pipeline([['TIME'], ['SMEMBERS', this.keys.agents], ['ZCARD', this.keys.queue], ['SCARD', this.keys.running]]);
    const [sec, usec] = (time as string[]).map(Number);
    const now = sec * 1000 + Math.floor(usec / 1000);
    const list = ((names as string[]) ?? []).sort();
    const hashes = await conn.pipeline(list.map((n) => ['HGETALL', this.keys.agent(n)]));
    return {
      redis,
      agents: list.map((n, i) => agentHealth(n, toRecord(hashes[i]), now)),
      queued: Number(queued) || 0,
      running: Number(running) || 0,
    };
  }

  /** Stops reading and frees the fleet for the next controller; the fleet's tasks keep running. */
  async detach(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.stopReading();
    await this.blocking?.close();
    if (this.opts.conn.ready) await runScript(this.opts.conn, CONTROLLER_EXIT, [this.keys.prefix, this.holder]).catch(() => undefined);
  }

  private async takeLease(waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const reply = String(await runScript(this.opts.conn, CONTROLLER_LEASE, [this.keys.prefix, this.holder, CONTROLLER_LEASE_MS]));
      if (reply === 'ok') return;
      if (Date.now() >= deadline) {
        const [host, pid] = reply.split(':');
        throw new FleetError('CONTROLLER_PRESENT', `fleet '${this.opts.fleet}' already has a controller (pid ${pid} on ${host}); close it first, or use another --fleet`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async renewLease(): Promise<void> {
    if (!this.opts.conn.ready) return;
    const reply = await runScript(this.opts.conn, CONTROLLER_LEASE, [this.keys.prefix, this.holder, CONTROLLER_LEASE_MS]).catch(() => 'ok');
    if (reply !== 'ok') this.lost.emit(String(reply));
    // While nothing is stored, progress in the runs' sequences would pile up unacknowledged (a report a second per run,
    // in the journals and the stream): the agents send it as to no controller, one every 10 s replacing the one before.
    // Lapses by itself once the store takes writes again, or the controller is gone.
    else if (this.unstored) await this.opts.conn.send(['SET', this.keys.unstored, this.holder, 'PX', CONTROLLER_LEASE_MS]).catch(() => undefined);
  }
}

function toRecord(reply: RedisReply | Error): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}
