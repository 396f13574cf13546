import type { ProgressEvent, StateEvent, WorkerEvent } from '../protocol/events.js';
import type { ResumeMark } from '../store/fleet-marks.js';
import { markFromWire, markToWire } from './run-states.js';

/**
 * What one run of a task on an agent came to. Not shaped like a process exit: the controller needs to know what to
 * show and whether the fleet will run the task again, not a pid or a signal.
 */
export type RunOutcome =
  /** A file ran to its end. */
  | { kind: 'completed' }
  | { kind: 'stopped'; killed: boolean }
  | { kind: 'cancelled'; killed: boolean }
  /** `retryInMs` is set when the fleet runs it again (cameras, retried for ever); files stay failed. */
  | { kind: 'failed'; code: string; reason: string; retryInMs: number | null }
  /** The agent is shutting down: the task went back to the front of the queue. */
  | { kind: 'handed-back'; reason: string }
  | { kind: 'restarted' }
  /** The agent found the task had been given to another run (its lease lapsed); see the `loss` notice for dropped events. */
  | { kind: 'lost'; reason: string }
  /** The agent refused the task spec (schema, or a file missing on its host). */
  | { kind: 'rejected'; reason: string };

/**
 * One entry of the `<fleet>:events` stream. `ev` and `end` belong to a run and carry its sequence number `n`
 * (1, 2, 3 … over everything the run reported): the controller stores each (run, n) once. The others are
 * notices written by the fleet's scripts; they say what happened and are safe to see twice.
 */
export type FleetEntry =
  /**
   * `from`, on a file run's `hello` only: the frame its claim started it from (the claim notice's `startFrame`). The
   * notice is the claim script's, in no journal; a Redis that lost the claim (restarted or failed over without its last
   * writes) took it along, while the run's entries come again from the agent's journal. From this the controller knows
   * where such a run counted from, and voids all it counted when a later run counts from there again (FleetMarks.began).
   */
  | { k: 'ev'; task: string; run: string; n: number; agent: string; event: WorkerEvent; from?: number }
  | { k: 'end'; task: string; run: string; n: number; agent: string; outcome: RunOutcome }
  /**
   * A file run's counting state (its worker's `state` event), outside the run's sequence: only the newest of a run is
   * of use (where a takeover goes on from), so a newer one replaces it in the agent's journal and in the stream
   * (Outbox), and a replaced one leaves no gap in the controller's gap-free `n`. `after`: the `n` of the run's last
   * entry before it; it goes out after that entry and before the next (the progress of its frame, with which the store
   * keeps it as the checkpoint). Agents before it sent states as `ev` entries, which are still read as such.
   */
  | { k: 'st'; task: string; run: string; agent: string; after: number; event: StateEvent }
  /**
   * A progress report sent while no controller follows the fleet (or Redis is away), outside the run's sequence like a
   * state: its totals are cumulative, so the next one supersedes it, and only the newest of a run is kept (journal and
   * stream), besides the one that follows the newest state (`pair`: the progress of the state's frame, with which the
   * store keeps it as the checkpoint). `after` as for `st`. While a controller follows, progress goes as `ev` entries,
   * which every controller reads; one before this kind skips these (it lacks the absent time's progress only).
   * `since`: the report stands for those since then (ms: the previous report's time; the worker's frames kept coming
   * from then on), which the controller's coverage takes from it; null when not known. `pair` is the agent's own
   * (journal), not sent.
   */
  | { k: 'pg'; task: string; run: string; agent: string; after: number; since: number | null; event: ProgressEvent; pair?: boolean }
  /**
   * `startFrame`: a file's run counts from this frame (a resume from the controller's checkpoint), else null; `mark`:
   * where in the counting order the state it goes on from was taken, else null (no state, or from an older pcount-tui).
   */
  | { k: 'claim'; task: string; run: string; agent: string; startFrame: number | null; mark: ResumeMark | null }
  | { k: 'lost'; task: string; run: string; agent: string; note: string }
  | { k: 'state'; task: string; state: string; note: string; agent: string | null; run: string | null }
  | { k: 'agent'; agent: string; state: 'up' | 'lost' | 'stopped'; note: string }
  /** The agent's journal overflowed while Redis was away: events first..last of the run are lost, and the controller says so. */
  | { k: 'loss'; task: string; run: string; agent: string; first: number; last: number };

export type RunEntry = Extract<FleetEntry, { k: 'ev' | 'end' }>;
export type StateEntry = Extract<FleetEntry, { k: 'st' }>;
export type ProgressEntry = Extract<FleetEntry, { k: 'pg' }>;
/** A run's entries outside its sequence, of which only the newest of each kind matter (see JournalTail). */
export type TailEntry = StateEntry | ProgressEntry;
/** What an agent sends of a run: its numbered entries and its tail. */
export type OutEntry = RunEntry | TailEntry;

