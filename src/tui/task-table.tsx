import { Box, Text } from 'ink';
import { escapeControls } from '../common/terminal-text.js';
import type { TaskView } from '../orchestrator/types.js';
import type { LineCount } from '../protocol/events.js';
import { formatBytes, formatEta, formatFps, formatPercent, formatProgressPercent, progressBar, shortenSource, truncate, truncateMiddle } from './format.js';
import { GAP, MARKER_WIDTH, type Column, type TableLayout } from './layout.js';
import { rowWindow, type TableRow, type Totals } from './task-list.js';
import { frameAge, taskStatus } from './task-status.js';
import { Styled, useTheme, type Tone } from './theme.js';

/** The text of one cell, before padding; the progress cell is a bar, a percentage and the time left. */
export function cellText(task: TaskView, column: Column, barWidth: number, unicode: boolean, now = Date.now()): string {
  switch (column.key) {
    case 'id':
      return escapeControls(task.id);
    case 'source':
      return escapeControls(shortenSource(task.source));
    case 'state': {
      const status = taskStatus(task, now);
      return status.short && status.text.length > column.width ? status.short : status.text;
    }
    case 'agent':
      return task.agent ? escapeControls(task.agent) : task.phase === 'waiting' ? 'waiting' : '-';
    case 'fps':
      return task.state === 'processing' ? formatFps(task.fps) : '-';
    case 'in':
      return String(task.in);
    case 'out':
      return String(task.out);
    case 'occ':
      return String(task.occupancy);
    case 'restarts':
      return String(task.restarts);
    case 'cpu':
      return task.state === 'processing' && task.cpuPercent !== undefined ? formatPercent(task.cpuPercent) : '-';
    case 'mem':
      return task.state === 'processing' && task.rssBytes ? formatBytes(task.rssBytes) : '-';
    case 'progress': {
      if (task.kind === 'camera') {
        const age = task.state === 'processing' ? frameAge(task, now) : null;
        return age ? `live, frame ${age} ago` : 'live';
      }
      if (task.progress === null) return task.state === 'pending' ? 'queued' : '';
      const eta = task.state === 'processing' ? formatEta(task.etaSeconds) : '';
      return `${progressBar(task.progress, barWidth, unicode)} ${formatProgressPercent(task.progress)} ${eta}`;
    }
  }
}

/** One line of a task: its name under the task's id, its own counts; the other cells stay empty. */
export function lineCellText(line: LineCount, last: boolean, column: Column, unicode: boolean): string {
  switch (column.key) {
    case 'id':
      return `${unicode ? (last ? ' └ ' : ' ├ ') : ' - '}${escapeControls(line.name)}`;
    case 'in':
      return String(line.in);
    case 'out':
      return String(line.out);
    case 'occ':
      return String(line.in - line.out);
    default:
      return '';
  }
}

/** The sums over the tasks shown. */
export function totalsCellText(t: Totals, taskCount: number, column: Column): string {
  switch (column.key) {
    case 'id':
      return 'total';
    case 'state':
      return `${taskCount} task${taskCount === 1 ? '' : 's'}`;
    case 'fps':
      return formatFps(t.fps);
    case 'in':
      return String(t.in);
    case 'out':
      return String(t.out);
    case 'occ':
      return String(t.occupancy);
    case 'cpu':
      return formatPercent(t.cpuPercent);
    case 'mem':
      return t.rssBytes > 0 ? formatBytes(t.rssBytes) : '-';
    default:
      return '';
  }
}

/** Exactly `column.width` characters (plus the gap), so every row lines up and a highlight spans the row. */
export function padCell(text: string, column: Column, last: boolean): string {
  const fitted = column.key === 'source' ? truncateMiddle(text, column.width) : truncate(text, column.width);
  const padded = column.align === 'right' ? fitted.padStart(column.width) : fitted.padEnd(column.width);
  return last ? padded : padded + ' '.repeat(GAP);
}

