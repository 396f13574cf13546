import { member, parseWithSpans, type JsonNode } from './json-spans.js';
import type { LineConfig } from './types.js';
import { roundPoint } from '../sources/lines.js';

/**
 * A config file's text with one task's `lines` replaced and nothing else touched: the other keys, their order, the
 * formatting and the line endings stay byte for byte. Inside `lines` only what changed is rewritten: a line that keeps
 * its name keeps its text, and of its points only the numbers that moved change; the brackets' padding, the
 * separators between items and numbers, and each item's own layout stay. A new line is written like the file's first
 * line (its key order, spacing and layout), with only its name and points new.
 */
export function replaceTaskLines(text: string, taskId: string, lines: readonly LineConfig[]): string {
  const root = parseWithSpans(text);
  const target = findLines(root, taskId);
  if (!target) throw new Error(`task "${taskId}" is not in the config file any more, or has no "lines"`);
  // The file was valid when the run started; edited by hand since into something that is not a list of lines, it is
  // not the editor's to rewrite.
  if (target.kind !== 'array' || target.items.length === 0 || !target.items.every(isLine)) {
    throw new Error(`the "lines" of task "${taskId}" in the config file are not a list of {name, points} lines any more`);
  }
  return text.slice(0, target.start) + editLines(text, target, target.items, lines) + text.slice(target.end);
}

type ArrayNode = Extract<JsonNode, { kind: 'array' }>;

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

function isLine(node: JsonNode): boolean {
  const name = member(node, 'name');
  const points = member(node, 'points');
  return name?.kind === 'scalar' && typeof name.value === 'string' && points?.kind === 'array' && points.items.length === 4 && points.items.every((p) => p.kind === 'scalar' && typeof p.value === 'number');
}

const num = (v: number) => String(roundPoint(v));

/**
 * An array's text with new item texts, in the old array's layout: the padding after `[` and before `]` and the
 * separators between items stay; extra items take the last separator (or, after a single item, a comma and the
 * padding after `[`, which puts one item per line where the old one had its own line).
 */
function respan(text: string, node: ArrayNode, itemTexts: readonly string[]): string {
  const { items } = node;
  const lead = text.slice(node.start + 1, items[0].start);
  const trail = text.slice(items[items.length - 1].end, node.end - 1);
  const seps = items.slice(1).map((item, i) => text.slice(items[i].end, item.start));
  const spaced = /[:,] /.test(text.slice(node.start, node.end));
  const extra = seps[seps.length - 1] ?? `,${lead.includes('\n') ? lead : spaced || lead ? ' ' : ''}`;
  return `[${lead}${itemTexts.map((t, i) => (i === 0 ? t : (seps[i - 1] ?? extra) + t)).join('')}${trail}]`;
}

/** Replaces spans of `text` (relative to `offset`), given in any order, that do not overlap. */
function splice(text: string, offset: number, edits: { start: number; end: number; with: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start - offset) + e.with + out.slice(e.end - offset);
  return out;
}

/** One line object's text: `item` (an old line) with its name and the numbers of its points that differ replaced. */
function lineText(text: string, item: JsonNode, line: LineConfig): string {
  const name = member(item, 'name')!;
  const points = member(item, 'points') as ArrayNode;
  const numbers = points.items.map((p, i) => ((p as { value: number }).value === line.points[i] ? text.slice(p.start, p.end) : num(line.points[i])));
  const edits = [{ start: points.start, end: points.end, with: respan(text, points, numbers) }];
  if ((name as { value: string }).value !== line.name) edits.push({ start: name.start, end: name.end, with: JSON.stringify(line.name) });
  return splice(text.slice(item.start, item.end), item.start, edits);
}

function editLines(text: string, node: ArrayNode, items: JsonNode[], lines: readonly LineConfig[]): string {
  const unused = [...items];
  const texts = lines.map((line) => {
    const i = unused.findIndex((item) => (member(item, 'name') as { value: string }).value === line.name);
    // A line that keeps its name is edited in place; a new one is written like the file's first line.
    const item = i >= 0 ? unused.splice(i, 1)[0] : items[0];
    return lineText(text, item, line);
  });
  return respan(text, node, texts);
}
