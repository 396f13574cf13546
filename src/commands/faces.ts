import type { FacesArgs } from './options.js';
import { FaceAnalyser } from '../faces/analyser.js';
import type { RgbImage } from '../faces/crop.js';
import { estimateFace, type FaceEstimate } from '../faces/estimate.js';
import { decodeImage, ImageListError, listImages, NotAnImageError } from '../faces/image.js';
import { NdjsonWriter } from '../protocol/ndjson.js';
import { resolveFfmpeg } from '../worker/ffmpeg-binary.js';
import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';

/**
 * `pcount-tui faces IMAGE|FOLDER… [--aligned]`: one `faces` NDJSON line per image on stdout. An image that cannot be
 * read, or a file that is a video, is named on stderr and the others go on (exit 1 at the end); a named file or folder that is missing or cannot
 * be read stops it before any work with exit 1 (a source problem, as for detect and snapshot); a bad command line, 2.
 */

export interface FaceRecord extends FaceEstimate {
  box: [number, number, number, number];
  score: number;
}

export interface FacesLine {
  v: 1;
  type: 'faces';
  file: string;
  faces: FaceRecord[];
}

/** Aligned chips go through FaceRes this many at a time. */
const ALIGNED_BATCH = 8;

const say = (line: string): void => {
  process.stderr.write(`pcount-tui faces: ${line}\n`);
};

const round1 = (v: number): number => Math.round(v * 10) / 10;

export async function run(argv: FacesArgs): Promise<number> {
  let analyser: FaceAnalyser | undefined;
  let stdoutGone = false;
  const out = new NdjsonWriter(process.stdout, () => (stdoutGone = true));
  try {
    const files = await listImages(argv.inputs);
    const ffmpeg = await resolveFfmpeg({ option: argv.ffmpeg });
    analyser = await FaceAnalyser.open({ threads: argv.threads ?? 1 });
    const aligned = argv.aligned;
    let failed = 0;
    const write = async (line: FacesLine): Promise<void> => {
      if (!out.write(line)) await out.drained();
    };
    for (let i = 0; i < files.length && !stdoutGone; i += aligned ? ALIGNED_BATCH : 1) {
      const batch = files.slice(i, i + (aligned ? ALIGNED_BATCH : 1));
      const images: { file: string; image: RgbImage }[] = [];
      for (const file of batch) {
        try {
          images.push({ file, image: await decodeImage(ffmpeg, file) });
        } catch (err) {
          failed++;
          say(err instanceof NotAnImageError ? err.message : `cannot read image ${file}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const lines = aligned ? await alignedFaces(analyser, images) : await Promise.all(images.map((x) => foundFaces(analyser!, x)));
      for (const line of lines) await write(line);
    }
    await out.flush();
    return failed ? 1 : 0;
  } catch (err) {
    if (stdoutGone) return 0;
    say(err instanceof Error ? err.message : String(err));
    // A ModelError already names the model and says how to rebuild it (the same message as the worker's).
    return err instanceof ImageListError ? USAGE_EXIT_STATUS : 1;
  } finally {
    await analyser?.release();
  }
}

/** Each image is one face, the whole image. */
async function alignedFaces(analyser: FaceAnalyser, images: { file: string; image: RgbImage }[]): Promise<FacesLine[]> {
  const views = await analyser.describe(images.map(({ image }) => ({ image })));
  return images.map(({ file, image }, k) => ({
    v: 1,
    type: 'faces',
    file,
    faces: [{ box: [0, 0, image.width, image.height], score: 1, ...estimateFace([views[k]]) }],
  }));
}

async function foundFaces(analyser: FaceAnalyser, { file, image }: { file: string; image: RgbImage }): Promise<FacesLine> {
  const [boxes] = await analyser.detect([{ image }]);
  const views = await analyser.describe(boxes.map((f) => ({ image, box: f.box })));
  return {
    v: 1,
    type: 'faces',
    file,
    faces: boxes.map((f, k) => ({
      box: f.box.map(round1) as [number, number, number, number],
      score: Math.round(f.score * 1000) / 1000,
      ...estimateFace([views[k]]),
    })),
  };
}
