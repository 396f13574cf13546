import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

test('npm run bench:* never empties dist/ (npm run build does): a dashboard of the same checkout keeps its worker files', () => {
  const benches = Object.entries(pkg.scripts).filter(([name]) => name.startsWith('bench:'));
  assert.ok(benches.length > 0);
  for (const [name, script] of benches) {
    assert.doesNotMatch(script, /npm run build/, name);
    assert.match(script, /^node scripts\/build-if-stale\.js && node dist\/bench\//, name);
  }
  assert.match(pkg.scripts.build, /rmSync\('dist'/, 'the full build still starts clean');
});
