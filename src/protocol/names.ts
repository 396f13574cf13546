/**
 * What task ids and line names may be made of. They reach file names (`<id>.csv`, `camera-<id>.log`), log lines,
 * the dashboard and NDJSON, so neither may hold a control character (a `\n` forges a log line, ESC drives the
 * terminal) or the characters that separate values on the command line.
 *
 * - Task ids: ASCII letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 64 characters.
 * - Line names: letters and digits of any script (with their combining marks), spaces and `_ . - # / ( ) + :`,
 *   starting with a letter or digit, at most 64 characters. No comma: it separates the fields of `--line`.
 * The patterns are used as they are by config/pcount.schema.json (a test checks that they match).
 */
export const TASK_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const LINE_NAME_PATTERN = '^[\\p{L}\\p{N}][\\p{L}\\p{M}\\p{N} _.#/()+:-]{0,63}$';

export const TASK_ID_RULE = 'letters A-Z a-z, digits, "_", "." and "-", starting with a letter or digit, at most 64 characters';
export const LINE_NAME_RULE = 'letters, digits, spaces and _ . - # / ( ) + :, starting with a letter or digit, at most 64 characters';

const TASK_ID = new RegExp(TASK_ID_PATTERN);
const LINE_NAME = new RegExp(LINE_NAME_PATTERN, 'u');

export function isTaskId(id: string): boolean {
  return TASK_ID.test(id);
}

export function isLineName(name: string): boolean {
  return LINE_NAME.test(name);
}

/** What a pattern of this module allows, in words, for error messages; null for other patterns. */
export function ruleFor(pattern: string): string | null {
  if (pattern === TASK_ID_PATTERN) return TASK_ID_RULE;
  if (pattern === LINE_NAME_PATTERN) return LINE_NAME_RULE;
  return null;
}
