import { Box } from 'ink';
import { escapeControls } from '../common/terminal-text.js';
import type { TaskView } from '../orchestrator/types.js';
import { Styled, useTheme, type Tone } from './theme.js';

interface LogPaneProps {
  task: TaskView | undefined;
  /** Lines including the title line. */
  height: number;
  width: number;
  /** Lines scrolled up from the newest; 0 follows the tail. */
  scroll: number;
}

/** Log lines that fit under the title, for a pane of `height` lines. */
export const logPageSize = (height: number): number => Math.max(1, height - 1);

/** The slice of `logs` a pane shows, newest at the bottom, `scroll` lines up from the tail. */
export function visibleLogLines(logs: string[], page: number, scroll: number): { lines: string[]; first: number } {
  const end = Math.max(0, logs.length - scroll);
  const first = Math.max(0, end - page);
  return { lines: logs.slice(first, end), first };
}

function lineTone(line: string): Tone | undefined {
  if (/\b(error|fatal)\b/i.test(line)) return 'bad';
  if (/\bwarn(ing)?\b/i.test(line)) return 'warn';
  return undefined;
}

export function LogPane({ task, height, width, scroll }: LogPaneProps) {
  const { unicode } = useTheme();
  const rule = unicode ? '─' : '-';
  const page = logPageSize(height);
  const logs = task?.logs ?? [];
  const { lines, first } = visibleLogLines(logs, page, scroll);
  const position = logs.length === 0 ? 'no lines yet' : `${first + 1}-${first + lines.length}/${logs.length}${scroll === 0 ? ' following' : ''}`;
  // The pool escapes what it keeps; escaping again here costs nothing and holds for any PoolControl.
  const reason = task?.reason ? `  ${escapeControls(task.reason)}` : '';
  const title = `${rule}${rule} log: ${escapeControls(task?.id ?? '(no task)')}  ${position}${reason} ${rule}${rule} PgUp/PgDn Enter ${rule}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box width={width}>
        <Styled tone="accent">{title.padEnd(width, rule)}</Styled>
      </Box>
      {lines.map((line, i) => (
        <Box key={first + i} width={width}>
          <Styled tone={lineTone(line)}>{line === '' ? ' ' : escapeControls(line)}</Styled>
        </Box>
      ))}
    </Box>
  );
}
