import { Box } from 'ink';
import { Styled, useTheme } from './theme.js';

interface FooterProps {
  width: number;
  message: string | null;
  confirming: boolean;
  finished: boolean;
}

/** As many key hints as fit the width; help and quit are always there, at the end. */
export function keyHints(width: number, unicode: boolean, finished: boolean): string {
  const always = ['? help', 'q quit'];
  const optional = finished
    ? ['all tasks finished', 'e export', unicode ? '↑↓ move' : 'j/k move', 'Enter log']
    : [unicode ? '↑↓ move' : 'j/k move', unicode ? '⏎ log' : 'Enter log', 's start', 'x stop', 'c cancel', 'r restart', 'e export'];
  const sep = '  ';
  const shown: string[] = [];
  let used = always.join(sep).length;
  for (const hint of optional) {
    if (used + sep.length + hint.length > width) break;
    shown.push(hint);
    used += sep.length + hint.length;
  }
  return [...shown, ...always].join(sep);
}

/** One line: a question or a message when there is one, else the key hints. */
export function Footer({ width, message, confirming, finished }: FooterProps) {
  const { unicode } = useTheme();
  return (
    <Box width={width}>
      {confirming ? (
        <Styled tone="warn" bold>
          {message ?? ''}
        </Styled>
      ) : message ? (
        <Styled tone="accent">{message}</Styled>
      ) : (
        <Styled tone="muted">{keyHints(width, unicode, finished)}</Styled>
      )}
    </Box>
  );
}
