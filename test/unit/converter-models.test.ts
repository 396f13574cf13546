import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TfjsModelJson } from '../../src/models/tfjs-graph.js';
import { humanModels, maxAbsDiff, randomArray, runConverted, runTfjs, seeded } from '../converter-helpers.js';

/** Whole graphs the face features will need, converted and compared with TFJS on the same input. */
const cases = [
  { name: 'blazeface', input: 'input', shape: [1, 256, 256, 3], range: [-1, 1] },
  { name: 'faceres', input: 'input_1', shape: [1, 224, 224, 3], range: [0, 1] },
  { name: 'emotion', input: 'input_1', shape: [1, 64, 64, 1], range: [0, 1] },
] as const;

describe('whole human models: converted vs TFJS', () => {
  for (const c of cases) {
    test(`${c.name}: every signature output agrees`, async () => {
      const json = JSON.parse(readFileSync(path.join(humanModels, `${c.name}.json`), 'utf8')) as TfjsModelJson;
      const weights = new Uint8Array(readFileSync(path.join(humanModels, `${c.name}.bin`)));
      const sig = (json.signature ?? (json as { userDefinedMetadata?: { signature?: unknown } }).userDefinedMetadata?.signature) as {
        outputs: Record<string, { name: string }>;
      };
      const outputs = Object.values(sig.outputs).map((o) => o.name.replace(/:0$/, ''));
      const n = c.shape.reduce<number>((a, b) => a * b, 1);
      const feeds = { [c.input]: { data: randomArray(n, seeded(3), c.range[0], c.range[1]), shape: [...c.shape] } };
      const expected = await runTfjs(json, weights, feeds, outputs);
      const actual = await runConverted(json, weights, feeds, outputs);
      outputs.forEach((name, k) => {
        assert.deepEqual(actual[k].shape, expected[k].shape, `${name}: shape`);
        const scale = Math.max(1, ...Array.from(expected[k].data as Float32Array, Math.abs));
        const diff = maxAbsDiff(actual[k].data, expected[k].data);
        assert.ok(diff <= 1e-4 * scale, `${c.name} ${name}: max abs diff ${diff} (scale ${scale})`);
      });
    });
  }
});
