import { Box, renderToString, Text } from 'ink';
import { colorFromEnv, Styled, ThemeProvider, unicodeFromEnv, type Theme } from './theme.js';

export interface StartScreenOptions {
  /** Where a config was looked for, in order, e.g. the last config run and ./pcount.json. */
  searched: string[];
  /** An example config that runs on the sample video, if the package ships one. */
  exampleConfig?: string;
  stdout?: NodeJS.WriteStream;
  color?: boolean;
  unicode?: boolean;
}

const recipes = (example: string | undefined): [string, string][] => [
  ['pcount-tui run --source video.mp4 --line 0.5,0,0.5,1', 'count one file with a vertical line in the middle'],
  ['pcount-tui run --source rtsp://host/stream --line 0,0.6,1,0.6', 'count a camera with a horizontal line'],
  ...(example ? ([[`cp ${example} pcount.json && pcount-tui`, 'start from the example config']] as [string, string][]) : []),
  ['pcount-tui validate my-config.json', 'check a config and list every problem'],
  ['pcount-tui --help', 'every command and option'],
];

export function StartScreen({ searched, exampleConfig }: { searched: string[]; exampleConfig?: string }) {
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
      {recipes(exampleConfig).map(([command, what]) => (
        <Box key={command} flexDirection="column">
          <Styled bold>{`  ${command}`}</Styled>
          <Styled tone="muted">{`      ${what}`}</Styled>
        </Box>
      ))}
    </Box>
  );
}

/** Prints how to start when no config was given or found, and resolves to exit status 1: nothing ran. */
export async function renderStartScreen(opts: StartScreenOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const theme: Theme = { color: opts.color ?? colorFromEnv(process.env), unicode: opts.unicode ?? unicodeFromEnv(process.env) };
  const text = renderToString(
    <ThemeProvider theme={theme}>
      <StartScreen searched={opts.searched} exampleConfig={opts.exampleConfig} />
    </ThemeProvider>,
    { columns: stdout.columns || 80 },
  );
  stdout.write(`${text}\n`);
  return 1;
}
