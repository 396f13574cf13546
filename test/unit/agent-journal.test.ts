import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AgentArgs } from '../../src/commands/options.js';
import { run } from '../../src/commands/agent.js';
import { captureStderr } from './capture-stderr.js';

test('agent --journal where a file is in the way: said with the folder, before (and without) any Redis', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-agent-journal-'));
  const file = path.join(dir, 'journal');
  writeFileSync(file, 'not a folder');
  // Nothing listens on port 1: the journal must be refused first.
  const { value: code, stderr } = await captureStderr(() => run({ redis: 'redis://127.0.0.1:1', name: 'a1', journal: path.join(file, 'a1') } as AgentArgs));
  assert.equal(code, 1);
  assert.equal(stderr, `pcount-tui agent: --journal ${path.join(file, 'a1')} cannot be used (a file is in the way)\n`);
});
