import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Wall-clock arithmetic in a named time zone with nothing but Intl (no time-zone database of our own). Instants are
 * Unix epoch milliseconds; a "wall time" is the local date and time written as if it were UTC (`Date.UTC(...)`), which
 * makes local times comparable and lets calendar steps (the next day) use Date's own normalisation.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when Intl knows the zone (an IANA name such as Europe/Berlin, or UTC). */
export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone of this machine, as Intl sees it (TZ, else the system setting). Intl names no zone for a TZ that is a file
 * (`TZ=:/etc/localtime`, a common setting on servers) or a POSIX rule (`TZ=UTC+3`), although Date and Intl keep time
 * in it: a zone recorded with the counts (occupancy resets) and shown in reports must still be one. A file is named
 * by where it lies under a zoneinfo folder; otherwise the offset now, in whole hours, is `Etc/GMT∓N` (POSIX signs).
 * The arguments are for tests (`named`: Intl's name, null when it has none).
 */
export function systemZone(
  tz: string | undefined = process.env.TZ,
  named: string | null = Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
  offsetMinutes: number = -new Date().getTimezoneOffset(),
  realpath: (file: string) => string = realpathSync,
): string {
  if (named && isValidZone(named)) return named;
  const file = tz?.replace(/^:/, '');
  if (file) {
    try {
      const zone = /\/zoneinfo\/(.+)$/.exec(realpath(path.resolve('/usr/share/zoneinfo', file)))?.[1];
      if (zone && isValidZone(zone)) return zone;
    } catch {
      // Not a file: a POSIX rule or a typo.
    }
  }
  const hours = offsetMinutes / 60;
  if (hours === 0 || !Number.isInteger(hours)) return 'UTC';
  return `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

/** The local wall time of an instant (milliseconds kept). */
export function wallTime(instant: number, zone: string): number {
  const parts = formatter(zone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) + ms;
}

/** Local minus UTC at that instant, in milliseconds (+3 600 000 for CET). */
export function offsetAt(instant: number, zone: string): number {
  return wallTime(instant, zone) - instant;
}

/**
 * The first instant whose local wall time is `wall`, or, when the clock jumps over it (spring forward), the instant of
 * the jump. On a fall-back day a wall time that happens twice gives the first of the two.
 */
export function instantAt(wall: number, zone: string): number {
  const hour = 3_600_000;
  const offsets = new Set([offsetAt(wall - 24 * hour, zone), offsetAt(wall, zone), offsetAt(wall + 24 * hour, zone)]);
  const valid = [...offsets].map((o) => wall - o).filter((t) => wallTime(t, zone) === wall);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: between the two candidates the wall clock jumps past `wall`; find the jump.
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  if (lo > hi) [lo, hi] = [hi, lo];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallTime(mid, zone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Midnight (00:00 wall time) of the local day that contains `instant`, as a wall time. */
export function wallMidnight(instant: number, zone: string): number {
  const w = wallTime(instant, zone);
  return w - (((w % 86_400_000) + 86_400_000) % 86_400_000);
}

/** `2025-10-26T02:00:00+01:00`: the local time of an instant with its offset, to the second. */
export function formatLocal(instant: number, zone: string): string {
  const offset = Math.round(offsetAt(instant, zone) / 60_000);
  const local = new Date(instant + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0 && (zone === 'UTC' || zone === 'Etc/UTC')) return `${local}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** "HH:MM" → minutes after midnight, or null when it is not a time of day. */
export function parseTimeOfDay(text: string): number | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}
