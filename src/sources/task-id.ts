import path from 'node:path';
import { redactSource } from './credentials.js';
import { describeSource } from './kind.js';

const MAX_ID = 64;

/** Reduced to what the config schema allows for an id: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most 64 characters. */
function cleanId(raw: string, max = MAX_ID): string {
  const trim = (s: string) => s.replace(/^[^A-Za-z0-9]+/, '').replace(/[-.]+$/, '');
  return trim(trim(raw.replace(/[^A-Za-z0-9_.-]+/g, '-')).slice(0, max)) || 'task';
}

function urlStem(redacted: string): string {
  try {
    const url = new URL(redacted);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return redacted.replace(/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*@)?/i, '').replace(/[?#].*$/, '');
  }
}

/**
 * A readable task id from a source, derived from its redacted form so that no password can reach it: a file's name
 * without extension, an image sequence's folder (else its pattern without the `%d`), a device's name, a URL's host,
 * port and path (never its user, password or query).
 */
export function taskIdFor(source: string): string {
  const redacted = redactSource(source);
  const { kind, local } = describeSource(redacted);
  switch (kind) {
    case 'file':
    case 'device':
      return cleanId(path.basename(local ?? redacted, path.extname(local ?? redacted)));
    case 'sequence': {
      const file = local ?? redacted;
      const folder = path.basename(path.dirname(file));
      const stem = path.basename(file, path.extname(file)).replace(/%\d*d/g, '');
      return cleanId(folder !== '.' && folder !== '' ? folder : stem || 'frames');
    }
    case 'pipe':
      return 'stdin';
    default:
      return cleanId(urlStem(redacted));
  }
}

/** Ids for several sources, unique: a repeated id gets `-2`, `-3`, … */
export function uniqueTaskIds(sources: readonly string[]): string[] {
  const used = new Set<string>();
  return sources.map((source) => {
    const stem = taskIdFor(source);
    let id = stem;
    for (let n = 2; used.has(id); n++) id = `${cleanId(stem, MAX_ID - String(n).length - 1)}-${n}`;
    used.add(id);
    return id;
  });
}
