import type { TaskView } from '../orchestrator/types.js';
import type { Tone } from './theme.js';

/**
 * The one place where the dashboard turns what the orchestrator knows of a task into the words of the state
 * column: `stopped` (the user stopped it, counts kept) apart from `completed` and `cancelled`, and for cameras
 * `online`, `reconnecting #N in Ts` (the worker's own reconnects), `offline since HH:MM:SS` (nothing for 30 s, or the
 * pool waits to try an unreachable source again: `phase` offline) and `restarting in Ts` (its worker crashed).
 */

/** A camera that has not delivered for this long is offline rather than reconnecting. */
export const OFFLINE_AFTER_MS = 30_000;

export interface StatusText {
  text: string;
  /** The same in fewer characters, for a narrow state column. */
  short?: string;
  tone: Tone;
}

const clock = (ts: number) => new Date(ts).toTimeString().slice(0, 8);

export function taskStatus(t: TaskView, now: number): StatusText {
  switch (t.state) {
    case 'pending':
      return { text: 'pending', tone: 'muted' };
    case 'error':
      return { text: 'error', tone: 'bad' };
    case 'cancelled':
      return { text: 'cancelled', tone: 'warn' };
    case 'left':
      return { text: 'left running in fleet', short: 'left running', tone: 'muted' };
    case 'completed': {
      // The worker's own `done` says whether it was asked to stop; a camera never ends by itself, so it always was.
      const stopped = t.doneReason === 'stopped' || t.kind === 'camera';
      return stopped ? { text: 'stopped', tone: 'warn' } : { text: 'completed', tone: 'good' };
    }
    case 'processing':
      // A fleet task in the fleet's queue: no agent has taken it yet (again, after a takeover).
      if (t.phase === 'waiting') return { text: 'queued in fleet', short: 'queued', tone: 'muted' };
      return t.kind === 'camera' ? cameraStatus(t, now) : { text: 'processing', tone: 'busy' };
  }
}

function cameraStatus(t: TaskView, now: number): StatusText {
  const retryIn = t.retryAt != null ? Math.max(0, Math.ceil((t.retryAt - now) / 1000)) : null;
  if (t.phase === 'restarting') return { text: retryIn === null ? 'restarting' : `restarting in ${retryIn}s`, short: 'restarting', tone: 'warn' };
  // The worker's own reconnects say when frames stopped; a camera that never delivered is just offline.
  const since = t.outageSince ?? (t.phase === 'offline' ? t.lastFrameAt : null) ?? null;
  if (t.phase === 'offline') {
    if (since !== null) return { text: `offline since ${clock(since)}`, short: `offline ${clock(since)}`, tone: 'bad' };
    return { text: retryIn === null ? 'offline' : `offline, retry in ${retryIn}s`, short: 'offline', tone: 'bad' };
  }
  if (since !== null && now - since >= OFFLINE_AFTER_MS) {
    return { text: `offline since ${clock(since)}`, short: `offline ${clock(since)}`, tone: 'bad' };
  }
  if (t.reconnect) {
    const left = Math.max(0, Math.ceil((t.reconnect.at + t.reconnect.delayMs - now) / 1000));
    return { text: `reconnecting #${t.reconnect.attempt} in ${left}s`, short: `reconn #${t.reconnect.attempt} ${left}s`, tone: 'warn' };
  }
  if (t.lastFrameAt == null) return { text: 'connecting', tone: 'busy' };
  return { text: 'online', tone: 'good' };
}

/** "0.4s", "12s", "3:05": how long ago a camera's last frame came. */
export function frameAge(t: TaskView, now: number): string | null {
  if (t.kind !== 'camera' || t.lastFrameAt == null) return null;
  const s = Math.max(0, (now - t.lastFrameAt) / 1000);
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}
