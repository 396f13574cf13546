/**
 * A key for the code that makes a worker's detections, so that a cached detection recording is used only while that
 * code is unchanged, and tuning the tracker or counter (which only read detections) keeps the cache.
 *
 * It hashes the built files the worker process runs (what made the recording, committed or not, unlike a git tree),
 * found by following the relative imports of `dist/src`: the command table's static imports and everything the
 * worker command reaches, except what it reaches only through the tracker and counter side (TRACKER_SIDE). Added to
 * them: the model files, onnxruntime's and Node's versions and ffmpeg's.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.join(root, 'dist/src');
/**
 * Where the worker reaches the tracker and counter side, which only reads detections: counter-setup.js builds them;
 * warmup.js reads the tracker's settings, but only to place the start of a `--start-frame` run, which recordings
 * are not.
 */
const TRACKER_SIDE = new Set(['worker/counter-setup.js', 'vision/tracker-config.js'].map((f) => path.join(dist, f)));

/** Relative specifiers in `from '…'` and `import '…'` only, or also in `import('…')` and `new URL('…')`. */
const STATIC = /(?:from|import)\s*'(\.{1,2}\/[^']+\.js)'/g;
const ANY = /'(\.{1,2}\/[^']+\.js)'/g;

/** The built modules the worker's detections come from, in a stable order. */
export function detectionModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string, pattern: RegExp) => {
    if (seen.has(file) || TRACKER_SIDE.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) visit(path.resolve(path.dirname(file), m[1]), ANY);
  };
  // The command table lazily imports every command; only the worker's counts.
  visit(path.join(dist, 'cli.js'), STATIC);
  visit(path.join(dist, 'commands/worker.js'), ANY);
  return [...seen].sort();
}

export function detectionCodeKey(ffmpegVersion: string): string {
  const hash = createHash('sha256');
  const models = path.join(root, 'models');
  const files = [...detectionModules(), ...readdirSync(models).sort().map((f) => path.join(models, f))];
  for (const file of files) hash.update(`${path.relative(root, file)}\n`).update(readFileSync(file));
  const ort = JSON.parse(readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string };
  return hash.update(JSON.stringify([ort.version, process.version, ffmpegVersion])).digest('hex').slice(0, 16);
}
