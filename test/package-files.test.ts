import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The files `npm pack` would put in the package (scripts off: the build is not what is checked here). */
async function packedFiles(): Promise<string[]> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, timeout: 120_000, maxBuffer: 16 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    );
  });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return pack.files.map((f) => f.path);
}

test('the package holds the CLI and what it runs, and nothing that points at files it leaves out', async () => {
  const files = await packedFiles();
  for (const needed of ['bin/pcount-tui.js', 'dist/src/cli.js', 'dist/src/worker/run-worker.js', 'config/pcount.schema.json', 'scripts/postinstall.js']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  // Source maps point at src/*.ts, which is not packed: a published CLI's stack traces name the dist/*.js it runs.
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  // Development only: the tests, benchmarks and TypeScript sources, the dashboard's dev demo, this checkout's data.
  const leftOut = /^(src|test|bench|dist\/test|dist\/bench|dist\/src\/tui\/dev)\/|^config\/example-shared-data\.json$/;
  assert.deepEqual(files.filter((f) => leftOut.test(f)), []);
});
