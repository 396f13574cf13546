/**
 * Where a text stops being JSON, as line and column (1-based). V8's messages give a position for some mistakes
 * (`… in JSON at position 33`) and none for others (`Unexpected token ']', "[1,]" is not valid JSON`, a file cut
 * short), so the position is found by parsing prefixes: a prefix either still could become JSON (it parses, or it
 * fails only at its end) or already holds the mistake, and the shortest prefix that holds it ends on it.
 */
export interface JsonSyntaxError {
  line: number;
  column: number;
  reason: string;
}

const AT_POSITION = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?/;

function parseFailure(text: string): Error | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return err as Error;
  }
}

/** True when `prefix` already contains a mistake, not merely an end that comes too early. */
function holdsMistake(prefix: string): boolean {
  const err = parseFailure(prefix);
  if (!err || /Unexpected end of JSON input/.test(err.message)) return false;
  const at = AT_POSITION.exec(err.message);
  return !at || Number(at[1]) < prefix.length;
}

export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - (before.lastIndexOf('\n') + 1) + 1 };
}

export function jsonSyntaxError(text: string, err: Error): JsonSyntaxError {
  let index = text.length;
  if (holdsMistake(text)) {
    let lo = 1;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (holdsMistake(text.slice(0, mid))) hi = mid;
      else lo = mid + 1;
    }
    index = lo - 1;
  }
  const reason = /Unexpected end of JSON input/.test(err.message)
    ? 'the file ends before the JSON does (a missing } or ])'
    : err.message.replace(AT_POSITION, '').replace(/, ".*"(?:\.\.\.)? is not valid JSON$/s, '');
  return { ...lineAndColumn(text, index), reason };
}
