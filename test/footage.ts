import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';

/**
 * The tests' own footage (test/fixtures/footage/, see its README) and the ffmpeg the product itself would use: tests
 * never read ../shared and never run `ffmpeg` from PATH, so `npm test` passes on a fresh clone.
 */

const footageDir = fileURLToPath(new URL('../../test/fixtures/footage/', import.meta.url));

/** The first 480 frames of vtest.avi (768×576, 10 fps), bit-identical to the original's. */
export const vtest = path.join(footageDir, 'vtest-480.avi');
/** Its MOTChallenge ground truth (PETS09-S2L1 rows of frames 1–480). */
export const vtestGt = path.join(footageDir, 'vtest-480.gt.txt');
/** Frames 141–280 of MOT17-09 (1920×1080, 30 fps) and their ground truth, renumbered from 1. */
export const mot17Cut = path.join(footageDir, 'mot17-09-141-280.mp4');
export const mot17Gt = path.join(footageDir, 'mot17-09-141-280.gt.txt');

/** The ffmpeg binary found by the project's own resolution (src/worker/ffmpeg-binary.ts). */
export const ffmpeg = (await resolveFfmpeg()).path;
