import { STOP_SIGNALS } from '../common/signal-latch.js';

export type StopReason = 'SIGTERM' | 'SIGINT' | 'stop command' | 'stdout closed';

/**
 * Collects the ways a worker is asked to stop: SIGTERM, SIGINT, `{"cmd":"stop"}` on stdin (through the command
 * reader), or its reader closing stdout. The loop polls `reason` between frames, so the frame in hand is always finished; a second
 * signal while stopping means the user wants out now and exits at once.
 */
export class StopController {
  reason: StopReason | null = null;
  private readonly listeners: ((reason: StopReason) => void)[] = [];
  private readonly onSignal = (signal: 'SIGTERM' | 'SIGINT') => {
    if (this.reason && this.reason !== 'stdout closed') process.exit(STOP_SIGNALS[signal]);
    this.request(signal);
  };
  private readonly onTerm = () => this.onSignal('SIGTERM');
  private readonly onInt = () => this.onSignal('SIGINT');

  constructor() {
    process.on('SIGTERM', this.onTerm);
    process.on('SIGINT', this.onInt);
  }

  get stopped(): boolean {
    return this.reason !== null;
  }

  request(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    for (const l of this.listeners.splice(0)) l(reason);
  }

  /** Called once when a stop is requested (at once if it already was): lets blocking waits wake up. */
  onStop(listener: (reason: StopReason) => void): void {
    if (this.reason) listener(this.reason);
    else this.listeners.push(listener);
  }

  /** Removes the signal handlers so that nothing keeps the process alive. */
  dispose(): void {
    process.off('SIGTERM', this.onTerm);
    process.off('SIGINT', this.onInt);
  }
}
