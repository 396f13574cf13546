import type { Tile } from '../vision/crop-plan.js';
import type { TensorView } from '../vision/formats/format.js';
import type { Letterbox } from '../vision/letterbox.js';
import { YuvResampler, type YuvFrame } from '../vision/resample.js';
import { mergeTiles, type MergedDetection, type TileResult } from '../vision/tile-merge.js';
import type { Detection } from '../vision/types.js';

export interface TileModel {
  /** Grey level of the model input outside the picture. */
  padValue: number;
  infer(rgb: Uint8Array, width: number, height: number): Promise<TensorView[]>;
  /** Detections in the coordinates `g` maps to (here: the tile's own pixels). */
  decode(outputs: readonly TensorView[], g: Letterbox): Detection[];
}

/**
 * Runs the model on each tile of a crop plan: the tile's part of the frame is resized into the model input (the
 * picture at the top left, the rest padded), decoded as a letterbox whose source is the tile, moved to frame pixels,
 * and the tiles' detections are merged. One rgb24 buffer per input shape, reused.
 */
export class TileRunner {
  private readonly resampler = new YuvResampler();
  private readonly buffers = new Map<string, Uint8Array>();

  constructor(private readonly model: TileModel) {}

  async detect(frame: YuvFrame, tiles: readonly Tile[]): Promise<MergedDetection[]> {
    const results: TileResult[] = [];
    for (const tile of tiles) {
      const rgb = this.fill(frame, tile);
      const g: Letterbox = {
        srcWidth: tile.w,
        srcHeight: tile.h,
        inputWidth: tile.inputWidth,
        inputHeight: tile.inputHeight,
        scaledWidth: tile.scaledWidth,
        scaledHeight: tile.scaledHeight,
        padX: 0,
        padY: 0,
      };
      const found = this.model.decode(await this.model.infer(rgb, tile.inputWidth, tile.inputHeight), g);
      results.push({
        tile,
        detections: found.map((d) => ({ ...d, box: [d.box[0] + tile.x, d.box[1] + tile.y, d.box[2], d.box[3]] })),
      });
    }
    return mergeTiles(frame, results);
  }

  private fill(frame: YuvFrame, t: Tile): Uint8Array {
    const key = `${t.inputWidth}x${t.inputHeight}`;
    let rgb = this.buffers.get(key);
    if (!rgb) {
      rgb = new Uint8Array(t.inputWidth * t.inputHeight * 3);
      this.buffers.set(key, rgb);
    }
    const pad = this.model.padValue;
    // Pad right of the picture and below it; the picture itself is overwritten whole.
    if (t.scaledWidth < t.inputWidth) {
      for (let y = 0; y < t.scaledHeight; y++) rgb.fill(pad, (y * t.inputWidth + t.scaledWidth) * 3, (y + 1) * t.inputWidth * 3);
    }
    if (t.scaledHeight < t.inputHeight) rgb.fill(pad, t.scaledHeight * t.inputWidth * 3);
    this.resampler.resample(frame, { x: t.x, y: t.y, w: t.w, h: t.h }, rgb, t.inputWidth, { atX: 0, atY: 0, w: t.scaledWidth, h: t.scaledHeight });
    return rgb;
  }
}
