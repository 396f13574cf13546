import { Box } from 'ink';
import { Styled, useTheme } from './theme.js';

export type FooterMode = 'table' | 'preview' | 'editor' | 'filter';

interface FooterProps {
  width: number;
  /** The terminal's rows: a long message takes more lines on a taller terminal. */
  rows: number;
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

/** Lines a message may take on a terminal of `rows`: up to four, a quarter of a short terminal, at least one. */
export function messageLineLimit(rows: number): number {
  return Math.max(1, Math.min(4, Math.floor(rows / 4)));
}

/**
 * A message broken into lines of at most `width` at spaces (a word longer than a line is cut across lines), at most
 * `limit` of them, the last ending in … when more was left. Messages can be long (why lines were not saved, the
 * `--line` arguments that reproduce them) and cut to one line they lost what they were said for.
 */
export function messageLines(message: string, width: number, limit: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of message.split(' ')) {
    let rest = line ? `${line} ${word}` : word;
    if (rest.length > w && line) {
      lines.push(line);
      rest = word;
    }
    while (rest.length > w) {
      lines.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    line = rest;
  }
  lines.push(line);
  if (lines.length <= limit) return lines;
  const kept = lines.slice(0, limit);
  kept[limit - 1] = `${kept[limit - 1].slice(0, w - 1)}…`;
  return kept;
}

/** Lines the footer takes: a message's lines (see {@link messageLines}), else one. */
export function footerHeight(message: string | null, width: number, rows: number): number {
  return message ? messageLines(message, width, messageLineLimit(rows)).length : 1;
}

/** A question or a message when there is one (over several lines when long), the filter being typed, else the key hints. */
export function Footer({ width, rows, message, confirming, finished, mode = 'table', filter = '' }: FooterProps) {
  const { unicode } = useTheme();
  if (mode === 'filter') {
    return (
      <Box width={width}>
        <Styled tone="accent">{`/${filter}${unicode ? '▏' : '_'}  Enter keep  Esc clear`}</Styled>
      </Box>
    );
  }
  if (message) {
    return (
      <Box width={width} flexDirection="column">
        {messageLines(message, width, messageLineLimit(rows)).map((line, i) => (
          <Styled key={i} tone={confirming ? 'warn' : 'accent'} bold={confirming}>
            {line}
          </Styled>
        ))}
      </Box>
    );
  }
  return (
    <Box width={width}>
      <Styled tone="muted">{(filter ? `filter "${filter}"  ` : '') + keyHints(width - (filter ? filter.length + 11 : 0), unicode, finished, mode)}</Styled>
    </Box>
  );
}
