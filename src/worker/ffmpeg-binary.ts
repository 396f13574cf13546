import { execFile } from 'node:child_process';
import path from 'node:path';
import { findOnPath } from '../common/on-path.js';

/**
 * Which ffmpeg to run, in this order:
 *   1. `--ffmpeg PATH` (origin 'option'), else the `FFMPEG_PATH` environment variable (origin 'env'): an explicit
 *      choice that does not work is an error, never silently replaced by another binary;
 *   2. the optional `ffmpeg-static` package, if the user installed it;
 *   3. `@ffmpeg-installer/ffmpeg` (a dependency);
 *   4. `ffmpeg` on PATH.
 * A candidate counts only if `<path> -version` runs; its first output line is reported as the version.
 */

export type FfmpegOrigin = 'option' | 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';

export interface FfmpegBinary {
  path: string;
  origin: FfmpegOrigin;
  /** First line of `ffmpeg -version`, e.g. "ffmpeg version 5.1.6-0+deb12u1 Copyright …". */
  version: string;
  features: FfmpegFeatures;
}

/** Options whose names changed between ffmpeg releases, read from the binary's own help (git builds have no version number). */
export interface FfmpegFeatures {
  /** `-fps_mode` exists (5.1+); else the older `-vsync`. */
  fpsMode: boolean;
  /** The RTSP socket time-out option: `-stimeout` before 5.0, `-timeout` after. */
  rtspTimeout: '-timeout' | '-stimeout';
}

export interface ResolveFfmpegOptions {
  /** The `--ffmpeg` option. */
  option?: string;
  /** Defaults to process.env; `FFMPEG_PATH` and `PATH` are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Package lookups, replaceable so tests can simulate which packages are installed. */
  packages?: Partial<Record<'ffmpeg-static' | '@ffmpeg-installer/ffmpeg', () => Promise<string | null>>>;
}

export class FfmpegNotFoundError extends Error {
  readonly code = 'FFMPEG_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'FfmpegNotFoundError';
  }
}

const VERSION_TIMEOUT_MS = 10_000;
const versionCache = new Map<string, Promise<string>>();
const featureCache = new Map<string, FfmpegFeatures>();

function helpText(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(bin, ['-hide_banner', ...args], { timeout: VERSION_TIMEOUT_MS, windowsHide: true }, (_err, stdout, stderr) => {
      resolve(`${stdout}\n${stderr}`);
    });
  });
}

/** Features of a binary that resolveFfmpeg has already examined, else null. */
export function knownFeatures(bin: string): FfmpegFeatures | null {
  return featureCache.get(bin) ?? null;
}

async function ffmpegFeatures(bin: string): Promise<FfmpegFeatures> {
  const known = featureCache.get(bin);
  if (known) return known;
  const [long, rtsp] = await Promise.all([helpText(bin, ['-h', 'long']), helpText(bin, ['-h', 'demuxer=rtsp'])]);
  const features: FfmpegFeatures = {
    fpsMode: /^-fps_mode\b/m.test(long),
    rtspTimeout: /^\s*-stimeout\b/m.test(rtsp) ? '-stimeout' : '-timeout',
  };
  featureCache.set(bin, features);
  return features;
}

async function examine(p: string, origin: FfmpegOrigin): Promise<FfmpegBinary> {
  const version = await ffmpegVersion(p);
  return { path: p, origin, version, features: await ffmpegFeatures(p) };
}

/** First line of `<bin> -version`, cached per path; rejects with the reason when the binary does not run. */
export function ffmpegVersion(bin: string): Promise<string> {
  let cached = versionCache.get(bin);
  if (!cached) {
    cached = new Promise<string>((resolve, reject) => {
      execFile(bin, ['-version'], { timeout: VERSION_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
        const first = String(stdout).split('\n', 1)[0].trim();
        if (err) reject(new Error(err.killed ? `timed out after ${VERSION_TIMEOUT_MS} ms` : (err as Error).message));
        else if (!/^ffmpeg version /i.test(first)) reject(new Error(`"${bin} -version" does not print an ffmpeg version`));
        else resolve(first);
      });
    });
    versionCache.set(bin, cached);
    cached.catch(() => versionCache.delete(bin));
  }
  return cached;
}

async function importFfmpegStatic(): Promise<string | null> {
  try {
    // Optional package: a computed specifier keeps TypeScript from requiring its types.
    const spec = 'ffmpeg-static';
    const mod = (await import(spec)) as { default?: unknown };
    return typeof mod.default === 'string' ? mod.default : null;
  } catch {
    return null;
  }
}

async function importFfmpegInstaller(): Promise<string | null> {
  try {
    const spec = '@ffmpeg-installer/ffmpeg';
    const mod = (await import(spec)) as { default?: { path?: unknown } };
    return typeof mod.default?.path === 'string' ? mod.default.path : null;
  } catch {
    return null;
  }
}

/**
 * Why an explicit ffmpeg did not run. A name without a folder is looked up on PATH like any command, so a file of that
 * name in the current folder is not it: "spawn NAME ENOENT" alone reads as if the file were missing.
 */
function notRunning(p: string, err: Error): string {
  if (/\bENOENT\b/.test(err.message) && !p.includes('/') && !p.includes(path.sep)) {
    return `no program "${p}" on PATH (a name without a folder is looked up there; for a file here, give ./${p})`;
  }
  return err.message;
}

export async function resolveFfmpeg(opts: ResolveFfmpegOptions = {}): Promise<FfmpegBinary> {
  const env = opts.env ?? process.env;
  const explicit: [FfmpegOrigin, string | undefined][] = [
    ['option', opts.option],
    ['env', env.FFMPEG_PATH],
  ];
  for (const [origin, p] of explicit) {
    if (!p) continue;
    try {
      return await examine(p, origin);
    } catch (err) {
      const via = origin === 'option' ? '--ffmpeg' : 'FFMPEG_PATH';
      throw new FfmpegNotFoundError(`ffmpeg given by ${via} (${p}) does not run: ${notRunning(p, err as Error)}`);
    }
  }

  const auto: [FfmpegOrigin, () => Promise<string | null>][] = [
    ['ffmpeg-static', opts.packages?.['ffmpeg-static'] ?? importFfmpegStatic],
    ['@ffmpeg-installer/ffmpeg', opts.packages?.['@ffmpeg-installer/ffmpeg'] ?? importFfmpegInstaller],
    ['PATH', async () => findOnPath(process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', env.PATH)],
  ];
  const tried: string[] = [];
  for (const [origin, locate] of auto) {
    const p = await locate();
    if (!p) {
      tried.push(`${origin}: not installed`);
      continue;
    }
    try {
      return await examine(p, origin);
    } catch (err) {
      tried.push(`${origin} (${p}): ${(err as Error).message}`);
    }
  }
  throw new FfmpegNotFoundError(
    `no working ffmpeg found (${tried.join('; ')}). Install ffmpeg, or pass --ffmpeg PATH or set FFMPEG_PATH.`,
  );
}
