/** Key bindings as a pure function of the UI state: what changes on screen and which command, if any, to run. */

import type { StopSignal } from '../common/signal-latch.js';
import { editLines, openEditor, type EditLine, type EditorState } from './line-editor.js';
import { nextSort, type SortKey } from './task-list.js';

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
  /** The live picture of the selected task, in place of the log pane. */
  preview: boolean;
  /** The line editor, on the preview. */
  editor: EditorState | null;
  /** Shows only tasks whose id or source contains it (case-insensitive). */
  filter: string;
  /** Keys type into the filter. */
  filtering: boolean;
  /** Per-line rows of a task shown (true) or hidden (false) by the user; others follow the room there is. */
  expanded: Record<string, boolean>;
  sort: SortKey;
}

export type Effect =
  | { kind: 'command'; command: TaskCommand; task: string }
  | { kind: 'export' }
  /** `signal`: the quit is a Ctrl-C, which exits as that signal does (see signalledExitCode). */
  | { kind: 'quit'; signal?: StopSignal; stopFleet?: boolean }
  | { kind: 'lines'; task: string; lines: EditLine[] };

/** The subset of Ink's key flags the bindings use. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  delete?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
}

export interface KeyContext {
  /** The tasks shown, in the order shown (filtered and sorted). */
  taskIds: string[];
  /** The lines of the selected task, for the editor. */
  selectedLines?: readonly { name: string; points: readonly number[] }[];
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

export const initialUi = (taskIds: string[], restored: Partial<Pick<UiState, 'logOpen' | 'preview' | 'sort'>> = {}): UiState => ({
  selectedId: taskIds[0] ?? null,
  logOpen: false,
  logScroll: 0,
  help: false,
  confirmQuit: false,
  confirmRestart: null,
  quitting: false,
  message: null,
  preview: false,
  editor: null,
  filter: '',
  filtering: false,
  expanded: {},
  sort: 'config',
  ...restored,
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
    return { state: { ...state, confirmQuit: false, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit', signal: 'SIGINT' } };
  }
  if (state.confirmQuit && ctx.fleet) {
    const leave = input === 'l' || input === 'L';
    if (leave || input === 's' || input === 'S') {
      const message = leave ? 'leaving the fleet’s tasks running…' : 'stopping the fleet’s tasks…';
      return { state: { ...state, confirmQuit: false, quitting: true, message }, effect: { kind: 'quit', stopFleet: !leave } };
    }
    if (input === 'n' || input === 'N' || key.escape) return none({ ...state, confirmQuit: false, message: null });
    return none(state);
  }
  if (state.confirmQuit) {
    if (input === 'y' || input === 'Y') {
      return { state: { ...state, confirmQuit: false, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit' } };
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
  if (state.editor) return editorKey(state, state.editor, input, key);
  if (state.filtering && !key.upArrow && !key.downArrow) return none(filterKey(state, input, key));
  if (key.upArrow || input === 'k') return none(moveSelection(state, ctx.taskIds, -1));
  if (key.downArrow || input === 'j') return none(moveSelection(state, ctx.taskIds, +1));
  if (key.return) return none(state.preview ? { ...state, preview: false, logOpen: true, logScroll: 0 } : { ...state, logOpen: !state.logOpen, logScroll: 0 });
  if (key.rightArrow || key.leftArrow) {
    if (state.selectedId === null) return none(state);
    return none({ ...state, expanded: { ...state.expanded, [state.selectedId]: Boolean(key.rightArrow) } });
  }
  if (key.pageUp) return none(scrollLog(state, ctx, ctx.logPage));
  if (key.pageDown) return none(scrollLog(state, ctx, -ctx.logPage));
  if (key.home) return none(scrollLog(state, ctx, ctx.logLength));
  if (key.end) return none({ ...state, logScroll: 0 });
  if (input === '?') return none({ ...state, help: true });
  if (input === 'v') {
    if (state.selectedId === null && !state.preview) return none({ ...state, message: 'no task selected' });
    return none({ ...state, preview: !state.preview });
  }
  if (input === 'l') {
    if (state.selectedId === null) return none({ ...state, message: 'no task selected' });
    if (!ctx.selectedLines) return none({ ...state, message: `no lines to edit for ${state.selectedId}` });
    return none({ ...state, preview: true, editor: openEditor(state.selectedId, ctx.selectedLines) });
  }
  if (input === '/') return none({ ...state, filtering: true });
  if (input === 'o') {
    const sort = nextSort(state.sort);
    return none({ ...state, sort, message: `sorted by ${sort}` });
  }
  if (input === 'e') return { state: { ...state, message: 'exporting…' }, effect: { kind: 'export' } };
  if (input === 'q') {
    if (ctx.unfinished > 0) {
      const n = ctx.unfinished;
      const tasks = `${n} unfinished task${n === 1 ? '' : 's'}`;
      const message = ctx.fleet ? `Quit: s stops the fleet's ${tasks}, l leaves them running, n stays` : `Quit and stop ${tasks}? (y/n)`;
      return none({ ...state, confirmQuit: true, message });
    }
    return { state: { ...state, quitting: true, message: 'stopping workers…' }, effect: { kind: 'quit' } };
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
  if (key.escape) {
    if (state.preview) return none({ ...state, preview: false });
    if (state.logOpen) return none({ ...state, logOpen: false, logScroll: 0 });
    if (state.filter !== '') return none({ ...state, filter: '' });
  }
  return none(state);
}

/** While the editor is open every key but Ctrl-C is the editor's; Enter hands the lines to the pool. */
function editorKey(state: UiState, editor: EditorState, input: string, key: KeyFlags): KeyResult {
  const next = editLines(editor, { ...key, input });
  if (next.status === 'cancelled') return { state: { ...state, editor: null, message: 'line edit cancelled' }, effect: null };
  if (next.status === 'applied') {
    if (!next.dirty) return { state: { ...state, editor: null, message: 'lines unchanged' }, effect: null };
    return { state: { ...state, editor: null, message: `applying lines to ${next.task}…` }, effect: { kind: 'lines', task: next.task, lines: next.lines } };
  }
  return { state: { ...state, editor: next, message: next.message }, effect: null };
}

/** Typing a filter: letters add, Backspace removes, Enter keeps it, Esc drops it. */
function filterKey(state: UiState, input: string, key: KeyFlags): UiState {
  if (key.escape) return { ...state, filtering: false, filter: '' };
  if (key.return) return { ...state, filtering: false };
  if (key.backspace || key.delete) return { ...state, filter: state.filter.slice(0, -1) };
  if (key.ctrl) return state;
  if (input.length === 1 && input >= ' ') return { ...state, filter: state.filter + input };
  return state;
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
    if (ch === '\t') return ['', { tab: true }];
    if (ch === '\u007f') return ['', { backspace: true }];
    if (ch === '\u0003') return ['c', { ctrl: true }];
    return [ch, {}];
  });
}
