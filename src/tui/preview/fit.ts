import { PREVIEW_LIMITS } from '../../protocol/commands.js';

/**
 * Where a picture goes in a pane of terminal cells. Half-block characters give two pixels per cell, one above the
 * other, and a cell is about twice as tall as wide, so these pixels are square: a pane of `cols` × `rows` cells is a
 * canvas of `cols` × 2·`rows` square pixels, and the picture is fitted into it keeping its aspect ratio, centred.
 */

export interface PaneFit {
  /** Canvas size in pixels: cols × 2·rows. */
  canvasWidth: number;
  canvasHeight: number;
  /** The picture's rectangle on the canvas, in pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export function fitPicture(aspectWidth: number, aspectHeight: number, cols: number, rows: number): PaneFit {
  const canvasWidth = Math.max(1, cols);
  const canvasHeight = Math.max(1, rows * 2);
  const scale = Math.min(canvasWidth / aspectWidth, canvasHeight / aspectHeight);
  const width = Math.max(1, Math.min(canvasWidth, Math.round(aspectWidth * scale)));
  const height = Math.max(1, Math.min(canvasHeight, Math.round(aspectHeight * scale)));
  return { canvasWidth, canvasHeight, x: Math.floor((canvasWidth - width) / 2), y: Math.floor((canvasHeight - height) / 2), width, height };
}

/** A point given in fractions of the picture (0..1) as canvas pixel coordinates (continuous). */
export function toCanvas(fit: PaneFit, fx: number, fy: number): { x: number; y: number } {
  return { x: fit.x + fx * fit.width, y: fit.y + fy * fit.height };
}

/** The canvas pixel that holds a continuous canvas point, clamped into the picture. */
export function pixelAt(fit: PaneFit, p: { x: number; y: number }): { x: number; y: number } {
  return {
    x: Math.min(fit.x + fit.width - 1, Math.max(fit.x, Math.floor(p.x))),
    y: Math.min(fit.y + fit.height - 1, Math.max(fit.y, Math.floor(p.y))),
  };
}

/** The cell (column, row) that shows a canvas pixel. */
export function cellOf(px: { x: number; y: number }): { col: number; row: number } {
  return { col: px.x, row: Math.floor(px.y / 2) };
}

/** How big a preview picture the worker should send for a pane: its canvas (a bigger one only costs), within the limits. */
export function wantedPictureSize(cols: number, rows: number): { width: number; height: number } {
  return {
    width: Math.min(PREVIEW_LIMITS.maxWidth, Math.max(8, cols)),
    height: Math.min(PREVIEW_LIMITS.maxHeight, Math.max(4, rows * 2)),
  };
}
