import { Box } from 'ink';
import { Styled, useTheme } from './theme.js';

interface FooterProps {
  width: number;
  message: string | null;
  confirming: boolean;
  finished: boolean;
}

export function keyHints(unicode: boolean, finished: boolean): string {
  const select = unicode ? '↑↓/jk select' : 'j/k select';
  const base = `${select}  Enter log  s start  x stop  c cancel  r restart  e export  ? help  q quit`;
  return finished ? `all tasks finished  e export  q quit  ? help` : base;
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
        <Styled tone="muted">{keyHints(unicode, finished)}</Styled>
      )}
    </Box>
  );
}
