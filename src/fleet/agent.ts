import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerLogLevel } from '../config/types.js';
import { LocalTransport } from '../orchestrator/local-transport.js';
import { ResourceSampler, type Usage } from '../orchestrator/resources.js';
import type { RunnerEnd } from '../orchestrator/runner.js';
import { defaultWorkerCommand, fairThreads, type WorkerCommand } from '../orchestrator/spawn-worker.js';
import { redactSource } from '../sources/credentials.js';
import { controllerFollows, RunForwarder } from './agent-forward.js';
import { healthFields, taskUsage } from './agent-health.js';
import { followHeartbeat } from './agent-heartbeat.js';
import { AgentRun, type RunLaunch } from './agent-run.js';
import { monotonic } from './clock.js';
import { infoField, type RedisConnection, type RedisReply } from './connect.js';
import { claimNotice, newRunId } from './entries.js';
import { FleetError } from './errors.js';
import { Journal } from './journal.js';
import { trimJournal } from './journal-trim.js';
import { fleetKeys, type FleetKeys } from './keys.js';
import { Outbox } from './outbox.js';
import { settleRun, type LeaseLoss } from './run-settle.js';
import { AGENT_EXIT, CLAIM, HEARTBEAT, REAP, RELEASE, runScript } from './scripts.js';
import { wireToSpec } from './task-wire.js';
import { CLAIM_AGAIN_MS, HEARTBEAT_MS, LEASE_MS } from './timing.js';

export interface AgentOptions {
  conn: RedisConnection;
  fleet: string;
  name: string;
  slots: number;
  journal: Journal;
  logLevel: WorkerLogLevel;
  /** One line for the operator (already free of passwords). */
  say(line: string): void;
  command?: WorkerCommand;
  cpus?: number;
}

/** How long a shutting-down agent keeps trying to hand its tasks back and send its last events while Redis is away. */
const SHUTDOWN_FLUSH_MS = 5000;

/**
 * `pcount-tui agent`: takes tasks from the fleet's queue while it has free slots, runs each as a local worker child,
 * numbers and journals their events and sends them to the events stream, holds each task's lease by heartbeat, and
 * reaps the leases of agents that died. On shutdown it stops its workers and hands their tasks back at once.
 */
export class Agent {
  private readonly keys: FleetKeys;
  private readonly outbox: Outbox;
  private readonly forward: RunForwarder;
  private readonly runs = new Map<string, AgentRun>();
  private readonly instance = randomBytes(8).toString('hex');
  private readonly sampler = new ResourceSampler();
  private readonly launch: RunLaunch;
  private timer: NodeJS.Timeout | null = null;
  private claimAgain: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopping = false;
  private redisRunId: string | null = null;
  private usage: Record<string, Usage> = {};
  /** Shown to people (the health hash's `started`): the wall clock, unlike the agent's deadlines (clock.ts). */
  private readonly startedAt = Date.now();

  constructor(private readonly opts: AgentOptions) {
    this.keys = fleetKeys(opts.fleet);
    this.outbox = new Outbox(opts.conn, this.keys, opts.journal, opts.name);
    this.forward = new RunForwarder(this.outbox, opts.journal, opts.name);
    this.launch = {
      transport: new LocalTransport({ command: opts.command ?? defaultWorkerCommand() }),
      threads: fairThreads(opts.cpus ?? availableParallelism(), opts.slots),
      logLevel: opts.logLevel,
      onEvent: (run, ev) => this.forward.event(run, ev),
      onNoise: (run, line) => opts.logLevel === 'debug' && this.say(`${run.task}: ${line}`),
      onExit: (run, end) => this.onRunExit(run, end),
    };
    opts.conn.changes.add(({ state, detail }) => {
      if (state === 'down') return this.say(`lost Redis (${detail}); workers keep counting, events wait in the journal`);
      this.say('Redis is back');
      void this.checkRedisRestart();
    });
  }

