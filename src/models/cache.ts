import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../common/atomic-write.js';
import { makeFolder } from '../common/make-folder.js';
import { builtinModel, humanModelsDir, type BuiltinModelSpec } from './catalog.js';
import { CONVERTER_VERSION, OPSET } from './convert.js';
import { ModelError, REBUILD_HINT } from './errors.js';

/** Sidecar written next to each built model: what it is, what it was built from, and its checksum. */
export interface ModelManifest {
  name: string;
  format: string;
  file: string;
  bytes: number;
  sha256: string;
  converterVersion: string;
  /** sha256 of the converter's own code, so a checkout rebuilds after the converter changes. */
  converterFingerprint: string;
  opset: number;
  sources: { file: string; sha256: string }[];
}

export type ModelState = 'ok' | 'missing' | 'corrupt' | 'stale';

export interface ModelStatus {
  name: string;
  state: ModelState;
  path: string;
  manifestPath: string;
  /** Human-readable reason when the state is not ok. */
  detail?: string;
  manifest?: ModelManifest;
}

/** The package root: the folder holding our package.json (dist/src/models/ → three levels up). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/**
 * Where built models live: `PCOUNT_TUI_MODELS_DIR` if set; `models/` in a source checkout (it has a
 * tsconfig.json or .git, which the published package never ships); otherwise the user cache folder, since
 * a global or npx install may sit in a read-only or throwaway folder.
 */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env, root = packageRoot()): string {
  if (env.PCOUNT_TUI_MODELS_DIR) return path.resolve(env.PCOUNT_TUI_MODELS_DIR);
  if (existsSync(path.join(root, 'tsconfig.json')) || existsSync(path.join(root, '.git'))) return path.join(root, 'models');
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'pcount-tui');
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let fingerprint: Promise<string> | undefined;

/** Hash of every module in this folder (the converter, ops and model rewrites), in a stable order. */
export function converterFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const files = (await readdir(here, { recursive: true })).filter((f) => /\.[cm]?js$/.test(f)).sort();
    const hash = createHash('sha256');
    for (const file of files) hash.update(`${file.split(path.sep).join('/')}\0`).update(await readFile(path.join(here, file)));
    return hash.digest('hex');
  })();
  return fingerprint;
}

function locations(spec: BuiltinModelSpec, dir: string): { path: string; manifestPath: string } {
  const file = path.join(dir, spec.file);
  return { path: file, manifestPath: `${file}.json` };
}

async function sourceHashes(spec: BuiltinModelSpec, sourceDir: string): Promise<{ file: string; sha256: string }[]> {
  const out: { file: string; sha256: string }[] = [];
  for (const file of spec.sources) {
    let data: Buffer;
    try {
      data = await readFile(path.join(sourceDir, file));
    } catch {
      throw new ModelError('MODEL_MISSING', `source weights ${path.join(sourceDir, file)} are missing; run "npm install"`);
    }
    out.push({ file, sha256: sha256(data) });
  }
  return out;
}

export async function buildModel(name: string, dir = modelCacheDir(), sourceDir = humanModelsDir()): Promise<ModelStatus> {
  const spec = builtinModel(name);
  const where = locations(spec, dir);
  const sources = await sourceHashes(spec, sourceDir);
  const bytes = await spec.build(sourceDir);
  const manifest: ModelManifest = {
    name: spec.name,
    format: spec.format,
    file: spec.file,
    bytes: bytes.length,
    sha256: sha256(bytes),
    converterVersion: CONVERTER_VERSION,
    converterFingerprint: await converterFingerprint(),
    opset: OPSET,
    sources,
  };
  try {
    makeFolder(dir);
    await writeFileAtomic(where.path, bytes);
    await writeFileAtomic(where.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (err) {
    throw new ModelError('MODEL_MISSING', `cannot write model ${where.path}: ${(err as Error).message}`);
  }
  return { name, state: 'ok', ...where, manifest };
}

export async function verifyModel(name: string, dir = modelCacheDir(), sourceDir?: string): Promise<ModelStatus> {
  const spec = builtinModel(name);
  const where = locations(spec, dir);
  const status = (state: ModelState, detail?: string, manifest?: ModelManifest): ModelStatus => ({
    name,
    state,
    ...where,
    detail,
    manifest,
  });
  if (!existsSync(where.path)) return status('missing', `model file ${where.path} does not exist`);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(where.manifestPath, 'utf8')) as ModelManifest;
  } catch {
    return status('missing', `manifest ${where.manifestPath} is missing or unreadable`);
  }
  const actual = sha256(await readFile(where.path));
  if (actual !== manifest.sha256) {
    return status('corrupt', `model file ${where.path} is corrupt: sha256 ${actual} does not match ${manifest.sha256} in ${where.manifestPath}`, manifest);
  }
  if (manifest.converterVersion !== CONVERTER_VERSION || manifest.converterFingerprint !== (await converterFingerprint())) {
    return status('stale', `built by another version of the converter (${manifest.converterVersion})`, manifest);
  }
  const current = await sourceHashes(spec, sourceDir ?? humanModelsDir());
  if (JSON.stringify(current) !== JSON.stringify(manifest.sources)) {
    return status('stale', 'the source weights changed since the model was built', manifest);
  }
  return status('ok', undefined, manifest);
}

/** Verifies a built model, building it when missing or out of date; corruption is reported, not hidden. */
export async function ensureModel(name: string, dir = modelCacheDir()): Promise<ModelStatus> {
  const status = await verifyModel(name, dir);
  if (status.state === 'ok') return status;
  if (status.state === 'corrupt') throw new ModelError('MODEL_CORRUPT', `${status.detail}; ${REBUILD_HINT}`);
  try {
    return await buildModel(name, dir);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ModelError('MODEL_MISSING', `built-in model ${name} is not available (${reason}); ${REBUILD_HINT}`);
  }
}
