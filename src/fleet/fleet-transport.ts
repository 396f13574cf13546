import type { TaskSpec } from '../config/types.js';
import { Bounded } from '../orchestrator/bounded.js';
import type { FinishedRun, RunnerHandlers, RunnerLaunch, Transport, TransportHost } from '../orchestrator/runner.js';
import type { Usage } from '../orchestrator/resources.js';
import type { FleetView } from '../orchestrator/types.js';
import type { RedisConnection } from './connect.js';
import type { FleetController } from './controller.js';
import type { FleetEntry, RunEntry, TailEntry } from './entries.js';
import { FleetRunner, TaskLink } from './fleet-runner.js';
import type { ResumePoint } from './run-states.js';
import { fleetTaskUsage, type FleetHealth } from './health.js';
import type { EntryRoute } from './store-sink.js';
import { liveAgents, noAgentLine, noAgentWatch, watchAgents } from './no-agent.js';
import { nextAbsences, type Absences } from './task-absence.js';
import { LEASE_MS } from './timing.js';

/** How often the controller reads the fleet's health (agents, queue) from Redis. */
const HEALTH_MS = 1000;
const NOTES = 6;

export interface FleetTransportOptions {
  controller: FleetController;
  conn: RedisConnection;
  fleet: string;
  /** Files the fleet read to their end while no controller followed them, by task (found when the controller attached). */
  finished?: ReadonlyMap<string, FinishedRun>;
  /**
   * A headless controller's stderr: what the dashboard's fleet panel would show and needs the operator (no agent, an
   * agent lost, Redis lost and back), as `pcount-tui: …` lines like its other notes; stdout keeps the NDJSON events.
   */
  warn?: (line: string) => void;
}

/**
 * The fleet as a transport of the controller's pool: every task is handed to the fleet at once (agents with free
 * slots claim them from Redis), and every entry the event reader stores is routed to its task (EntryRoute), so that
 * it takes the same store-then-show path as a local worker's event. It also watches the fleet's health for the
 * dashboard, and tells the agents where a re-queued file resumes (the store's checkpoint).
 */
export class FleetTransport implements Transport, EntryRoute {
  readonly remote = true;
  private readonly links = new Map<string, TaskLink>();
  private readonly notes = new Bounded<string>(NOTES);
  private readonly agentStates = new Map<string, string>();
  private readonly strays = new Set<string>();
  private host: TransportHost | null = null;
  private leave = true;
  private health: FleetHealth | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readFailure: string | null = null;
  private downSince = Date.now();
  private noAgents = noAgentWatch(Date.now());
  private absences: Absences = new Map();

  constructor(private readonly opts: FleetTransportOptions) {
    opts.conn.changes.add(({ state, detail }) => {
      if (state === 'down') this.say(`Redis lost (${detail}): the agents keep counting into their journals; reconnecting`, true);
      else this.say(`Redis back after ${((Date.now() - this.downSince) / 1000).toFixed(0)} s: catching up on what the agents sent meanwhile`, true);
      this.downSince = state === 'down' ? Date.now() : this.downSince;
      this.host?.changed();
    });
    opts.controller.onEntries(() => void this.writeStartFrames());
  }

  bind(host: TransportHost): void {
    this.host = host;
  }

  finishedRun(task: string): FinishedRun | null {
    return this.opts.finished?.get(task) ?? null;
  }

  beforeShutdown(leaveRunning: boolean): void {
    this.leave = leaveRunning;
    // What the tasks left running report from now on is the next controller's to store (with their runs' ends).
    if (leaveRunning) void this.quiesce();
  }

  async quiesce(): Promise<void> {
    this.close();
    await this.opts.controller.stopReading();
  }

  start(spec: TaskSpec, launch: RunnerLaunch, handlers: RunnerHandlers): FleetRunner {
    let link = this.links.get(spec.id);
    if (!link) {
      link = new TaskLink(spec);
      this.links.set(spec.id, link);
    }
    link.handlers = handlers;
    const runner = new FleetRunner(this.opts.controller, link, launch, () => this.leave);
    link.runner = runner;
    void runner.submit();
    return runner;
  }

  entry(e: RunEntry | TailEntry): () => void {
    const link = this.links.get(e.task);
    return link ? link.entry(e) : this.stray(e.task);
  }

  notice(e: FleetEntry): () => void {
    if (e.k === 'agent') return () => this.agentNotice(e);
    const link = this.links.get(e.task);
    if (!link) return () => {};
    const show = link.notice(e);
    const moved = e.k === 'lost' ? `${e.task}: ${e.note}` : null;
    return () => {
      show();
      if (moved) this.say(moved);
    };
  }

