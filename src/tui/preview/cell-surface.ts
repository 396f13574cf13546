/**
 * Gets a coloured picture through Ink cheaply. Ink splits every line it draws into graphemes, escape codes included,
 * and measures its width, on every frame; a 100×30 picture is 80–120 kB of colour codes: 70–230 ms of Ink's time per
 * frame. Here each row of the picture stands in Ink's tree as one marker character (private use, one column wide as
 * Ink measures it) in a box as wide as the row, the rest of which Ink leaves blank and trims; on the way to the
 * terminal the surface writes the row (its colour codes and glyphs) in place of the marker. The picture's rows must
 * be alone on their lines.
 *
 * Successive pictures use the two supplementary private-use planes in turn, so that Ink sees a changed frame (it
 * writes nothing for a frame equal to the last) and a frame it computed earlier still finds its rows.
 */

const PLANES = [0xf0000, 0x100000] as const;
/** Markers available per plane (U+xFFFE and U+xFFFF are not characters). */
export const MAX_ROWS = 0xfffe;
const MARKER = /[\u{F0000}-\u{FFFFD}\u{100000}-\u{10FFFD}]/gu;

export class CellSurface {
  private readonly tables: [string[], string[]] = [[], []];
  private plane = 1;

  /** One marker per row of cells (each cell a glyph, maybe preceded by colour codes), or null for too many rows. */
  placeholders(rows: readonly (readonly string[])[]): string[] | null {
    if (rows.length > MAX_ROWS) return null;
    this.plane = 1 - this.plane;
    this.tables[this.plane] = rows.map((row) => row.join(''));
    return rows.map((_, i) => String.fromCodePoint(PLANES[this.plane] + i));
  }

  /** Output with every marker replaced by its row. */
  expand(text: string): string {
    if (!MARKER.test(text)) return text;
    MARKER.lastIndex = 0;
    return text.replace(MARKER, (ch) => {
      const code = ch.codePointAt(0)!;
      const plane = code >= PLANES[1] ? 1 : 0;
      return this.tables[plane][code - PLANES[plane]] ?? '';
    });
  }

  /** `stdout` as Ink should see it: the same stream, whose writes are expanded first. */
  wrap<T extends NodeJS.WritableStream>(stdout: T): T {
    return new Proxy(stdout, {
      get: (target, prop) => {
        if (prop === 'write') {
          return (chunk: unknown, ...rest: unknown[]) =>
            (target.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? this.expand(chunk) : chunk, ...rest);
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
