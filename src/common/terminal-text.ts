/**
 * Text from outside the program (ffmpeg's stderr, source URLs, error messages, anything a child printed) is shown in
 * the dashboard, written to log files and printed by headless runs. A control character in it could forge a log line
 * (`\n`), move the cursor, change the terminal title or worse (ESC, CSI): every such character is shown escaped
 * instead, as `\n`, `\t`, `\r` or `\xHH` / `\u{HHHH}`.
 *
 * Escaped: C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F, which some terminals obey as
 * 8-bit escape sequences), the Unicode line and paragraph separators (U+2028, U+2029) and the bidirectional
 * embedding, override and isolate marks (U+202A–U+202E, U+2066–U+2069) that reorder what a line appears to say.
 * Applying it twice changes nothing: the escaped form holds no control character.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** `value` with every string inside it (object values and array items, at any depth) passed through `fn`. */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, fn)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out as T;
  }
  return value;
}

/** Fields of events that carry binary data as base64 text, by event type: the picture of a `preview` event. */
const BINARY_FIELDS: Readonly<Record<string, readonly string[]>> = { preview: ['data'] };

/**
 * An event with every string passed through `fn` (see mapStrings), except its binary fields: base64 holds no text
 * to clean, and a picture is up to 256 KB to scan on each refresh.
 */
export function mapEventStrings<E extends { type: string }>(event: E, fn: (s: string) => string): E {
  const binary = BINARY_FIELDS[event.type];
  if (!binary) return mapStrings(event, fn);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) out[k] = binary.includes(k) ? v : mapStrings(v, fn);
  return out as E;
}
