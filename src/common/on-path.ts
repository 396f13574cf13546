import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The file a shell would run for `name`: the first executable of that name in the folders of `pathVar` (PATH), or null. */
export function findOnPath(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Missing or not executable here: a later folder may have it.
    }
  }
  return null;
}
