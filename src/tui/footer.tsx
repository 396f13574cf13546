import { Box } from 'ink';
import { Styled, useTheme } from './theme.js';

export type FooterMode = 'table' | 'preview' | 'editor' | 'filter';

interface FooterProps {
  width: number;
  message: string | null;
  confirming: boolean;
  finished: boolean;
  mode?: FooterMode;
  /** The filter being typed or in force. */
  filter?: string;
}

function optionalHints(mode: FooterMode, unicode: boolean, finished: boolean): string[] {
  const move = unicode ? '↑↓ move' : 'j/k move';
  switch (mode) {
    case 'editor':
      return ['Tab line', 'Space end', unicode ? '←↑↓→/hjkl move' : 'hjkl move', 'Shift fine', 'n new', 'd delete', 'f flip'];
    case 'preview':
      return [move, 'l edit lines', 'v close', 's start', 'x stop', 'e export'];
    default:
      return finished
        ? ['all tasks finished', 'e export', move, 'Enter log', 'v preview', '/ filter']
        : [move, unicode ? '⏎ log' : 'Enter log', 'v preview', 's start', 'x stop', 'c cancel', 'r restart', '/ filter', 'e export'];
  }
}

/** As many key hints as fit the width; help and quit (applying or leaving, in the editor) are always there, at the end. */
export function keyHints(width: number, unicode: boolean, finished: boolean, mode: FooterMode = 'table'): string {
  const always = mode === 'editor' ? ['Enter apply', 'Esc cancel'] : ['? help', 'q quit'];
  const sep = '  ';
  const shown: string[] = [];
  let used = always.join(sep).length;
  for (const hint of optionalHints(mode, unicode, finished)) {
    if (used + sep.length + hint.length > width) break;
    shown.push(hint);
    used += sep.length + hint.length;
  }
  return [...shown, ...always].join(sep);
}

/** One line: a question or a message when there is one, the filter being typed, else the key hints. */
export function Footer({ width, message, confirming, finished, mode = 'table', filter = '' }: FooterProps) {
  const { unicode } = useTheme();
  if (mode === 'filter') {
    return (
      <Box width={width}>
        <Styled tone="accent">{`/${filter}${unicode ? '▏' : '_'}  Enter keep  Esc clear`}</Styled>
      </Box>
    );
  }
  return (
    <Box width={width}>
      {confirming ? (
        <Styled tone="warn" bold>
          {message ?? ''}
        </Styled>
      ) : message ? (
        <Styled tone="accent">{message}</Styled>
      ) : (
        <Styled tone="muted">{(filter ? `filter "${filter}"  ` : '') + keyHints(width - (filter ? filter.length + 11 : 0), unicode, finished, mode)}</Styled>
      )}
    </Box>
  );
}
