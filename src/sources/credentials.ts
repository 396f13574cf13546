/**
 * Sources and service URLs may carry a password (`rtsp://user:pass@cam/…`, `redis://user:pass@host`). Anything that
 * shows one to a person goes through here first.
 */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*?):([^/?#@]*)@/i;

/** `scheme://user:pass@host…` → `scheme://user:***@host…`; anything without a password comes back unchanged. */
export function redactSource(source: string): string {
  return source.replace(USERINFO, (_all, scheme: string, user: string) => `${scheme}${user}:***@`);
}
