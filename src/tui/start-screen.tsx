import { Box, renderToString, Text } from 'ink';
import type { StartHints } from '../commands/start-hints.js';
import { colorFromEnv, Styled, ThemeProvider, unicodeFromEnv, type Theme } from './theme.js';

export interface StartScreenOptions {
  /** Where a config was looked for, e.g. ./pcount.json. */
  searched: string[];
  hints: StartHints;
  stdout?: NodeJS.WriteStream;
  color?: boolean;
  unicode?: boolean;
}

export function StartScreen({ searched, hints }: { searched: string[]; hints: StartHints }) {
  return (
    <Box flexDirection="column">
      <Styled tone="accent" bold>
        pcount-tui counts people crossing lines in videos and camera streams.
      </Styled>
      <Text> </Text>
      <Text>No config found. Looked for:</Text>
      {searched.map((p) => (
        <Text key={p} wrap="truncate-start">{`  ${p}`}</Text>
      ))}
      <Text> </Text>
      <Text>To start, run one of:</Text>
      {hints.commands.map(({ command, what }) => (
        <Box key={command} flexDirection="column">
          <Styled bold>{`  ${command}`}</Styled>
          <Styled tone="muted">{`      ${what}`}</Styled>
        </Box>
      ))}
      <Text> </Text>
      {hints.notes.map((note) => (
        <Text key={note}>{note}</Text>
      ))}
    </Box>
  );
}

/** Prints how to start when no config was given or found. */
export async function renderStartScreen(opts: StartScreenOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const theme: Theme = { color: opts.color ?? colorFromEnv(process.env), unicode: opts.unicode ?? unicodeFromEnv(process.env) };
  // Commands are never cut or wrapped in the middle: a command copied from the screen must run as written.
  const widest = Math.max(...opts.hints.commands.map((h) => h.command.length + 2), ...opts.hints.notes.map((n) => n.length));
  const text = renderToString(
    <ThemeProvider theme={theme}>
      <StartScreen searched={opts.searched} hints={opts.hints} />
    </ThemeProvider>,
    { columns: Math.max(stdout.columns || 80, widest) },
  );
  stdout.write(`${text}\n`);
}