/** The stream's field list for an entry (XADD … k ev t <task> …). */
export function entryFields(entry: FleetEntry): string[] {
  switch (entry.k) {
    case 'ev':
      return ['k', 'ev', 't', entry.task, 'r', entry.run, 'n', String(entry.n), 'a', entry.agent, 'e', JSON.stringify(entry.event), ...(entry.from ? ['f', String(entry.from)] : [])];
    case 'end':
      return ['k', 'end', 't', entry.task, 'r', entry.run, 'n', String(entry.n), 'a', entry.agent, 'o', JSON.stringify(entry.outcome)];
    case 'st':
      return ['k', 'st', 't', entry.task, 'r', entry.run, 'a', entry.agent, 'p', String(entry.after), 'e', JSON.stringify(entry.event)];
    case 'pg':
      return ['k', 'pg', 't', entry.task, 'r', entry.run, 'a', entry.agent, 'p', String(entry.after), 'c', entry.since === null ? '' : String(entry.since), 'e', JSON.stringify(entry.event)];
    case 'claim':
      return ['k', 'claim', 't', entry.task, 'r', entry.run, 'a', entry.agent, 'f', entry.startFrame === null ? '' : String(entry.startFrame), 'm', markToWire(entry.startFrame ?? '', entry.mark)];
    case 'lost':
      return ['k', 'lost', 't', entry.task, 'r', entry.run, 'a', entry.agent, 'note', entry.note];
    case 'state':
      return ['k', 'state', 't', entry.task, 's', entry.state, 'note', entry.note, ...(entry.agent ? ['a', entry.agent] : []), ...(entry.run ? ['r', entry.run] : [])];
    case 'agent':
      return ['k', 'agent', 'a', entry.agent, 's', entry.state, 'note', entry.note];
    case 'loss':
      return ['k', 'loss', 't', entry.task, 'r', entry.run, 'a', entry.agent, 'f', String(entry.first), 'l', String(entry.last)];
  }
}

/** Parses a stream entry's field list; null for anything malformed (another version, a stray writer). */
export function parseEntry(fields: string[]): FleetEntry | null {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
  const s = (key: string) => f.get(key) ?? '';
  try {
    switch (s('k')) {
      case 'ev': {
        const event = JSON.parse(s('e')) as WorkerEvent;
        const from = event.type === 'hello' ? positive(s('f')) : null;
        return { k: 'ev', task: s('t'), run: s('r'), n: Number(s('n')), agent: s('a'), event, ...(from !== null ? { from } : {}) };
      }
      case 'end':
        return { k: 'end', task: s('t'), run: s('r'), n: Number(s('n')), agent: s('a'), outcome: JSON.parse(s('o')) as RunOutcome };
      case 'st': {
        const after = Number(s('p'));
        const event = JSON.parse(s('e')) as StateEvent;
        return Number.isInteger(after) && after >= 0 && event.type === 'state' ? { k: 'st', task: s('t'), run: s('r'), agent: s('a'), after, event } : null;
      }
      case 'pg': {
        const after = Number(s('p'));
        const event = JSON.parse(s('e')) as ProgressEvent;
        const since = s('c') === '' ? null : Number(s('c'));
        const valid = Number.isInteger(after) && after >= 0 && (since === null || Number.isFinite(since)) && event.type === 'progress';
        return valid ? { k: 'pg', task: s('t'), run: s('r'), agent: s('a'), after, since, event } : null;
      }
      case 'claim':
        return claimNotice(s('t'), s('r'), s('a'), s('f'), s('m'));
      case 'lost':
        return { k: 'lost', task: s('t'), run: s('r'), agent: s('a'), note: s('note') };
      case 'state':
        return { k: 'state', task: s('t'), state: s('s'), note: s('note'), agent: f.get('a') ?? null, run: f.get('r') ?? null };
      case 'agent':
        return { k: 'agent', agent: s('a'), state: s('s') as 'up' | 'lost' | 'stopped', note: s('note') };
      case 'loss':
        return { k: 'loss', task: s('t'), run: s('r'), agent: s('a'), first: Number(s('f')), last: Number(s('l')) };
    }
  } catch {
    return null;
  }
  return null;
}

export type ClaimEntry = Extract<FleetEntry, { k: 'claim' }>;

/** The claim notice of `run` as the claim script writes it: its start frame and mark as the task hash holds them ('' for none). */
export function claimNotice(task: string, run: string, agent: string, start: string, mark: string): ClaimEntry {
  const startFrame = positive(start);
  return { k: 'claim', task, run, agent, startFrame, mark: markFromWire(mark, startFrame) };
}

function positive(text: string): number | null {
  const n = Number(text);
  return text !== '' && Number.isInteger(n) && n > 0 ? n : null;
}

/** A run id: unique across agents, restarts and Redis restarts (the controller's dedup key is run + n). */
export function newRunId(agent: string, random: () => number = Math.random): string {
  return `${agent}.${Date.now().toString(36)}.${Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0')}`;
}
