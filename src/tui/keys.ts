/** Key bindings as a pure function of the UI state: what changes on screen and which command, if any, to run. */

export type TaskCommand = 'start' | 'stop' | 'cancel' | 'restart';

export interface UiState {
  selectedId: string | null;
  logOpen: boolean;
  /** Lines scrolled up from the newest log line; 0 follows the tail. */
  logScroll: number;
  help: boolean;
  confirmQuit: boolean;
  /** The running task that `r` would restart from zero, while the user is asked to confirm it. */
  confirmRestart: string | null;
  quitting: boolean;
  message: string | null;
}

export type Effect =
  | { kind: 'command'; command: TaskCommand; task: string }
  | { kind: 'export' }
  /** `stopFleet`: fleet mode, the user chose to stop the fleet's tasks rather than leave them running. */
  | { kind: 'quit'; code: number; stopFleet?: boolean };

/** The subset of Ink's key flags the bindings use. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
}

export interface KeyContext {
  taskIds: string[];
  /** Tasks pending or processing: quitting would stop them, so it needs a confirmation. */
  unfinished: number;
  /** Fleet mode: the tasks run on agents, and `q` asks whether to stop them or leave them running. */
  fleet?: boolean;
  /** The selected task while it runs, with the counts a restart would discard; null when it does not run. */
  running?: { in: number; out: number } | null;
  /** Log lines of the selected task and how many fit in the pane, to bound scrolling. */
  logLength: number;
  logPage: number;
}

export interface KeyResult {
  state: UiState;
  effect: Effect | null;
}

/** Exit status when the user interrupts with Ctrl-C, as shells report SIGINT. */
export const INTERRUPTED = 130;

export const initialUi = (taskIds: string[]): UiState => ({
  selectedId: taskIds[0] ?? null,
  logOpen: false,
  logScroll: 0,
  help: false,
  confirmQuit: false,
  confirmRestart: null,
  quitting: false,
  message: null,
});

const commandKeys: Record<string, TaskCommand> = { s: 'start', x: 'stop', c: 'cancel', r: 'restart' };

function moveSelection(state: UiState, ids: string[], delta: number): UiState {
  if (ids.length === 0) return state;
  const at = state.selectedId === null ? -1 : ids.indexOf(state.selectedId);
  const next = at < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, at + delta));
  if (ids[next] === state.selectedId) return state;
  return { ...state, selectedId: ids[next], logScroll: 0 };
}

function scrollLog(state: UiState, ctx: KeyContext, delta: number): UiState {
  const max = Math.max(0, ctx.logLength - ctx.logPage);
  return { ...state, logScroll: Math.min(max, Math.max(0, state.logScroll + delta)) };
}

export function handleKey(state: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyResult {
  const none = (s: UiState): KeyResult => ({ state: s, effect: null });
  if (state.quitting) return none(state);
  if (key.ctrl && input === 'c') {
    return { state: { ...state, confirmQuit: false, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit', code: INTERRUPTED } };
  }
  if (state.confirmQuit && ctx.fleet) {
    const leave = input === 'l' || input === 'L';
    if (leave || input === 's' || input === 'S') {
      const message = leave ? 'leaving the fleet’s tasks running…' : 'stopping the fleet’s tasks…';
      return { state: { ...state, confirmQuit: false, quitting: true, message }, effect: { kind: 'quit', code: 0, stopFleet: !leave } };
    }
    if (input === 'n' || input === 'N' || key.escape) return none({ ...state, confirmQuit: false, message: null });
    return none(state);
  }
  if (state.confirmQuit) {
    if (input === 'y' || input === 'Y') {
      return { state: { ...state, confirmQuit: false, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit', code: 0 } };
    }
    if (input === 'n' || input === 'N' || key.escape) return none({ ...state, confirmQuit: false, message: null });
    return none(state);
  }
  if (state.confirmRestart !== null) {
    const task = state.confirmRestart;
    if (input === 'y' || input === 'Y') {
      return { state: { ...state, confirmRestart: null, message: `restart ${task}` }, effect: { kind: 'command', command: 'restart', task } };
    }
    if (input === 'n' || input === 'N' || key.escape) return none({ ...state, confirmRestart: null, message: `${task} goes on` });
    return none(state);
  }
  if (state.help) {
    if (input === '?' || input === 'q' || key.escape || key.return) return none({ ...state, help: false });
    return none(state);
  }
  if (key.upArrow || input === 'k') return none(moveSelection(state, ctx.taskIds, -1));
  if (key.downArrow || input === 'j') return none(moveSelection(state, ctx.taskIds, +1));
  if (key.return) return none({ ...state, logOpen: !state.logOpen, logScroll: 0 });
  if (key.pageUp) return none(scrollLog(state, ctx, ctx.logPage));
  if (key.pageDown) return none(scrollLog(state, ctx, -ctx.logPage));
  if (key.home) return none(scrollLog(state, ctx, ctx.logLength));
  if (key.end) return none({ ...state, logScroll: 0 });
  if (input === '?') return none({ ...state, help: true });
  if (input === 'e') return { state: { ...state, message: 'exporting…' }, effect: { kind: 'export' } };
  if (input === 'q') {
    if (ctx.unfinished > 0) {
      const n = ctx.unfinished;
      const tasks = `${n} unfinished task${n === 1 ? '' : 's'}`;
      const message = ctx.fleet ? `Quit: s stops the fleet's ${tasks}, l leaves them running, n stays` : `Quit and stop ${tasks}? (y/n)`;
      return none({ ...state, confirmQuit: true, message });
    }
    return { state: { ...state, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit', code: 0 } };
  }
  const command = commandKeys[input];
  if (command) {
    if (state.selectedId === null) return none({ ...state, message: 'no task selected' });
    if (command === 'restart' && ctx.running) {
      const { in: inCount, out } = ctx.running;
      const message = `Restart ${state.selectedId} from zero and discard its counts (${inCount} in, ${out} out)? (y/n)`;
      return none({ ...state, confirmRestart: state.selectedId, message });
    }
    return { state: { ...state, message: `${command} ${state.selectedId}` }, effect: { kind: 'command', command, task: state.selectedId } };
  }
  if (key.escape && state.logOpen) return none({ ...state, logOpen: false, logScroll: 0 });
  return none(state);
}

/**
 * Ink hands over plain text as one input when several keys arrive in one read, which happens over SSH and
 * with tmux send-keys; splitting it lets "j\r" select and open the log like two separate key presses.
 */
export function splitTyped(input: string, key: KeyFlags): [string, KeyFlags][] {
  const flagged = Object.values(key).some((v) => v === true);
  if (input.length <= 1 || flagged) return [[input, key]];
  return [...input].map((ch): [string, KeyFlags] => {
    if (ch === '\r' || ch === '\n') return ['', { return: true }];
    if (ch === '\u0003') return ['c', { ctrl: true }];
    return [ch, {}];
  });
}