function Cell({ column, text, last, tone, inverse, bold }: { column: Column; text: string; last: boolean; tone?: Tone; inverse?: boolean; bold?: boolean }) {
  return (
    <Box width={column.width + (last ? 0 : GAP)} flexShrink={0}>
      <Styled tone={tone} inverse={inverse} bold={bold}>
        {padCell(text, column, last)}
      </Styled>
    </Box>
  );
}

interface TaskTableProps {
  rows: TableRow[];
  /** Shown under the rows when set (more than one task). */
  totals: { values: Totals; taskCount: number } | null;
  layout: TableLayout;
  selectedId: string | null;
  /** Rows for tasks, lines and the totals together. */
  visibleRows: number;
  width: number;
  now: number;
}

/** "tasks 4-12/30" when the table cannot show every row, else nothing. */
export function rowsNote(rows: readonly TableRow[], selectedId: string | null, visibleRows: number): string {
  if (rows.length <= visibleRows) return '';
  const start = rowWindow(rows, selectedId, visibleRows);
  const taskIndex = (i: number) => rows.slice(0, i + 1).filter((r) => r.kind === 'task').length;
  const taskCount = rows.filter((r) => r.kind === 'task').length;
  return `tasks ${taskIndex(start)}-${taskIndex(start + visibleRows - 1)}/${taskCount}`;
}

export function TaskTable({ rows, totals, layout, selectedId, visibleRows, width, now }: TaskTableProps) {
  const { unicode } = useTheme();
  const dataRows = Math.max(1, visibleRows - (totals ? 1 : 0));
  const start = rowWindow(rows, selectedId, dataRows);
  const shown = rows.slice(start, start + dataRows);
  const { columns, barWidth } = layout;
  const isLast = (i: number) => i === columns.length - 1;
  return (
    <Box flexDirection="column" width={width} height={visibleRows + 1}>
      <Box width={width}>
        <Box width={MARKER_WIDTH} flexShrink={0}>
          <Text>{'  '}</Text>
        </Box>
        {columns.map((c, i) => (
          <Box key={c.key} width={c.width + (isLast(i) ? 0 : GAP)} flexShrink={0}>
            <Styled tone="muted" bold>
              {padCell(c.title, c, isLast(i))}
            </Styled>
          </Box>
        ))}
      </Box>
      {rows.length === 0 && <Text>  no tasks</Text>}
      {shown.map((row) => {
        if (row.kind === 'line') {
          return (
            <Box key={`${row.task.id}\u0000${row.line.name}`} width={width}>
              <Box width={MARKER_WIDTH} flexShrink={0}>
                <Text>{'  '}</Text>
              </Box>
              {columns.map((c, i) => (
                <Cell key={c.key} column={c} text={lineCellText(row.line, row.last, c, unicode)} last={isLast(i)} tone={c.key === 'id' ? 'muted' : undefined} />
              ))}
            </Box>
          );
        }
        const { task } = row;
        const isSelected = task.id === selectedId;
        const status = taskStatus(task, now);
        return (
          <Box key={task.id} width={width}>
            <Box width={MARKER_WIDTH} flexShrink={0}>
              <Styled tone="accent" bold>
                {isSelected ? '> ' : '  '}
              </Styled>
            </Box>
            {columns.map((c, i) => (
              <Cell
                key={c.key}
                column={c}
                text={cellText(task, c, barWidth, unicode, now)}
                last={isLast(i)}
                tone={c.key === 'state' ? status.tone : undefined}
                inverse={isSelected}
              />
            ))}
          </Box>
        );
      })}
      {totals && (
        <Box width={width}>
          <Box width={MARKER_WIDTH} flexShrink={0}>
            <Text>{'  '}</Text>
          </Box>
          {columns.map((c, i) => (
            <Cell key={c.key} column={c} text={totalsCellText(totals.values, totals.taskCount, c)} last={isLast(i)} bold />
          ))}
        </Box>
      )}
    </Box>
  );
}
