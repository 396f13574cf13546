import { instantAt, wallMidnight } from './zone.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as a person types it for `report --since/--until`, read in `zone`:
 * `now`, `today`, `yesterday` (local midnight), `90m` / `24h` / `7d` (that long ago), `2025-03-30` (local midnight),
 * `2025-03-30T04:00[:00]` (local time), or an ISO time with `Z` or an offset. Returns null when it is none of these.
 */
export function parseTimeArg(text: string, zone: string, now: number): number | null {
  const t = text.trim();
  if (t === 'now') return now;
  if (t === 'today') return instantAt(wallMidnight(now, zone), zone);
  if (t === 'yesterday') return instantAt(wallMidnight(now, zone) - 86_400_000, zone);
  const ago = /^(\d+)([mhd])$/.exec(t);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]];
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(wall);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
    return instantAt(wall, zone);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}
