/** The first path where two JSON values differ, e.g. `counter.tracker.tracks[3].age: 4 vs 5`; null when equal. */
export function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return `${at}: length ${a.length} vs ${b.length}`;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`);
      if (d) return d;
    }
  }
  const text = (v: unknown) => (JSON.stringify(v) ?? 'undefined').slice(0, 80);
  return `${at || '(whole)'}: ${text(a)} vs ${text(b)}`;
}
