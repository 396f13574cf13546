import type { ModelsArgs } from './options.js';
import { buildModel, modelCacheDir, verifyModel, type ModelStatus } from '../models/cache.js';
import { BUILTIN_MODELS, builtinModel } from '../models/catalog.js';
import { ModelError, REBUILD_HINT } from '../models/errors.js';
import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';


const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `pcount-tui models list|build|verify [name]`: show, rebuild and check the built-in models. */
export async function run(argv: ModelsArgs): Promise<number> {
  let names: string[];
  try {
    names = argv.name ? [builtinModel(argv.name).name] : BUILTIN_MODELS.map((m) => m.name);
  } catch (e) {
    err(`pcount-tui models: ${(e as Error).message}`);
    return USAGE_EXIT_STATUS;
  }
  const dir = modelCacheDir();
  try {
    switch (argv.action) {
      case 'list':
        return await list(names, dir);
      case 'build':
        return await build(names, dir);
      case 'verify':
        return await verify(names, dir);
    }
  } catch (e) {
    if (e instanceof ModelError) {
      err(`pcount-tui models: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function describe(status: ModelStatus): string {
  const size = status.manifest ? `${(status.manifest.bytes / 1e6).toFixed(1)} MB` : '-';
  const sum = status.manifest ? status.manifest.sha256.slice(0, 12) : '-';
  return `${status.name.padEnd(12)} ${status.state.padEnd(8)} ${size.padStart(8)}  sha256 ${sum}  ${status.path}`;
}

async function list(names: string[], dir: string): Promise<number> {
  out(`models folder: ${dir}`);
  for (const name of names) {
    const spec = builtinModel(name);
    const status = await verifyModel(name, dir);
    out(describe(status));
    out(`${''.padEnd(12)} ${spec.format}: ${spec.description}`);
    if (status.detail) out(`${''.padEnd(12)} ${status.detail}`);
  }
  return 0;
}

async function build(names: string[], dir: string): Promise<number> {
  for (const name of names) {
    const started = performance.now();
    const status = await buildModel(name, dir);
    out(`${describe(status)}  (built in ${Math.round(performance.now() - started)} ms)`);
  }
  return 0;
}

async function verify(names: string[], dir: string): Promise<number> {
  let failed = 0;
  for (const name of names) {
    const status = await verifyModel(name, dir);
    if (status.state === 'ok') {
      out(describe(status));
      continue;
    }
    failed++;
    err(`${name}: ${status.state}: ${status.detail}; ${REBUILD_HINT}`);
  }
  return failed ? 1 : 0;
}
