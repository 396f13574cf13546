import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { main } from '../../src/cli.js';

const COMMANDS = ['run', 'worker', 'agent', 'detect', 'snapshot', 'faces', 'report', 'validate', 'models'];
const DOCS = ['README.md', 'docs/protocol.md', 'config/README.md'].map((file) =>
  readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'),
).join('\n');

/** `pcount-tui COMMAND --help`, run in this process (yargs prints its help with console.log). */
async function help(command: string): Promise<string> {
  let text = '';
  const log = console.log;
  console.log = (...parts: unknown[]) => void (text += `${parts.join(' ')}\n`);
  try {
    assert.equal(await main([command, '--help']), 0);
  } finally {
    console.log = log;
  }
  return text;
}

test('every option a command lists in --help is named in the README, docs/protocol.md or config/README.md', async () => {
  const undocumented: string[] = [];
  for (const command of COMMANDS) {
    const text = await help(command);
    const flags = new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]));
    assert.ok(flags.has('help'), `${command} --help printed its options: ${text}`);
    for (const flag of flags) {
      if (flag === 'help' || flag === 'version') continue;
      // A boolean may be documented by its negation (`--no-tui`).
      if (!new RegExp(`--(no-)?${flag}(?![\\w-])`).test(DOCS)) undocumented.push(`${command} --${flag}`);
    }
  }
  assert.deepEqual(undocumented, []);
});
