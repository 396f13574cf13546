import path from 'node:path';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Network streams and capture devices are cameras; everything else is a file (or an image sequence pattern). */
export function isLiveSource(source: string): boolean {
  return URL_SCHEME.test(source) || source.startsWith('/dev/');
}

/** Files (and `%d` image-sequence patterns) resolve against `baseDir`; URLs and devices pass through unchanged. */
export function resolveSource(source: string, baseDir: string): string {
  return isLiveSource(source) ? source : path.resolve(baseDir, source);
}

/** True when the source names one file on disk that can be checked for existence. */
export function isPlainFile(source: string): boolean {
  return !isLiveSource(source) && !source.includes('%');
}

/** A task id from a source: the file name without extension, or the URL host and path, reduced to [A-Za-z0-9_.-]. */
export function idFromSource(source: string): string {
  let stem: string;
  if (URL_SCHEME.test(source)) {
    const url = new URL(source);
    stem = `${url.hostname}${url.pathname}`;
  } else {
    stem = path.basename(source, path.extname(source));
  }
  const id = stem.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|-+$/g, '');
  return id.slice(0, 64) || 'task';
}
