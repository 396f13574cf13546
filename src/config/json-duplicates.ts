import { lineAndColumn } from './json-error.js';
import { jsonPath, parseWithSpans, type JsonNode } from './json-spans.js';
import type { ConfigProblem } from './types.js';

/**
 * Keys given twice in one object of a JSON text. JSON.parse keeps the last silently, so a config edited by hand (a
 * line copied and half changed, a setting added at the end that was already at the top) would run with values the
 * user did not mean; each repetition is a problem at its path, with where both are in the file.
 * `text` must be valid JSON (JSON.parse accepted it).
 */
export function duplicateKeyProblems(text: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const where = (index: number) => {
    const at = lineAndColumn(text, index);
    return `line ${at.line}, column ${at.column}`;
  };
  const visit = (node: JsonNode, at: (string | number)[]): void => {
    if (node.kind === 'array') node.items.forEach((item, i) => visit(item, [...at, i]));
    if (node.kind !== 'object') return;
    const first = new Map<string, number>();
    for (const { key, keyStart, value } of node.entries) {
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, keyStart);
      else {
        const message = `duplicate key ${JSON.stringify(key)} at ${where(keyStart)} (first at ${where(earlier)}; JSON would keep only the last)`;
        problems.push({ path: jsonPath([...at, key]), message, value: undefined });
      }
      visit(value, [...at, key]);
    }
  };
  visit(parseWithSpans(text), []);
  return problems;
}
