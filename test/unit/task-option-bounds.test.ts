import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TASK_OPTIONS, TASK_OPTION_KEYS } from '../../src/config/task-options.js';
import type { ValueParser } from '../../src/config/values.js';

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
  assert.deepEqual(numeric.sort(), ['confidence', 'skip_frames', 'stall_timeout']);
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
