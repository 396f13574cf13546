/** The signals that end a run (Ctrl-C, `kill`, a closed SSH session), with the status shells report for each: 128 + n. */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

type SignalProcess = Pick<NodeJS.Process, 'on' | 'off' | 'kill' | 'pid'>;

/**
 * Holds a stop signal that comes while a run is still starting: loading its modules, its config and its store takes
 * up to a second on a busy machine, and a Ctrl-C then killed the process with no summary, where one a moment later
 * ended the run with its totals. The code that stops the run takes the signal once its own handlers listen
 * ({@link take}) and acts on it as on one that comes then. Later signals while starting are the same request: a
 * dependency (`when-exit`, under `conf`) raises every signal it hears once more, at once.
 */
export class SignalLatch {
  private heard: StopSignal | null = null;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly proc: SignalProcess = process) {
    for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
      const handler = () => this.hear(signal);
      proc.on(signal, handler);
      this.offs.push(() => proc.off(signal, handler));
    }
  }

  /**
   * Stops holding signals (call it once the caller's own handlers listen) and returns the first one heard, if any;
   * null once taken, so that only one caller acts on it.
   */
  take(): StopSignal | null {
    if (this.offs.length === 0) return null;
    for (const off of this.offs.splice(0)) off();
    return this.heard;
  }

  /** For a command that handles signals its own way (or not at all): stops holding them and raises again the one heard. */
  release(): void {
    const heard = this.take();
    if (heard) this.proc.kill(this.proc.pid, heard);
  }

  private hear(signal: StopSignal): void {
    this.heard ??= signal;
  }
}
