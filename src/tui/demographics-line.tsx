import { Box } from 'ink';
import type { LineCount } from '../protocol/events.js';
import { Styled } from './theme.js';

/** All lines of a task added up: its crossings by gender and by age band, or null when demographics are off. */
export function taskSplit(lines: readonly LineCount[]): { gender: Record<string, number>; age_band: Record<string, number> } | null {
  const withSplit = lines.filter((l) => l.gender && l.age_band);
  if (withSplit.length === 0) return null;
  const sum = (pick: (l: LineCount) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const l of withSplit) for (const [k, v] of Object.entries(pick(l))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { gender: sum((l) => l.gender!), age_band: sum((l) => l.age_band!) };
}

/** `who: M8 F3 ?1 | 0-12:0 13-19:1 … 70+:0 ?:1` (? = unknown), short enough for 80 columns with small counts. */
export function formatSplit(split: NonNullable<ReturnType<typeof taskSplit>>): string {
  const g = split.gender;
  const bands = Object.entries(split.age_band)
    .map(([band, n]) => `${band === 'unknown' ? '?' : band}:${n}`)
    .join(' ');
  return `who: M${g.male} F${g.female} ?${g.unknown} | ${bands}`;
}

/** One line under the table with the selected task's split (demographics on). */
export function DemographicsLine({ lines, width }: { lines: readonly LineCount[]; width: number }) {
  const split = taskSplit(lines);
  if (!split) return null;
  return (
    <Box width={width} height={1}>
      <Styled tone="muted">{formatSplit(split)}</Styled>
    </Box>
  );
}
