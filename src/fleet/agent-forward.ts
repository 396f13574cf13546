import type { ProgressEvent, WorkerEvent } from '../protocol/events.js';
import type { AgentRun } from './agent-run.js';
import { monotonic, type Clock } from './clock.js';
import type { RedisConnection } from './connect.js';
import type { Journal } from './journal.js';
import type { Outbox } from './outbox.js';
import type { FleetKeys } from './keys.js';
import { STATE_FORWARD_MS } from './timing.js';

/**
 * Whether a controller follows the fleet, as the agent looks every heartbeat: one holds it and its store takes writes
 * (a controller whose store failed acknowledges nothing, so progress in the runs' sequences would only pile up). False
 * while Redis is away.
 */
export async function controllerFollows(conn: RedisConnection, keys: FleetKeys): Promise<boolean> {
  if (!conn.ready) return false;
  const [held, unstored] = await conn.pipeline([['EXISTS', keys.controller], ['EXISTS', keys.unstored]]).catch(() => [0, 0]);
  return held === 1 && unstored === 0;
}

/**
 * What an agent sends to the fleet of its runs' worker events, and as which entries: numbered run entries in the
 * run's sequence, the newest counting state outside it, and the run's `end`. Progress reports go in the sequence while
 * a controller follows the fleet; while none does (or Redis is away) they go outside it, where each replaces the one
 * before (entries.ts, `pg`), so that a run left counting for days costs the journal and the stream no more than a few
 * entries beside its crossings. Of those, one every STATE_FORWARD_MS goes (with a file's state, the one of its frame):
 * a replaced entry's bytes stay in the stream's memory while a crossing shares its node (Redis frees a node only once
 * all of it is deleted), and each report says since when the frames kept coming, so the ones left out cost the
 * returning controller nothing but their totals, which the next one has. Everything goes through the outbox (journal
 * first, then the events stream).
 */
export class RunForwarder {
  /** Whether a controller followed the fleet when the agent last looked (each heartbeat); false while Redis is away. */
  followed = false;
  /** Runs whose worker's next progress is the one of the counting state just sent (its pair). */
  private readonly pairDue = new Set<string>();
  /** Per run: its last report's frame, and since when its reports have advanced without a stop (what a `pg` covers). */
  private readonly streaks = new Map<string, { frame: number; since: number }>();
  /** Per run: when its last report went outside the sequence (ms), and the newest report left out since, if any. */
  private readonly outside = new Map<string, { at: number; left: { ev: ProgressEvent; since: number } | null }>();

  constructor(
    private readonly outbox: Outbox,
    private readonly journal: Journal,
    private readonly agent: string,
    private readonly clock: Clock = monotonic,
  ) {}

  event(run: AgentRun, ev: WorkerEvent): void {
    if (run.intent === 'lost') return;
    // Progress goes too: the controller's checkpoints (where a re-queued file resumes) and coverage come from it.
    if (ev.type === 'tracks' || ev.type === 'detections') return;
    if (ev.type === 'state') {
      const due = run.stateEntry(ev, this.agent);
      if (!due) return;
      // The worker writes its state just before the progress of the same frame.
      this.pairDue.add(run.run);
      return this.outbox.pushTail(due);
    }
    if (ev.type === 'hello') this.streaks.set(run.run, { frame: 0, since: ev.ts });
    if (ev.type === 'progress') {
      run.lastFrame = Math.max(run.lastFrame, ev.frame);
      const pair = this.pairDue.delete(run.run);
      const since = this.streak(run.run, ev.frame, ev.ts);
      if (!this.followed) return this.outsideSequence(run, ev, since, pair);
      this.outside.delete(run.run);
    }
    // The run's last report, left out: it goes before the end of the count (after what came since, so that the
    // controller does not take it for an older one than it holds; no state is of its frame, so it makes no checkpoint).
    if (ev.type === 'done') this.sendLeftOut(run);
    const from = ev.type === 'hello' ? run.claim?.startFrame : null;
    this.outbox.push({ k: 'ev', task: run.task, run: run.run, n: run.next(), agent: this.agent, event: ev, ...(from ? { from } : {}) });
  }

  /** The run's last entry, with its settlement's outcome: its journal file is closed. */
  end(run: AgentRun): void {
    this.outbox.push({ k: 'end', task: run.task, run: run.run, n: run.next(), agent: this.agent, outcome: run.settlement!.outcome });
    this.journal.endRun(run.run);
    this.pairDue.delete(run.run);
    this.streaks.delete(run.run);
    this.outside.delete(run.run);
  }

  /** A progress while nobody follows: the pair of a state sent, or one every STATE_FORWARD_MS; the rest are left out. */
  private outsideSequence(run: AgentRun, ev: ProgressEvent, since: number, pair: boolean): void {
    const now = this.clock();
    const last = this.outside.get(run.run);
    if (!pair && last && now - last.at < STATE_FORWARD_MS) {
      last.left = { ev, since };
      return;
    }
    this.outside.set(run.run, { at: now, left: null });
    this.outbox.pushTail({ k: 'pg', task: run.task, run: run.run, agent: this.agent, after: run.n, since, event: ev, pair });
  }

  private sendLeftOut(run: AgentRun): void {
    const left = this.outside.get(run.run)?.left;
    if (!left) return;
    this.outside.set(run.run, { at: this.clock(), left: null });
    this.outbox.pushTail({ k: 'pg', task: run.task, run: run.run, agent: this.agent, after: run.n, since: left.since, event: left.ev, pair: false });
  }

  /** Since when the run's frames have kept coming, up to this report of `frame` at `ts` (a report without a new frame ends a streak). */
  private streak(run: string, frame: number, ts: number): number {
    const s = this.streaks.get(run);
    const since = s && frame > s.frame ? s.since : ts;
    this.streaks.set(run, { frame, since });
    return since;
  }
}
