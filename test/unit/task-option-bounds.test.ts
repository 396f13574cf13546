import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { MAX_WORKER_COUNT } from '../../src/config/defaults.js';
import { TASK_OPTIONS, TASK_OPTION_KEYS } from '../../src/config/task-options.js';
import type { ValueParser } from '../../src/config/values.js';
import { captureStderr } from './capture-stderr.js';

interface NumberRule {
  type: 'number' | 'integer';
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

const schema = JSON.parse(readFileSync(new URL('../../../config/pcount.schema.json', import.meta.url), 'utf8')) as { definitions: Record<string, unknown> };

/**
 * A value the config accepts is one the flag accepts, and the other way round: the parent passes a config's values
 * to the worker as flags, so a value allowed in one and refused by the other fails every task once it has started.
 */
test('numeric task options: the config schema and the flag parser accept the same range', () => {
  const numeric = TASK_OPTION_KEYS.filter((key) => ['number', 'integer'].includes((schema.definitions[key] as NumberRule | undefined)?.type ?? ''));
  assert.deepEqual(numeric.sort(), ['confidence', 'frame_rate', 'skip_frames', 'stall_timeout']);
  for (const key of numeric) {
    const rule = schema.definitions[key] as NumberRule;
    const parse = TASK_OPTIONS[key].parse as ValueParser<unknown>;
    const accepts = (n: number) => {
      try {
        parse(String(n));
        return true;
      } catch {
        return false;
      }
    };
    const step = rule.type === 'integer' ? 1 : 0.001;
    const low = rule.minimum ?? rule.exclusiveMinimum!;
    assert.equal(accepts(low), rule.minimum !== undefined, `${key} = ${low}`);
    assert.equal(accepts(low - step), false, `${key} = ${low - step}`);
    const high = rule.maximum ?? 1e9;
    assert.equal(accepts(high), true, `${key} = ${high}`);
    assert.equal(accepts(high + step), rule.maximum === undefined, `${key} = ${high + step}`);
  }
});

test('run --worker-count takes what parallel_config.worker_count takes, 1 to MAX_WORKER_COUNT (the flag had no upper bound)', async () => {
  const pc = (JSON.parse(readFileSync(new URL('../../../config/pcount.schema.json', import.meta.url), 'utf8')) as { properties: { parallel_config: { properties: Record<string, NumberRule> } } }).properties.parallel_config.properties;
  assert.deepEqual([pc.worker_count.minimum, pc.worker_count.maximum], [1, MAX_WORKER_COUNT]);
  const clip = fileURLToPath(new URL('../../../test/fixtures/footage/vtest-480.avi', import.meta.url));
  const r = await captureStderr(() => main(['run', '--source', clip, '--no-tui', '--worker-count', String(MAX_WORKER_COUNT + 1)]));
  assert.equal(r.value, 2);
  assert.match(r.stderr, new RegExp(`bad --worker-count '${MAX_WORKER_COUNT + 1}': expected a whole number from 1 to ${MAX_WORKER_COUNT}`));
});
