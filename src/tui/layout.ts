/**
 * Pure layout: which table columns fit a terminal width and how tall each region is.
 * Widths depend only on the terminal size and the task ids, never on changing values, so lines do not jump.
 */

export type ColumnKey = 'id' | 'source' | 'state' | 'agent' | 'fps' | 'in' | 'out' | 'occ' | 'progress' | 'restarts' | 'cpu' | 'mem';

export interface Column {
  key: ColumnKey;
  title: string;
  width: number;
  align: 'left' | 'right';
}

export interface TableLayout {
  columns: Column[];
  /** Width of the bar inside the progress cell (0 when the column is dropped). */
  barWidth: number;
}

/** The "> " in front of every row: the selection stays visible without colour. */
export const MARKER_WIDTH = 2;
export const GAP = 1;
const SOURCE_MIN = 10;
const SOURCE_COMFORT = 18;
const SOURCE_MAX = 40;
/** Room for the totals row's label, `total`, under short ids (`cam1`). */
const ID_MIN = 5;
const ID_MAX = 16;
const BAR_MIN = 6;
const BAR_COMFORT = 12;
const BAR_MAX = 20;
/** " 100% 12:34" after the bar. */
const PROGRESS_TAIL = 11;
const STATE_MIN = 10;
/** "reconnecting #12 in 30s", "offline since 12:34:56"; narrower columns get the short forms. */
const STATE_CAMERA = 23;
/** Least important first; the counts go last. */
const DROP_ORDER: ColumnKey[] = ['restarts', 'mem', 'cpu', 'fps', 'source', 'agent', 'progress', 'occ', 'out', 'in'];

const RESOURCES: readonly (ColumnKey | undefined)[] = ['restarts', 'mem', 'cpu'];

const ORDER: ColumnKey[] = ['id', 'source', 'state', 'agent', 'fps', 'in', 'out', 'occ', 'progress', 'cpu', 'mem', 'restarts'];
/** Fleet mode: the agent running each task. */
const AGENT_WIDTH = 8;

function fixedColumn(key: ColumnKey, idWidth: number, barWidth: number): Column {
  switch (key) {
    case 'id':
      return { key, title: 'task', width: idWidth, align: 'left' };
    case 'source':
      return { key, title: 'source', width: SOURCE_MIN, align: 'left' };
    case 'state':
      return { key, title: 'state', width: STATE_MIN, align: 'left' };
    case 'agent':
      return { key, title: 'agent', width: AGENT_WIDTH, align: 'left' };
    case 'fps':
      return { key, title: 'fps', width: 5, align: 'right' };
    case 'in':
      return { key, title: 'in', width: 4, align: 'right' };
    case 'out':
      return { key, title: 'out', width: 4, align: 'right' };
    case 'occ':
      return { key, title: 'occ', width: 3, align: 'right' };
    case 'progress':
      return { key, title: 'progress / eta', width: barWidth + PROGRESS_TAIL, align: 'left' };
    case 'restarts':
      return { key, title: 'rst', width: 3, align: 'right' };
    case 'cpu':
      return { key, title: 'cpu', width: 4, align: 'right' };
    case 'mem':
      return { key, title: 'mem', width: 6, align: 'right' };
  }
}

function totalWidth(columns: Column[]): number {
  return MARKER_WIDTH + columns.reduce((sum, c) => sum + c.width, 0) + GAP * Math.max(0, columns.length - 1);
}

/**
 * `cameras`: whether any task is a camera, whose states ("reconnecting #3 in 12s") want a wider state column.
 * `fleet`: the tasks run on a fleet's agents, and an agent column says which.
 */
export function tableLayout(terminalWidth: number, labels: string[], cameras = false, fleet = false): TableLayout {
  const longestId = labels.reduce((m, id) => Math.max(m, id.length), 0);
  const idWidth = Math.min(ID_MAX, Math.max(ID_MIN, longestId), Math.max(ID_MIN, terminalWidth - 20));
  let keys = ORDER.filter((k) => fleet || k !== 'agent');
  for (;;) {
    const columns = keys.map((k) => fixedColumn(k, idWidth, BAR_MIN));
    let spare = terminalWidth - totalWidth(columns);
    const drop = DROP_ORDER.find((k) => keys.includes(k));
    // The resource columns come only when the source name can still be read.
    const readable = !keys.includes('source') || spare >= SOURCE_COMFORT - SOURCE_MIN || !RESOURCES.includes(drop!);
    if (spare >= 0 && readable) {
      const source = columns.find((c) => c.key === 'source');
      const progress = columns.find((c) => c.key === 'progress');
      const state = columns.find((c) => c.key === 'state');
      // Spare width goes first to a readable source name, then to camera states, the bar and the rest of the name.
      const grow = (column: Column | undefined, upTo: number) => {
        if (!column) return;
        const add = Math.max(0, Math.min(upTo - column.width, spare));
        column.width += add;
        spare -= add;
      };
      grow(source, SOURCE_COMFORT);
      if (cameras) grow(state, STATE_CAMERA);
      grow(progress, BAR_COMFORT + PROGRESS_TAIL);
      grow(source, SOURCE_MAX);
      grow(progress, BAR_MAX + PROGRESS_TAIL);
      return { columns, barWidth: progress ? progress.width - PROGRESS_TAIL : 0 };
    }
    if (!drop) return { columns: keys.map((k) => fixedColumn(k, idWidth, 0)), barWidth: 0 };
    keys = keys.filter((k) => k !== drop);
  }
}

export interface BodyLayout {
  /** Table rows shown: tasks, their line rows and the totals (the table header line comes on top of these). */
  tableRows: number;
  /** Lines of the log pane including its title line; 0 when closed. */
  logLines: number;
  /** Lines of the preview pane including its title line; 0 when closed. */
  previewLines: number;
}

/** Header (2 lines) and footer (1 line) are fixed; the body shares what is left. */
export const HEADER_LINES = 2;
export const FOOTER_LINES = 1;

/**
 * Ink clears the whole terminal on every frame whose height reaches the terminal's rows, which flickers,
 * so the dashboard always draws one line less than the terminal has.
 */
export function frameHeight(terminalRows: number): number {
  return Math.max(HEADER_LINES + FOOTER_LINES + 2, terminalRows - 1);
}

export type Pane = 'log' | 'preview' | null;

/**
 * With the log pane open, the table keeps at least about half the body unless it has fewer rows to show; the
 * preview takes three quarters of the body, the table keeping the selected task in view.
 */
export function bodyLayout(terminalRows: number, pane: Pane, rowCount: number): BodyLayout {
  const body = frameHeight(terminalRows) - HEADER_LINES - FOOTER_LINES;
  const forRows = body - 1;
  if (pane === 'preview') {
    const tableRows = Math.max(1, Math.min(rowCount, Math.floor(body / 4)));
    return { tableRows, logLines: 0, previewLines: Math.max(2, forRows - tableRows) };
  }
  if (pane !== 'log') return { tableRows: Math.max(1, forRows), logLines: 0, previewLines: 0 };
  const logLines = Math.max(2, Math.floor(body * 0.45), forRows - Math.max(1, rowCount));
  return { tableRows: Math.max(1, forRows - logLines), logLines, previewLines: 0 };
}
