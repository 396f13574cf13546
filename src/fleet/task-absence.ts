/**
 * Which of the controller's tasks Redis has lost (restarted without its data, flushed, failed over to an empty
 * replica), and when each was first found missing. A task missing for a lease time is submitted again: by then every
 * agent still running it has taken its lease back (HEARTBEAT in scripts.ts), so that the submission adopts that run
 * instead of queueing a second one. Pure: the controller's poll feeds it what it found.
 */
export type Absences = ReadonlyMap<string, number>;

export interface AbsenceStep {
  absences: Absences;
  /** The tasks to submit again now (their clocks start over: a submission that did not take is retried a grace later). */
  resubmit: string[];
}

/** `missing`: the tasks found without a hash at `now` (ms), of those checked; every other one is present. */
export function nextAbsences(before: Absences, missing: readonly string[], now: number, graceMs: number): AbsenceStep {
  const absences = new Map<string, number>();
  const resubmit: string[] = [];
  for (const id of missing) {
    const since = before.get(id) ?? now;
    if (now - since >= graceMs) resubmit.push(id);
    else absences.set(id, since);
  }
  return { absences, resubmit };
}
