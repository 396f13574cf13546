import { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { TaskView } from '../orchestrator/types.js';
import type { PreviewEvent } from '../protocol/events.js';
import type { EditorState } from './line-editor.js';
import type { CellSurface } from './preview/cell-surface.js';
import { encodeCells, type ColourMode } from './preview/halfblock.js';
import { decodePicture, sceneFor } from './preview/preview-scene.js';
import { buildCanvas } from './preview/scene.js';
import { Styled, useTheme } from './theme.js';

interface PreviewPaneProps {
  task: TaskView | undefined;
  picture: PreviewEvent | null;
  editor: EditorState | null;
  /** Lines including the title line. */
  height: number;
  width: number;
  colour: ColourMode;
  /** Carries coloured cells past Ink's tokenizer (see cell-surface.ts); without it the codes go through Ink. */
  surface?: CellSurface;
  /** Fleet mode: workers run on agents, whose stdin (the preview command) the dashboard cannot reach. */
  fleet?: boolean;
}

/** The picture rows of a pane of `height` lines. */
export const previewRows = (height: number): number => Math.max(1, height - 1);

function title(task: TaskView | undefined, ev: PreviewEvent | null, editor: EditorState | null, rule: string, fleet: boolean): string {
  if (editor) {
    const line = editor.lines[editor.selected];
    const end = editor.end === 'both' ? 'whole line' : `end ${editor.end.toUpperCase()}`;
    return `${rule}${rule} lines of ${editor.task}: ${line?.name ?? '-'} (${end})${editor.dirty ? ' *' : ''} ${rule}`;
  }
  const what = ev
    ? `frame ${ev.frame}, ${ev.tracks.length} tracked`
    : fleet
      ? 'no picture: not available in fleet mode (the worker runs on an agent)'
      : task?.state === 'processing'
        ? 'waiting for a picture…'
        : 'no picture: the task is not running';
  return `${rule}${rule} preview: ${task?.id ?? '(no task)'}  ${what} ${rule}${rule} l edit lines  v close ${rule}`;
}

export function PreviewPane({ task, picture, editor, height, width, colour, surface, fleet = false }: PreviewPaneProps) {
  const { unicode } = useTheme();
  const rule = unicode ? '─' : '-';
  const rows = previewRows(height);
  const decoded = useMemo(() => (picture ? decodePicture(picture) : null), [picture]);
  const lines = useMemo(
    () => {
      const cells = encodeCells(buildCanvas(sceneFor(task, picture, decoded, editor), width, rows, unicode), colour, unicode);
      // Plain characters (NO_COLOR) cost Ink nothing special.
      const markers = colour !== 'none' ? surface?.placeholders(cells) : null;
      return markers ? { markers } : { text: cells.map((row) => row.join('')) };
    },
    // The task object changes with every snapshot; only its lines and counts matter here.
    [picture, decoded, editor, width, rows, unicode, colour, surface, JSON.stringify(task?.lineSpecs), JSON.stringify(task?.lines)],
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box width={width}>
        <Styled tone="accent">{title(task, picture, editor, rule, fleet).padEnd(width, rule)}</Styled>
      </Box>
      {lines.markers
        ? lines.markers.map((marker, i) => (
            <Box key={i} width={width} height={1}>
              <Text>{marker}</Text>
            </Box>
          ))
        : lines.text.map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
    </Box>
  );
}
