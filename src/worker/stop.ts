import type { Readable } from 'node:stream';
import { onNdjsonLines } from '../protocol/ndjson.js';

export type StopReason = 'SIGTERM' | 'SIGINT' | 'stop command' | 'stdout closed';

/**
 * Collects the ways a worker is asked to stop: SIGTERM, SIGINT, `{"cmd":"stop"}` on stdin, or its reader
 * closing stdout. The loop polls `reason` between frames, so the frame in hand is always finished; a second
 * signal while stopping means the user wants out now and exits at once.
 */
export class StopController {
  reason: StopReason | null = null;
  private readonly listeners: ((reason: StopReason) => void)[] = [];
  private readonly onSignal = (signal: 'SIGTERM' | 'SIGINT') => {
    if (this.reason && this.reason !== 'stdout closed') process.exit(signal === 'SIGINT' ? 130 : 143);
    this.request(signal);
  };
  private readonly onTerm = () => this.onSignal('SIGTERM');
  private readonly onInt = () => this.onSignal('SIGINT');

  constructor(
    private readonly stdin: Readable | null,
    private readonly onUnknownCommand: (line: string) => void = () => {},
  ) {
    process.on('SIGTERM', this.onTerm);
    process.on('SIGINT', this.onInt);
    if (stdin) {
      // A closed stdin is not a stop request: `worker … < /dev/null` must still count the whole file.
      stdin.on('error', () => {});
      onNdjsonLines(stdin, (item) => {
        if (item.ok && (item.value as { cmd?: unknown } | null)?.cmd === 'stop') this.request('stop command');
        else this.onUnknownCommand(item.line);
      });
    }
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

  /** Removes the signal handlers and lets go of stdin so that nothing keeps the process alive. */
  dispose(): void {
    process.off('SIGTERM', this.onTerm);
    process.off('SIGINT', this.onInt);
    if (this.stdin) {
      this.stdin.removeAllListeners('data');
      this.stdin.pause();
      this.stdin.destroy();
    }
  }
}
