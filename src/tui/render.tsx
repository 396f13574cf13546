import { render } from 'ink';
import { STOP_SIGNALS, type SignalLatch, type StopSignal } from '../common/signal-latch.js';
import { runExitCode, signalledExitCode } from '../orchestrator/snapshot.js';
import type { LinesTaken, PoolControl, PoolSnapshot } from '../orchestrator/types.js';
import { App, type UiPreferences } from './app.js';
import type { EditLine } from './line-editor.js';
import { keepShowCursorOffRedirectedStderr } from './cursor-escape.js';
import { quitSummary } from './quit-summary.js';
import { CellSurface } from './preview/cell-surface.js';
import { colourModeFromEnv, type ColourMode } from './preview/halfblock.js';
import { colorFromEnv, ThemeProvider, unicodeFromEnv } from './theme.js';

export interface DashboardOptions {
  /** Shown in the header; undefined for ad-hoc `--source` tasks. */
  configPath?: string;
  /** Least time between redraws caused by pool changes (default 1000 ms). */
  refreshMs?: number;
  /** Defaults follow NO_COLOR and the locale. */
  color?: boolean;
  unicode?: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Draw on the terminal's alternate screen so quitting gives the shell back untouched (default: stdout is a TTY). */
  alternateScreen?: boolean;
  /** Write every frame in full instead of updating in place; for tests that read the frames back. */
  debug?: boolean;
  /** How the preview draws pictures (default: from NO_COLOR and COLORTERM). */
  colourMode?: ColourMode;
  /** Restored at start; `onPreferences` hears every change. */
  preferences?: Partial<UiPreferences>;
  onPreferences?: (prefs: UiPreferences) => void;
  /** Keeps lines applied in the line editor; resolves to the message to show. */
  saveLines?: (task: string, lines: EditLine[], taken: LinesTaken) => Promise<string>;
  /** Shown in the header (e.g. the /metrics address). */
  note?: string;
  /** Holds a signal that came while the run was starting: the dashboard then quits at once, as after a later one. */
  latch?: SignalLatch;
}

const ENTER_ALT_SCREEN = '\u001B[?1049h';
const LEAVE_ALT_SCREEN = '\u001B[?1049l';

/**
 * Shows the dashboard until the user quits, then stops every worker through the pool.
 * Resolves to the exit status: after `q` 0 when every task completed (or was left running in its fleet), else 1;
 * 128+n after a signal (130 for Ctrl-C).
 */
export async function renderDashboard(pool: PoolControl, opts: DashboardOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const theme = { color: opts.color ?? colorFromEnv(process.env), unicode: opts.unicode ?? unicodeFromEnv(process.env) };
  // A terminal that goes away (SSH dropped, tmux killed) makes writes fail with EIO, reported asynchronously; that
  // must not crash the process while the pool stops the workers (they lead their own process groups and would be
  // orphaned), nor afterwards, so the listener stays for the rest of the process.
  stdout.on('error', () => undefined);
  const altScreen = opts.alternateScreen ?? Boolean(stdout.isTTY);
  if (altScreen) stdout.write(ENTER_ALT_SCREEN);

  keepShowCursorOffRedirectedStderr(stdout);
  const surface = new CellSurface();
  const instance = render(
    <ThemeProvider theme={theme}>
      <App
        pool={pool}
        configPath={opts.configPath}
        refreshMs={opts.refreshMs ?? 1000}
        colour={opts.colourMode ?? colourModeFromEnv(process.env, theme.color)}
        preferences={opts.preferences}
        onPreferences={opts.onPreferences}
        saveLines={opts.saveLines}
        note={opts.note}
        surface={surface}
      />
    </ThemeProvider>,
    { stdout: surface.wrap(stdout), stdin, exitOnCtrlC: false, debug: opts.debug ?? false },
  );

  // Ctrl-C arrives as a key in raw mode; these cover `kill`, a closed SSH session and a non-raw stdin.
  let heard: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (heard !== null) return;
    heard = signal;
    pool
      .shutdown()
      .catch(() => undefined)
      .finally(() => instance.unmount());
  };
  const handlers: (() => void)[] = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => {
    const handler = () => onSignal(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  // A terminal can go away without a hang-up reaching us (the shell in it ignores SIGHUP and does not pass it on):
  // its input then ends and writes to it fail with EIO. That is the same loss, so it ends the run the same way; else
  // the dashboard would count on unseen and then wait for a key that can never come.
  const onTerminalGone = () => onSignal('SIGHUP');
  const onWriteError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EIO') onTerminalGone();
  };
  if (stdin.isTTY) stdin.on('end', onTerminalGone);
  stdout.on('error', onWriteError);
  handlers.push(() => {
    stdin.off('end', onTerminalGone);
    stdout.off('error', onWriteError);
  });
  const early = opts.latch?.take();
  if (early) onSignal(early);

  try {
    // Ctrl-C is a key in raw mode: the quit it asks for resolves with its signal.
    const quitBy = (await instance.waitUntilExit()) as StopSignal | undefined;
    // Ends like a headless run: 1 when a task failed or was cut short, as the signal says when one cut it short.
    const signal = heard ?? quitBy ?? null;
    return signal === null ? runExitCode(pool.snapshot()) : signalledExitCode(pool.snapshot(), signal);
  } finally {
    for (const off of handlers) off();
    if (heard !== 'SIGHUP') {
      if (altScreen) stdout.write(LEAVE_ALT_SCREEN);
      stdout.write(quitSummary(pool.snapshot(), stdout.columns || 80));
    }
  }
}
