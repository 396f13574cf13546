import { instantAt, wallMidnight } from './zone.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The times a report may ask about: nothing is counted before 1970 (the store's times are Unix epoch milliseconds), and
 * the dates pcount-tui reads have four-digit years. Outside them a value is a typo (`10000000d`), not a wish.
 */
export const TIME_ARG_RANGE = { earliest: 0, latest: Date.UTC(10_000, 0, 1), text: 'from 1970-01-01 to 9999-12-31' } as const;

/**
 * A point in time as a person types it for `report --since/--until`, read in `zone`:
 * `now`, `today`, `yesterday` (local midnight), `90m` / `24h` / `7d` (that long ago), `2025-03-30` (local midnight),
 * `2025-03-30T04:00[:00]` (local time), or an ISO time with `Z` or an offset. Returns null when it is none of these,
 * 'out of range' when it is one but outside TIME_ARG_RANGE.
 */
export function parseTimeArg(text: string, zone: string, now: number): number | null | 'out of range' {
  const t = readTimeArg(text, zone, now);
  if (t === null || t === 'out of range') return t;
  return inRange(t) ? t : 'out of range';
}

const inRange = (t: number) => t >= TIME_ARG_RANGE.earliest && t < TIME_ARG_RANGE.latest;

function readTimeArg(text: string, zone: string, now: number): number | null | 'out of range' {
  const t = text.trim();
  if (t === 'now') return now;
  if (t === 'today') return instantAt(wallMidnight(now, zone), zone);
  if (t === 'yesterday') return instantAt(wallMidnight(now, zone) - 86_400_000, zone);
  const ago = /^(\d+)([mhd])$/.exec(t);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]];
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
    // Not Date.UTC(y, …): it reads the years 0 to 99 as 1900 to 1999.
    const check = new Date(0);
    check.setUTCFullYear(y, mo - 1, d);
    check.setUTCHours(h, mi, s);
    const wall = check.getTime();
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
    // The range is of the dates typed: `1970-01-01` east of UTC is an instant before the epoch (and `9999-12-31T23:00`
    // west of it one after the range), refused naming the range it is in. Nothing is counted outside: kept inside.
    if (!inRange(wall)) return 'out of range';
    return Math.min(Math.max(instantAt(wall, zone), TIME_ARG_RANGE.earliest), TIME_ARG_RANGE.latest - 1);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}
