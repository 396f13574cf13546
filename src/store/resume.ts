import type { ChainTally, Checkpoint, TaskRunRow } from './rows.js';
import type { Store } from './store.js';

/** What identifies a task's count across runs. */
export interface TaskIdentity {
  task: string;
  kind: 'camera' | 'video';
  /** Source and lines: when they change, the old count does not go on. */
  fingerprint: string;
  /**
   * Videos: the file as it is now; `elsewhere` for a fleet's file that is not on this host (the agents read it):
   * taken to be the file the stored count is of.
   */
  file: { size: number; mtimeMs: number } | null | 'elsewhere';
}

export type ResumePlan =
  | { kind: 'fresh'; note: string | null }
  | { kind: 'continue'; chainId: number; startFrame: number | null; checkpoint: Checkpoint | null };

/** Ends after which the next run starts a new count: the file was read to its end, or the user ended the task. */
const FINISHED: ReadonlySet<string> = new Set(['end', 'stopped', 'cancelled', 'restarted']);

/**
 * Whether a task continues the count of its last task run in the store. A count goes on when its last task run was
 * cut short without anyone finishing it: the process died (no end recorded), the whole run was stopped (quit, a
 * signal) or the worker failed. Cameras then continue their totals; files resume after the last checkpoint, or
 * from frame 1 when there is none (or the frame rate is unknown, so frames cannot be sought); a changed file, source
 * or set of lines starts a new count.
 */
export function planResume(t: TaskIdentity, last: TaskRunRow | null, checkpoint: Checkpoint | null): ResumePlan {
  if (!last || (last.end_reason !== null && FINISHED.has(last.end_reason))) return { kind: 'fresh', note: null };
  if (last.fingerprint !== t.fingerprint || last.kind !== t.kind) {
    return { kind: 'fresh', note: 'starts a new count: its source or lines changed since the interrupted run' };
  }
  if (t.kind === 'camera') return { kind: 'continue', chainId: last.chain_id, startFrame: null, checkpoint: null };
  if (t.file !== 'elsewhere' && (!t.file || t.file.size !== last.file_size || Math.round(t.file.mtimeMs) !== last.file_mtime)) {
    return { kind: 'fresh', note: 'starts over: the file changed (size or modification time) since the interrupted run' };
  }
  const usable = checkpoint && checkpoint.fps ? checkpoint : null;
  return { kind: 'continue', chainId: last.chain_id, startFrame: usable ? usable.frame + 1 : 1, checkpoint: usable };
}

/**
 * Whether a continued count takes in a fleet run that read its file to the end while no controller followed it,
 * instead of running the file again: only a file's count that goes on, and only a run this store followed before
 * (`through`: how much of it the store holds; null when it never saw the run) whose rest no other store took (the
 * fleet's acknowledged mark `acked` is not past what this store holds).
 */
export function takesIn(plan: ResumePlan, kind: TaskIdentity['kind'], acked: number, through: number | null): boolean {
  return plan.kind === 'continue' && kind === 'video' && through !== null && acked <= through;
}

export interface PreparedCount {
  plan: ResumePlan;
  /** The totals kept from the store (null for a new count). */
  kept: ChainTally | null;
  /** Crossings after the checkpoint, marked void because the resumed worker counts them again. */
  voided: number;
}

/**
 * Plans the task's count and, when it resumes, voids what will be counted again; all in one transaction. A fleet
 * controller leaves the voiding to the claim of the run that resumes (its task may still be counting on an agent).
 */
export function prepareCount(store: Store, t: TaskIdentity, voidAfterCheckpoint = true): PreparedCount {
  return store.transaction(() => {
    const last = store.latestTaskRun(t.task);
    const checkpoint = last ? store.lastCheckpoint(last.chain_id) : null;
    const plan = planResume(t, last, checkpoint);
    // No worker of this task runs (a second run counting it is refused before), so nothing pending will settle.
    if (last && voidAfterCheckpoint) store.interruptPending(last.chain_id);
    if (plan.kind === 'fresh') return { plan, kept: null, voided: 0 };
    const voided = t.kind === 'video' && voidAfterCheckpoint ? store.voidAfter(plan.chainId, plan.checkpoint) : 0;
    return { plan, kept: store.chainTally(plan.chainId), voided };
  });
}

/** The operator's line for a count that takes in a fleet run that finished while no controller followed it. */
export function describeTakeIn(p: PreparedCount, run: string, agent: string): string {
  const kept = p.kept?.lines ?? [];
  const totals = `${kept.reduce((s, l) => s + l.in, 0)} in, ${kept.reduce((s, l) => s + l.out, 0)} out`;
  return `finished on agent ${agent} while no controller followed it (run ${run}): taking in what it reported, not counting the file again (${totals} stored so far)`;
}

/** One line for the operator about what a task takes over from the store. */
export function describeResume(p: PreparedCount, t: TaskIdentity): string | null {
  if (p.plan.kind === 'fresh') return p.plan.note;
  const kept = p.kept?.lines ?? [];
  const totals = `${kept.reduce((s, l) => s + l.in, 0)} in, ${kept.reduce((s, l) => s + l.out, 0)} out`;
  if (t.kind === 'camera') return `continues its count from the store: ${totals}, occupancy ${p.kept?.last?.occupancy ?? 0}`;
  const again = p.voided > 0 ? `; ${p.voided} crossing${p.voided === 1 ? '' : 's'} after it will be counted again` : '';
  if (p.plan.startFrame === 1) return `starts again from frame 1 (the interrupted run left no checkpoint)${again}`;
  // A checkpoint stored before checkpoints held the counting state (by an older version, or its agents): the worker warms up.
  const warm = p.plan.checkpoint?.state ? '' : '; its checkpoint holds no counting state (an older pcount-tui stored it), so tracking warms up on the seconds before it and the count near it may differ slightly from an uninterrupted run';
  return `resumes at frame ${p.plan.startFrame}, keeping ${totals} counted before it${again}${warm}`;
}
