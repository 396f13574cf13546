import type { FaceAnalyser } from './analyser.js';
import type { RgbImage } from './crop.js';
import type { FaceView } from './estimate.js';

/** A head region cut from a source frame, `scale` source pixels per pixel of `image`. */
export interface HeadView {
  image: RgbImage;
  scale: number;
}

export type ViewResult =
  | { kind: 'face'; view: FaceView; facePx: number }
  | { kind: 'too_small'; facePx: number }
  | { kind: 'no_face' };

/**
 * BlazeFace on each head region (one batch), then FaceRes on the best face of each that is at least `minFacePx` in
 * the source (another batch). The face px is the BlazeFace box's longer side in source pixels.
 */
export async function analyseViews(analyser: FaceAnalyser, views: readonly HeadView[], minFacePx: number): Promise<ViewResult[]> {
  const found = await analyser.detect(views.map((v) => ({ image: v.image })));
  const results: ViewResult[] = views.map(() => ({ kind: 'no_face' }));
  const toDescribe: { k: number; facePx: number; box: [number, number, number, number] }[] = [];
  found.forEach((faces, k) => {
    const best = faces[0];
    if (!best) return;
    const facePx = Math.round(Math.max(best.box[2], best.box[3]) * views[k].scale);
    if (facePx < minFacePx) results[k] = { kind: 'too_small', facePx };
    else toDescribe.push({ k, facePx, box: best.box });
  });
  const described = await analyser.describe(toDescribe.map((d) => ({ image: views[d.k].image, box: d.box })));
  toDescribe.forEach((d, i) => (results[d.k] = { kind: 'face', view: described[i], facePx: d.facePx }));
  return results;
}
