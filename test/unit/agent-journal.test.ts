import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AgentArgs } from '../../src/cli.js';
import { run } from '../../src/commands/agent.js';

test('agent --journal where a file is in the way: said with the folder, before (and without) any Redis', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcount-agent-journal-'));
  const file = path.join(dir, 'journal');
  writeFileSync(file, 'not a folder');
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    // Nothing listens on port 1: the journal must be refused first.
    code = await run({ redis: 'redis://127.0.0.1:1', name: 'a1', journal: path.join(file, 'a1') } as AgentArgs);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(code, 1);
  assert.equal(stderr, `pcount-tui agent: --journal ${path.join(file, 'a1')} cannot be used (a file is in the way)\n`);
});
