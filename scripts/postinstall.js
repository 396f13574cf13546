#!/usr/bin/env node
// Builds the built-in ONNX models from the npm-shipped TFJS weights, at install time, so that nothing is
// converted or downloaded when the app runs. In a fresh checkout npm runs postinstall before `prepare` has
// compiled dist/, so it stays quiet then; `prepare` calls this script again after the build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/models/cache.js', import.meta.url);
if (!existsSync(entry)) process.exit(0);

const { ensureModel, modelCacheDir } = await import(entry.href);
const { BUILTIN_MODELS } = await import(new URL('../dist/src/models/catalog.js', import.meta.url).href);

for (const { name } of BUILTIN_MODELS) {
  try {
    const status = await ensureModel(name, modelCacheDir());
    console.log(`pcount-tui: model ${name} ready at ${status.path}`);
  } catch (err) {
    // A failed build must not break `npm install`; the app builds on demand and says how to rebuild.
    console.warn(`pcount-tui: could not build model ${name}: ${err instanceof Error ? err.message : err}`);
  }
}
