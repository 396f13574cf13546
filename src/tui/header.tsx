import { Box, Text } from 'ink';
import type { PoolSnapshot } from '../orchestrator/types.js';
import { formatBytes, formatFps, formatPercent } from './format.js';
import { Styled } from './theme.js';

/** The part after the task counters; "cancelled" is the first thing to go on a narrow terminal. */
function statsTail(s: PoolSnapshot, width: number): string {
  const head = `active ${s.active}/${s.workers.length}  queued ${s.queued}  done ${s.completed}  failed ${s.failed}`;
  const resources = `  ${formatFps(s.totalFps)} fps  cpu ${formatPercent(s.childCpuPercent)}  mem ${formatBytes(s.childRssBytes)}`;
  const cancelled = `  cancelled ${s.cancelled}`;
  return head.length + cancelled.length + resources.length <= width ? cancelled + resources : resources;
}

interface HeaderProps {
  snapshot: PoolSnapshot;
  configPath: string | undefined;
  width: number;
  /** Which rows the table shows when not all fit, e.g. "tasks 4-12/30". */
  rowsNote: string;
  /** Shown before them, e.g. the /metrics address. */
  note?: string;
}

const TITLE = 'pcount-tui';

/**
 * What fits right of the title on a line of `width`: "? help" always, then the rows note, then the note, each only
 * when it fits whole (with two spaces before it and room for the title). Cut by the terminal, the line lost its
 * title and "? help" first, and wrapped to a second line that pushed the frame past the terminal's height.
 */
export function headerHint(width: number, rowsNote: string, note: string): string {
  let hint = '? help';
  for (const part of [rowsNote, note]) {
    if (part && TITLE.length + 2 + part.length + 2 + hint.length <= width) hint = `${part}  ${hint}`;
  }
  return hint;
}

/** Two lines: what is running (title and config), then the pool's counters and the children's resources. */
export function Header({ snapshot: s, configPath, width, rowsNote, note = '' }: HeaderProps) {
  const hint = headerHint(width, rowsNote, note);
  const config = configPath ?? 'ad-hoc sources';
  const configWidth = Math.max(0, width - TITLE.length - hint.length - 4);
  return (
    <Box flexDirection="column" width={width}>
      <Box width={width} height={1} overflow="hidden">
        <Styled tone="accent" bold>
          {TITLE}
        </Styled>
        {configWidth > 0 && (
          <Box width={configWidth + 2} paddingLeft={2} flexShrink={0}>
            <Text wrap="truncate-start">{config}</Text>
          </Box>
        )}
        <Box flexGrow={1} justifyContent="flex-end">
          <Styled tone="muted">{hint}</Styled>
        </Box>
      </Box>
      <Box width={width}>
        <Text wrap="truncate-end">
          <Styled tone="busy">{`active ${s.active}/${s.workers.length}`}</Styled>
          {`  queued ${s.queued}  done ${s.completed}  `}
          <Styled tone={s.failed > 0 ? 'bad' : undefined}>{`failed ${s.failed}`}</Styled>
          {statsTail(s, width)}
        </Text>
      </Box>
    </Box>
  );
}