  storeFailure(): string | null {
    return this.host?.storeFailure() ?? null;
  }

  storeFailed(err: unknown): string {
    return this.host?.storeFailed(err) ?? String(err);
  }

  /** The reader could not store a batch (null: it can again); nothing is acknowledged meanwhile. */
  readProblem(message: string | null): void {
    if (message === this.readFailure) return;
    this.readFailure = message;
    if (message) this.say(`${message}; nothing is acknowledged, the agents keep the events in their journals`);
    this.host?.changed();
  }

  /** Each task's worker usage, as its agent reported it with its last heartbeat. */
  usage(): ReadonlyMap<string, Usage> {
    return fleetTaskUsage(this.health?.agents ?? []);
  }

  fleetView(): FleetView {
    const conn = this.opts.conn;
    const h = this.health;
    return {
      fleet: this.opts.fleet,
      redis: { state: conn.state, since: conn.since, detail: conn.state === 'up' ? 'connected' : conn.lastError, address: conn.target.display },
      agents: h?.agents ?? [],
      queued: h?.queued ?? 0,
      running: h?.running ?? 0,
      notes: this.notes.toArray(),
    };
  }

  /** Starts reading the fleet's health about once a second. */
  watch(): void {
    if (!this.timer) this.noAgents = noAgentWatch(Date.now());
    this.timer ??= setInterval(() => void this.poll(), HEALTH_MS);
    void this.poll();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.opts.conn.ready) return;
    this.polling = true;
    try {
      this.health = await this.opts.controller.health();
      for (const a of this.health.agents) {
        const before = this.agentStates.get(a.name);
        this.agentStates.set(a.name, a.state);
        if (a.state === 'silent' && before !== 'silent') {
          this.say(`agent ${a.name} silent for ${Math.round(a.heartbeatAgeMs / 1000)} s: its tasks go to other agents if it stays silent ${LEASE_MS / 1000} s`);
        }
      }
      if (this.opts.warn) this.watchAgents(this.health, this.opts.warn);
      await this.findLostTasks();
      this.host?.changed();
    } catch {
      // Redis went away between the check and the read: its state says so.
    } finally {
      this.polling = false;
    }
  }

  /** Tasks Redis lost (restarted without its data, flushed): submitted again once missing for a lease time (task-absence.ts). */
  private async findLostTasks(): Promise<void> {
    const followed = [...this.links].filter(([, link]) => link.runner?.inFleet).map(([id]) => id);
    const step = nextAbsences(this.absences, await this.opts.controller.missing(followed), Date.now(), LEASE_MS);
    this.absences = step.absences;
    for (const id of step.resubmit) {
      this.say(`${id}: Redis lost the task (restarted without its data, or flushed): submitted again from the store's resume point`, true);
      void this.links.get(id)?.runner?.resubmit();
    }
  }

  /** Without a dashboard (whose fleet panel says it), no agent in the fleet is said on stderr, then again now and then. */
  private watchAgents(health: FleetHealth, warn: (line: string) => void): void {
    const now = Date.now();
    const { watch, say } = watchAgents(this.noAgents, liveAgents(health.agents), now);
    this.noAgents = watch;
    if (say) warn(noAgentLine(this.opts.fleet, this.opts.conn.target.display, health.queued, Math.round((now - watch.since!) / 1000)));
  }

  private agentNotice(e: Extract<FleetEntry, { k: 'agent' }>): void {
    this.agentStates.set(e.agent, e.state);
    if (e.state === 'lost') this.say(`agent ${e.agent} lost (${e.note}): its tasks were re-queued for the other agents`, true);
    else if (e.state === 'stopped') this.say(`agent ${e.agent} stopped (${e.note}): it handed its tasks back`);
    else this.say(`agent ${e.agent} up: ${e.note}`);
  }

  /** After each stored batch: where files whose checkpoint moved resume if their run is re-queued. */
  private async writeStartFrames(): Promise<void> {
    const frames = new Map<string, ResumePoint>();
    for (const [id, link] of this.links) {
      const point = link.takeStartFrame();
      if (point !== null) frames.set(id, point);
    }
    await this.opts.controller.setStartFrames(frames).catch(() => undefined);
  }

  private stray(task: string): () => void {
    if (this.strays.has(task)) return () => {};
    this.strays.add(task);
    return () => this.say(`events of task ${task}, which this run does not control, are not stored (run a config that has it)`);
  }

  /** A happening for the fleet panel; `warn`: also one the operator of a headless controller must hear of. */
  private say(line: string, warn = false): void {
    if (warn) this.opts.warn?.(line);
    this.notes.push(`${new Date().toTimeString().slice(0, 8)} ${line}`);
    this.host?.changed();
  }
}
