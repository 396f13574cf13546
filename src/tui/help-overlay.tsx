import { Box, Text } from 'ink';
import { Styled, useTheme } from './theme.js';

export function keyHelp(unicode: boolean): [string, string][] {
  return [
    [unicode ? '↑/↓  j/k' : 'Up/Down  j/k', 'select a task'],
    ['Enter', 'open or close the log pane of the selected task'],
    ['PgUp/PgDn', 'scroll the log pane (Home: oldest, End: follow)'],
    ['s', 'start the selected task now, ahead of the queue, or run a finished one again'],
    ['x', 'stop it, keeping its counts so far'],
    ['c', 'cancel it (a queued task just leaves the queue)'],
    ['r', 'restart it from zero (asks first while it runs: its counts are discarded)'],
    ['e', 'export results (JSON, CSV per task, crossings)'],
    ['v', 'show or close the live picture of the selected task'],
    ['l', 'edit its lines on the picture: Tab line, Space end, arrows/hjkl move (Shift fine), n new, d delete, f flip, Enter apply'],
    [unicode ? '→/←' : 'Right/Left', 'show or hide the per-line rows of the selected task'],
    ['/', 'filter tasks by id or source (Esc clears)'],
    ['o', 'sort by config order, id, state, in or fps'],
    ['?', 'show or close this help'],
    ['q', 'quit (asks first while tasks run); Ctrl-C quits at once'],
  ];
}

/** Takes the place of the table and the log pane, so it needs no layering and reads the same without colour. */
export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const { unicode } = useTheme();
  const rows = keyHelp(unicode);
  const keyWidth = Math.max(...rows.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Styled tone="accent" bold>
        Keys (press ? or Esc to close)
      </Styled>
      {rows.map(([key, what]) => (
        <Box key={key} width={width}>
          <Box width={keyWidth} flexShrink={0}>
            <Styled bold>{key}</Styled>
          </Box>
          <Text wrap="truncate-end">{what}</Text>
        </Box>
      ))}
      <Text wrap="truncate-end"> </Text>
      <Text wrap="truncate-end">{'">" marks the selected task.'}</Text>
      <Text wrap="truncate-end">States: pending, processing, completed, stopped, error, cancelled; cameras: online, reconnecting, offline, restarting.</Text>
    </Box>
  );
}
