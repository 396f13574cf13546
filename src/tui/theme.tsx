import { createContext, useContext, type ReactNode } from 'react';
import { Text } from 'ink';

/** How the dashboard may style its output. Decided once from the environment, passed down by context. */
export interface Theme {
  /** False under NO_COLOR: no SGR codes at all, every state must be readable from text alone. */
  color: boolean;
  /** False when the locale is not UTF-8 (e.g. a bare SSH session): bars and rules use ASCII. */
  unicode: boolean;
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour. */
export function colorFromEnv(env: NodeJS.ProcessEnv): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

export function unicodeFromEnv(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (locale === '') return true;
  return /utf-?8/i.test(locale);
}

const ThemeContext = createContext<Theme>({ color: true, unicode: true });

export function ThemeProvider({ theme, children }: { theme: Theme; children: ReactNode }) {
  return <ThemeContext.Provider value={theme}>{children}</ThemeContext.Provider>;
}

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export type Tone = 'accent' | 'muted' | 'good' | 'bad' | 'warn' | 'busy';

const toneColor: Record<Tone, string> = {
  accent: 'cyan',
  muted: 'gray',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  busy: 'blue',
};

interface StyledProps {
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
  wrap?: 'truncate-end' | 'truncate-middle' | 'truncate-start' | 'wrap';
  children: ReactNode;
}

/** Text whose styling disappears entirely when colour is off, so NO_COLOR output carries no escape codes. */
export function Styled({ tone, bold, inverse, wrap = 'truncate-end', children }: StyledProps) {
  const { color } = useTheme();
  if (!color) return <Text wrap={wrap}>{children}</Text>;
  return (
    <Text wrap={wrap} color={tone ? toneColor[tone] : undefined} bold={bold} inverse={inverse}>
      {children}
    </Text>
  );
}
