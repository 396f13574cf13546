import { Box, Text } from 'ink';
import { escapeControls } from '../common/terminal-text.js';
import type { TaskView } from '../orchestrator/types.js';
import { formatEta, formatFps, formatProgressPercent, progressBar, shortenSource, truncate, truncateMiddle } from './format.js';
import { GAP, MARKER_WIDTH, scrollStart, type Column, type TableLayout } from './layout.js';
import { stateTone, Styled, useTheme, type Tone } from './theme.js';

/** The text of one cell, before padding; the progress cell is a bar, a percentage and the time left. */
export function cellText(task: TaskView, column: Column, barWidth: number, unicode: boolean): string {
  switch (column.key) {
    case 'id':
      return escapeControls(task.id);
    case 'source':
      return escapeControls(shortenSource(task.source));
    case 'state':
      // A camera waiting to be tried again says why: its source is offline, or its worker crashed.
      return task.phase === 'offline' || task.phase === 'restarting' ? task.phase : task.state;
    case 'agent':
      return task.agent ? escapeControls(task.agent) : task.state === 'processing' ? 'waiting' : '-';
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
    case 'progress': {
      if (task.kind === 'camera') return 'live';
      if (task.progress === null) return task.state === 'pending' ? 'queued' : '';
      const eta = task.state === 'processing' ? formatEta(task.etaSeconds) : '';
      return `${progressBar(task.progress, barWidth, unicode)} ${formatProgressPercent(task.progress)} ${eta}`;
    }
  }
}

/** Exactly `column.width` characters (plus the gap), so every row lines up and a highlight spans the row. */
export function padCell(text: string, column: Column, last: boolean): string {
  const fitted = column.key === 'source' ? truncateMiddle(text, column.width) : truncate(text, column.width);
  const padded = column.align === 'right' ? fitted.padStart(column.width) : fitted.padEnd(column.width);
  return last ? padded : padded + ' '.repeat(GAP);
}

function Cell({ column, text, last, tone, inverse }: { column: Column; text: string; last: boolean; tone?: Tone; inverse: boolean }) {
  return (
    <Box width={column.width + (last ? 0 : GAP)} flexShrink={0}>
      <Styled tone={tone} inverse={inverse}>
        {padCell(text, column, last)}
      </Styled>
    </Box>
  );
}

interface TaskTableProps {
  tasks: TaskView[];
  layout: TableLayout;
  selectedId: string | null;
  visibleRows: number;
  width: number;
}

/** "tasks 4-12/30" when the table cannot show every task, else nothing. */
export function rowsNote(taskCount: number, selectedIndex: number, visibleRows: number): string {
  if (taskCount <= visibleRows) return '';
  const start = scrollStart(Math.max(0, selectedIndex), taskCount, visibleRows);
  return `tasks ${start + 1}-${start + visibleRows}/${taskCount}`;
}

export function TaskTable({ tasks, layout, selectedId, visibleRows, width }: TaskTableProps) {
  const { unicode } = useTheme();
  const selected = tasks.findIndex((t) => t.id === selectedId);
  const start = scrollStart(Math.max(0, selected), tasks.length, visibleRows);
  const shown = tasks.slice(start, start + visibleRows);
  const { columns, barWidth } = layout;
  return (
    <Box flexDirection="column" width={width} height={visibleRows + 1}>
      <Box width={width}>
        <Box width={MARKER_WIDTH} flexShrink={0}>
          <Text>{'  '}</Text>
        </Box>
        {columns.map((c, i) => (
          <Box key={c.key} width={c.width + (i === columns.length - 1 ? 0 : GAP)} flexShrink={0}>
            <Styled tone="muted" bold>
              {padCell(c.title, c, i === columns.length - 1)}
            </Styled>
          </Box>
        ))}
      </Box>
      {tasks.length === 0 && <Text>  no tasks</Text>}
      {shown.map((task) => {
        const isSelected = task.id === selectedId;
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
                text={cellText(task, c, barWidth, unicode)}
                last={i === columns.length - 1}
                tone={c.key === 'state' ? (task.phase === 'offline' || task.phase === 'restarting' ? 'warn' : stateTone[task.state]) : undefined}
                inverse={isSelected}
              />
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
