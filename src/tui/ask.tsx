import { Box, render, Text, useApp, useInput } from 'ink';
import { colorFromEnv, Styled, ThemeProvider, unicodeFromEnv } from './theme.js';
import { keepShowCursorOffRedirectedStderr } from './cursor-escape.js';

export interface AskOptions {
  question: string;
  /** Lines shown above the question. */
  detail?: string[];
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  color?: boolean;
}

function Ask({ question, detail, answer }: { question: string; detail: string[]; answer: (yes: boolean) => void }) {
  const { exit } = useApp();
  useInput((input, key) => {
    const yes = input === 'y' || input === 'Y';
    const no = input === 'n' || input === 'N' || input === 'q' || key.escape || (key.ctrl && input === 'c');
    if (!yes && !no) return;
    answer(yes);
    exit();
  });
  return (
    <Box flexDirection="column">
      {detail.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      <Styled tone="warn" bold>{`${question} (y/n)`}</Styled>
    </Box>
  );
}

/** One yes/no question in the terminal, before the dashboard starts; anything but `y` is no. */
export async function askYesNo(opts: AskOptions): Promise<boolean> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  let yes = false;
  const theme = { color: opts.color ?? colorFromEnv(process.env), unicode: unicodeFromEnv(process.env) };
  keepShowCursorOffRedirectedStderr(stdout);
  const instance = render(
    <ThemeProvider theme={theme}>
      <Ask question={opts.question} detail={opts.detail ?? []} answer={(a) => (yes = a)} />
    </ThemeProvider>,
    { stdout, stdin, exitOnCtrlC: false },
  );
  await instance.waitUntilExit();
  return yes;
}
