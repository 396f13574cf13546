/** What a state machine returns: the next state, or why the event does not apply in this state. */
export interface Rejection<K extends string, E extends string> {
  from: K;
  event: E;
  message: string;
}

export type Transition<S extends { kind: string }, E extends { type: string }> =
  | { ok: true; state: S }
  | { ok: false; rejection: Rejection<S['kind'], E['type']> };

export function reject<S extends { kind: string }, E extends { type: string }>(state: S, event: E, allowed: string): Transition<S, E> {
  return {
    ok: false,
    rejection: { from: state.kind, event: event.type, message: `cannot ${event.type} ${/^[aeiou]/.test(state.kind) ? 'an' : 'a'} ${state.kind} ${allowed}` },
  };
}
