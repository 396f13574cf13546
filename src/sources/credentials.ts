/**
 * Camera passwords in source URLs: how they are recognised and hidden. Pure string functions, no I/O.
 *
 * A secret is
 * - the password in a URL's user-info: `rtsp://admin:s3cret@cam/x` is shown `rtsp://admin:***@cam/x` (a user name
 *   without a password, `rtsp://admin@cam/x`, stays as it is);
 * - the value of a query parameter whose name says it is one (`?user=admin&pwd=123`, common on IP cameras' HTTP
 *   snapshots and MJPEG streams): see SECRET_PARAMS, matched without regard to case.
 * Nothing else in a source is hidden: host, port, path and other parameters stay readable.
 */

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)/i;

/** Query parameters whose values are secrets. */
export const SECRET_PARAMS = ['password', 'passwd', 'pass', 'pwd', 'pw', 'token', 'access_token', 'auth', 'secret', 'key', 'apikey', 'api_key', 'sig', 'signature'];

const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)([^&#\\s'"]*)`, 'gi');

export const MASK = '***';

/**
 * A source with a password reaches a worker in this environment variable, and its command line shows only the
 * redacted form (`ps` shows every user the command line; `/proc/<pid>/environ` is readable by the same user only).
 * The worker reads it when `--source` is its redacted form (src/commands/worker.ts).
 */
export const SOURCE_ENV = 'PCOUNT_TUI_SOURCE';

/**
 * The mode of every file a run writes (results, logs, the store) when any of its sources has a password: their text
 * is redacted, but what was counted where is still nobody else's business. Undefined: the default mode.
 */
export function privateFileMode(sources: readonly string[]): number | undefined {
  return sources.some(hasCredentials) ? 0o600 : undefined;
}

interface Parts {
  scheme: string;
  /** The user-info without its `@`, or null when the URL has none. */
  userinfo: string | null;
  /** Everything after the user-info's `@` (or after the scheme when there is none). */
  rest: string;
}

function split(source: string): Parts | null {
  const scheme = SCHEME.exec(source)?.[1];
  if (!scheme) return null;
  const afterScheme = source.slice(scheme.length);
  // The authority ends at the first '/', '?' or '#'; inside it the user-info ends at the last '@' (ffmpeg too accepts
  // an unencoded '@' in a password).
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at < 0) return { scheme, userinfo: null, rest: afterScheme };
  return { scheme, userinfo: authority.slice(0, at), rest: afterScheme.slice(at + 1) };
}

function maskUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  return colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:${MASK}`;
}

/** The source with its secrets replaced by `***`; a source without secrets comes back unchanged. */
export function redactSource(source: string): string {
  const parts = split(source);
  if (!parts) return source;
  const userinfo = parts.userinfo === null ? '' : `${maskUserinfo(parts.userinfo)}@`;
  return `${parts.scheme}${userinfo}${parts.rest.replace(SECRET_PARAM, `$1${MASK}`)}`;
}

/** True when the source holds a secret, i.e. when redacting it changes it. */
export function hasCredentials(source: string): boolean {
  return redactSource(source) !== source;
}

/** The secret values in a source, as written and percent-decoded (ffmpeg prints either). */
export function sourceSecrets(source: string): string[] {
  const parts = split(source);
  if (!parts) return [];
  const raw: string[] = [];
  const colon = parts.userinfo?.indexOf(':') ?? -1;
  if (colon >= 0) raw.push(parts.userinfo!.slice(colon + 1));
  for (const m of parts.rest.matchAll(SECRET_PARAM)) raw.push(m[2]);
  const all = raw.flatMap((s) => [s, safeDecode(s)]);
  return [...new Set(all.filter((s) => s.length > 0))];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Any URL inside free text (`ffmpeg could not read rtsp://a:b@h/x: …`): user-info and secret parameters hidden. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/**
 * `text` with every URL in it redacted like {@link redactSource}, and every occurrence of the given secrets (from
 * {@link sourceSecrets}) replaced by `***`. Secrets shorter than 3 characters are only hidden inside URLs: replacing
 * every "7" of a message would garble it without protecting anything.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_IN_TEXT, (url) => redactSource(url));
  for (const secret of secrets) {
    if (secret.length >= 3 && secret !== MASK) out = out.split(secret).join(MASK);
  }
  return out;
}
