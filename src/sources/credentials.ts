/**
 * `scheme://user:password@host/…` → `scheme://user:***@host/…`. Everything that shows, stores or derives a name from
 * a source uses this form. The authority ends at the first `/`, `?` or `#`; the password runs to the last `@` in it,
 * so a password typed with a raw `@` is still hidden whole.
 */
export function redactSource(source: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(source);
  if (!m) return source;
  const colon = m[2].indexOf(':');
  if (colon < 0) return source;
  return `${m[1]}${m[2].slice(0, colon)}:***@${source.slice(m[0].length)}`;
}
