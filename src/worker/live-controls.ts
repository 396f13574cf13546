import type { LinesCommand } from '../protocol/commands.js';
import type { PreviewLine } from '../protocol/events.js';
import { degenerateLine } from '../sources/lines.js';
import type { PeopleCounter } from '../vision/people-counter.js';
import type { LineSpec } from '../vision/types.js';
import type { Emitter } from './emitter.js';
import { PreviewTap } from './preview.js';
import type { Frame } from './source.js';

/**
 * What the parent may change while the worker counts (stdin commands other than stop): preview pictures on or off,
 * and the lines. Both take effect between frames, so a frame is always counted on one set of lines.
 */
export class LiveControls {
  readonly preview = new PreviewTap();
  private requested: LineSpec[] | null = null;
  private current: LineSpec[];

  constructor(lines: readonly LineSpec[]) {
    this.current = [...lines];
  }

  get lines(): readonly LineSpec[] {
    return this.current;
  }

  requestLines(command: LinesCommand): void {
    this.requested = command.lines.map((l) => ({ name: l.name, points: [...l.points] as LineSpec['points'] }));
  }

  /**
   * Applies requested lines before the next frame is counted; a bad set is refused with a non-fatal BAD_LINE.
   * Returns the lines applied (the crop plan follows them), or null when nothing changed.
   */
  applyPending(counter: PeopleCounter, frame: number, size: { width: number; height: number }, emit: Emitter): readonly LineSpec[] | null {
    const lines = this.requested;
    if (!lines) return null;
    this.requested = null;
    try {
      for (const l of lines) {
        const degenerate = degenerateLine(l.points);
        if (degenerate) throw new Error(`line "${l.name}" (${l.points.join(',')}) ${degenerate}`);
      }
      counter.setLines(lines, size);
    } catch (err) {
      emit.emit({ type: 'error', code: 'BAD_LINE', message: `lines not changed: ${(err as Error).message}`, fatal: false });
      return null;
    }
    this.current = lines;
    emit.emit({ type: 'lines', frame, lines: lines.map((l) => ({ name: l.name, points: l.points })) });
    return lines;
  }

  /** A preview event after a counted frame, when the parent wants one now. */
  offerPreview(frame: Frame, source: { width: number; height: number }, counter: PeopleCounter, visible: { id: number; box: [number, number, number, number] }[], emit: Emitter): void {
    if (!this.preview.on) return;
    const body = this.preview.offer(frame, performance.now(), source, () => visible, () => this.previewLines(counter));
    if (body) emit.emit(body);
  }

  private previewLines(counter: PeopleCounter): PreviewLine[] {
    const counts = new Map(counter.counts().map((c) => [c.name, c]));
    return this.current.map((l) => ({ name: l.name, points: l.points, in: counts.get(l.name)?.in ?? 0, out: counts.get(l.name)?.out ?? 0 }));
  }
}
