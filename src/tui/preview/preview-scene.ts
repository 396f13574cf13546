import type { TaskView } from '../../orchestrator/types.js';
import type { PreviewEvent } from '../../protocol/events.js';
import type { EditorState } from '../line-editor.js';
import type { PreviewScene, SceneLine } from './scene.js';

/** Before the first picture arrives the lines are drawn on an empty 16:9 frame. */
const BLANK_ASPECT = { width: 16, height: 9 };

export function decodePicture(ev: PreviewEvent): { width: number; height: number; rgb: Uint8Array } | null {
  const rgb = new Uint8Array(Buffer.from(ev.data, 'base64'));
  return rgb.length === ev.width * ev.height * 3 ? { width: ev.width, height: ev.height, rgb } : null;
}

/**
 * What the preview pane draws for a task: the worker's latest picture and tracks, and the lines — the editor's while
 * editing, else the ones the task counts on now, each with its counts.
 */
export function sceneFor(task: TaskView | undefined, ev: PreviewEvent | null, picture: PreviewScene['picture'], editor: EditorState | null): PreviewScene {
  const counts = new Map((task?.lines ?? ev?.lines ?? []).map((l) => [l.name, { in: l.in, out: l.out }]));
  let lines: SceneLine[];
  if (editor) {
    lines = editor.lines.map((l, i) => ({
      name: l.name,
      points: l.points,
      counts: counts.get(l.name) ?? null,
      selected: i === editor.selected,
      activeEnd: i === editor.selected ? editor.end : undefined,
    }));
  } else {
    const specs = task?.lineSpecs ?? ev?.lines ?? [];
    lines = specs.map((l) => ({ name: l.name, points: l.points, counts: counts.get(l.name) ?? null }));
  }
  return {
    picture,
    sourceWidth: ev?.source_width ?? BLANK_ASPECT.width,
    sourceHeight: ev?.source_height ?? BLANK_ASPECT.height,
    tracks: ev?.tracks ?? [],
    lines,
  };
}
