/**
 * A JSON parser that remembers where each value is in the text, so that one value can be replaced while every other
 * byte of the file (keys, order, spacing, line endings) stays as the user wrote it.
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; entries: { key: string; keyStart: number; value: JsonNode }[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'scalar'; start: number; end: number; value: string | number | boolean | null };

const LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

export function parseWithSpans(text: string): JsonNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const ch = text[i];
    if (ch === '{') {
      i++;
      const entries: { key: string; keyStart: number; value: JsonNode }[] = [];
      ws();
      if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const keyStart = i;
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        entries.push({ key, keyStart, value: value() });
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
        else fail('expected "," or "}"');
      }
    }
    if (ch === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
        else fail('expected "," or "]"');
      }
    }
    if (ch === '"') {
      const s = string();
      return { kind: 'scalar', start, end: i, value: s };
    }
    LITERAL.lastIndex = i;
    const literal = LITERAL.exec(text)?.[0] ?? fail('unexpected character');
    i += literal.length;
    return { kind: 'scalar', start, end: i, value: JSON.parse(literal) as number | boolean | null };
  };
  const root = value();
  ws();
  if (i < text.length) fail('unexpected text after the value');
  return root;
}

export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.kind === 'object' ? node.entries.find((e) => e.key === key)?.value : undefined;
}

/** Where a value is, as config problems name it: `$.videos[0].lines[1]`, a key that is no identifier quoted (`$["a b"]`). */
export function jsonPath(segments: readonly (string | number)[]): string {
  return '$' + segments.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
}
