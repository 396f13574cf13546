import { member, parseWithSpans, type JsonNode } from './json-spans.js';
import type { LineConfig } from './types.js';

/**
 * A config file's text with one task's `lines` replaced and nothing else touched: the other keys, their order, the
 * formatting and the line endings stay byte for byte. The new lines follow the style of the old ones
 * (one line or one per line, spaces after `:` and `,` or not, the indentation in use).
 */
export function replaceTaskLines(text: string, taskId: string, lines: readonly LineConfig[]): string {
  const root = parseWithSpans(text);
  const target = findLines(root, taskId);
  if (!target) throw new Error(`task "${taskId}" is not in the config file any more, or has no "lines"`);
  const old = text.slice(target.start, target.end);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return text.slice(0, target.start) + formatLines(lines, old, text, target, eol) + text.slice(target.end);
}

function findLines(root: JsonNode, taskId: string): JsonNode | undefined {
  for (const list of ['cameras', 'videos']) {
    const tasks = member(root, list);
    if (tasks?.kind !== 'array') continue;
    for (const task of tasks.items) {
      const id = member(task, 'id');
      if (id?.kind === 'scalar' && id.value === taskId) return member(task, 'lines');
    }
  }
  return undefined;
}

const num = (v: number) => String(Math.round(v * 10_000) / 10_000);

function formatLines(lines: readonly LineConfig[], old: string, text: string, node: JsonNode, eol: string): string {
  const spaced = /[:,] /.test(old) || (!/\S[:,]\S/.test(old) && /": /.test(text));
  const [colon, comma] = spaced ? [': ', ', '] : [':', ','];
  const item = (l: LineConfig) => {
    const inner = `"name"${colon}${JSON.stringify(l.name)}${comma}"points"${colon}[${l.points.map(num).join(comma)}]`;
    return spaced ? `{ ${inner} }` : `{${inner}}`;
  };
  if (!old.includes('\n')) return `[${lines.map(item).join(comma)}]`;
  // One item per line, indented like the first old item (or one step deeper than the line holding "lines").
  const lineStart = text.lastIndexOf('\n', node.start) + 1;
  const baseIndent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const firstItem = node.kind === 'array' ? node.items[0] : undefined;
  const itemIndent = firstItem ? /[ \t]*$/.exec(text.slice(text.lastIndexOf('\n', firstItem.start) + 1, firstItem.start))![0] : `${baseIndent}  `;
  return `[${eol}${lines.map((l) => itemIndent + item(l)).join(`,${eol}`)}${eol}${baseIndent}]`;
}