  /** Registers the agent (refusing a name another live agent holds) and starts taking tasks. */
  async start(): Promise<void> {
    // The name may still be held by this agent's previous process, killed less than a lease ago: wait that out.
    const deadline = monotonic() + LEASE_MS + 2 * HEARTBEAT_MS;
    while ((await this.heartbeat()) === 'name-taken') {
      if (monotonic() > deadline) {
        throw new FleetError('AGENT_NAME_TAKEN', `an agent named '${this.opts.name}' is already running in fleet '${this.opts.fleet}'; give this one another --name`);
      }
      await sleep(HEARTBEAT_MS);
    }
    this.redisRunId = await this.serverRunId();
    const left = this.opts.journal.runIds();
    if (left.length > 0) this.say(`resending what ${left.length} earlier run${left.length === 1 ? '' : 's'} left in the journal`);
    this.outbox.notice({ k: 'agent', agent: this.opts.name, state: 'up', note: `${this.opts.slots} slot${this.opts.slots === 1 ? '' : 's'} on ${hostname()}` });
    void this.outbox.flush();
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_MS);
    void this.tick();
  }

  /** Stops the workers, hands their tasks back to the queue at once, sends what it can, and says goodbye. */
  async shutdown(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.say(`shutting down (${why}): handing ${this.activeRuns().length} task(s) back`);
    for (const run of this.runs.values()) run.end('handback');
    while (this.activeRuns().length > 0) await sleep(50);
    const deadline = monotonic() + SHUTDOWN_FLUSH_MS;
    while (monotonic() < deadline && ([...this.runs.values()].some((r) => r.settlement) || !this.outbox.idle)) {
      if (this.opts.conn.ready) {
        await this.outbox.flush();
        await this.releaseEnded();
      }
      if ([...this.runs.values()].every((r) => !r.settlement) && this.outbox.idle) break;
      await sleep(100);
    }
    if (this.timer) clearInterval(this.timer);
    if (this.claimAgain) clearTimeout(this.claimAgain);
    await this.ticking;
    if (this.opts.conn.ready) {
      await runScript(this.opts.conn, AGENT_EXIT, [this.keys.prefix, this.opts.name, this.instance, why]).catch(() => undefined);
    }
    const left = [...this.runs.values()].filter((r) => r.settlement);
    if (left.length > 0 || !this.outbox.idle) this.say('Redis is away: the journal keeps the rest; the leases lapse and other agents take the tasks');
    this.opts.journal.close();
  }

  /** Last resort from a process 'exit' handler: SIGKILL every worker group synchronously. */
  killAll(): void {
    for (const run of this.runs.values()) run.runner?.kill();
  }

  private say(line: string): void {
    this.opts.say(redactSource(line));
  }

  private activeRuns(): AgentRun[] {
    return [...this.runs.values()].filter((r) => r.running);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = this.tickOnce()
      .catch((err) => {
        if (this.opts.conn.ready) this.say(`heartbeat: ${this.opts.conn.scrub((err as Error).message)}`);
      })
      .finally(() => (this.ticking = null));
    await this.ticking;
  }

  /**
   * The heartbeat comes first, so that nothing slow (syncing the journal on a busy disk, a long resend) delays the
   * renewal of the leases; the outbox sends on its own, without holding up the next tick.
   */
  private async tickOnce(): Promise<void> {
    if (this.opts.conn.ready) {
      const reply = await this.heartbeat();
      if (reply === 'name-taken') {
        this.say(`another agent took the name '${this.opts.name}' while this one could not reach Redis: stopping`);
        process.kill(process.pid, 'SIGTERM');
        return;
      }
    }
    this.opts.journal.sync();
    this.sampleUsage();
    this.forward.followed = await controllerFollows(this.opts.conn, this.keys);
    if (!this.opts.conn.ready) return;
    await this.releaseEnded();
    await this.trimJournal();
    await runScript(this.opts.conn, REAP, [this.keys.prefix, LEASE_MS]);
    if (!this.stopping && this.activeRuns().length < this.opts.slots && (await this.claim()) && this.activeRuns().length < this.opts.slots) {
      // More may be waiting (a dead agent's tasks are re-queued together): look again soon, not a heartbeat later.
      this.claimAgain ??= setTimeout(() => {
        this.claimAgain = null;
        void this.tick();
      }, CLAIM_AGAIN_MS);
    }
    void this.outbox.flush();
  }

  /** Renews every lease this agent holds and reads what the controller wants of each task. */
  private async heartbeat(): Promise<'ok' | 'name-taken'> {
    const held = [...this.runs.values()].filter((r) => r.intent !== 'lost');
    const sentAt = monotonic();
    const reply = await runScript(this.opts.conn, HEARTBEAT, [
      this.keys.prefix,
      this.opts.name,
      this.instance,
      LEASE_MS,
      JSON.stringify(this.health()),
      ...held.flatMap((r) => [r.task, r.run]),
    ]);
    if (reply === 'name-taken') return 'name-taken';
    followHeartbeat(reply as string[][], this.runs, sentAt, LEASE_MS, {
      agent: this.opts.name,
      say: (line) => this.say(line),
      lost: (run, loss) => this.onLost(run, loss),
      // The events stream went with the task: what the controller had not stored yet is sent again (it drops duplicates),
      // after the run's claim, which the controller may not have read either (it records a claim once).
      gone: (run) => {
        if (run.claim) this.outbox.notice(run.claim);
        this.outbox.resendUnacked();
      },
    });
    return 'ok';
  }

  private health(): string[] {
    return healthFields({
      slots: this.opts.slots,
      used: this.activeRuns().length,
      tasks: this.usage,
      startedAt: this.startedAt,
      journalBytes: this.opts.journal.bytes,
      stopping: this.stopping,
    });
  }

  private sampleUsage(): void {
    const workers = new Map(this.activeRuns().flatMap((r) => (r.runner?.pid ? [[r.task, r.runner.pid] as const] : [])));
    this.usage = taskUsage(this.sampler, workers);
  }

  /** Takes one queued task (one per tick, so that agents polling together share the queue); whether it took one. */
  private async claim(): Promise<boolean> {
    const run = newRunId(this.opts.name);
    const reply = (await runScript(this.opts.conn, CLAIM, [this.keys.prefix, this.opts.name, run, LEASE_MS])) as string[] | null;
    if (!reply) return false;
    const [task, specText, gen, attempt, start, state, mark] = reply;
    const checked = wireToSpec(specText);
    const ar = new AgentRun(task, run, checked.ok ? checked.spec.kind : 'video', gen, Number(attempt) || 0, LEASE_MS);
    ar.claim = claimNotice(task, run, this.opts.name, start, mark ?? '');
    this.runs.set(task, ar);
    if (!checked.ok) {
      const reason = `agent ${this.opts.name} refused the task: ${checked.problem}`;
      this.say(`${task}: ${reason}`);
      ar.settlement = { outcome: { kind: 'rejected', reason }, disposition: 'failed', note: reason, delayMs: 0, attempt: ar.attempt + 1 };
      this.forward.end(ar);
      return true;
    }
    const startFrame = checked.spec.kind === 'video' && Number(start) > 1 ? Number(start) : null;
    const startState = startFrame && state ? state : null;
    const from = startFrame ? `, from frame ${startFrame}${startState ? ' with its counting state' : ''}` : '';
    this.say(`${task}: started (run ${run}, ${redactSource(checked.spec.source)}${from})`);
    ar.launch(checked.spec, this.launch, startFrame, startState);
    return true;
  }

  private onRunExit(run: AgentRun, end: RunnerEnd): void {
    run.settlement = settleRun(end.outcome, run.intent, run.kind, run.attempt, run.ranMs(), this.opts.name, Math.random, run.loss ?? undefined);
    if (run.intent === 'lost' && run.firstLate !== null) this.outbox.supersede(run.run, run.task, run.firstLate, run.n);
    this.say(`${run.task}: run ${run.run} ended: ${run.settlement.note || run.settlement.outcome.kind}`);
    this.forward.end(run);
    if (run.settlement.disposition === null) this.runs.delete(run.task);
    else void this.outbox.flush().then(() => this.releaseEnded());
  }

  private onLost(run: AgentRun, loss: LeaseLoss): void {
    run.loss = loss;
    if (run.running) return run.end('lost');
    // Ended already, waiting for Redis to settle it: someone else did.
    this.runs.delete(run.task);
  }

  /**
   * Settles in Redis every run whose worker has ended, once all its entries are in the stream; retried on the next
   * heartbeat while Redis is away. The release says where the task goes on (a hand-back point after everything the run
   * counted, or that it completed): before the entries, this agent killed in between would lose them (the next run
   * starts after them) or leave the controller waiting for an end that never comes. Until then the run keeps its lease.
   */
  private async releaseEnded(): Promise<void> {
    for (const run of [...this.runs.values()]) {
      const s = run.settlement;
      if (!s || s.disposition === null || !this.opts.conn.ready || !this.opts.journal.allSent(run.run)) continue;
      const resume = run.resumePoint();
      const args = [this.keys.prefix, this.opts.name, run.run, run.task, s.disposition, s.note, s.delayMs, s.attempt, run.n, resume.frame, resume.state, resume.mark];
      const reply = await runScript(this.opts.conn, RELEASE, args).catch(() => null);
      if (reply !== null && this.runs.get(run.task) === run) this.runs.delete(run.task);
    }
  }

  /** Drops from the journal what the controller has stored. */
  private async trimJournal(): Promise<void> {
    await trimJournal(this.opts.conn, this.keys, this.opts.journal, () => new Set([...this.runs.values()].filter((r) => !r.settlement).map((r) => r.run)));
  }

  private async serverRunId(): Promise<string | null> {
    return infoField(String((await this.opts.conn.send(['INFO', 'server'])) as RedisReply), 'run_id');
  }

  /** After a Redis restart its last second may be gone: resend everything the controller has not stored yet. */
  private async checkRedisRestart(): Promise<void> {
    const id = await this.serverRunId().catch(() => null);
    if (id === null) return;
    if (this.redisRunId !== null && id !== this.redisRunId) {
      this.say('Redis restarted: resending the events the controller has not stored yet');
      this.outbox.resendUnacked();
    }
    this.redisRunId = id;
    void this.tick();
  }
}
