import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskSpec } from '../../src/config/types.js';
import { healthFields } from '../../src/fleet/agent-health.js';
import { agentHealth, fleetTaskUsage } from '../../src/fleet/health.js';
import { Pool } from '../../src/orchestrator/pool.js';
import type { Usage } from '../../src/orchestrator/resources.js';
import type { Transport } from '../../src/orchestrator/runner.js';

/** Per-task CPU and memory in fleet mode: the agents sample their workers and report them with their heartbeat. */

const record = (flat: string[]): Record<string, string> => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));

test("an agent's heartbeat carries each task's worker usage; the controller reads it back, and the agent's totals are their sums", () => {
  const fields = record(
    healthFields({ slots: 2, used: 2, tasks: { vt: { cpuPercent: 97.6, rssBytes: 300 }, cam: { cpuPercent: 40.2, rssBytes: 200 } }, startedAt: 0, journalBytes: 0, stopping: false }),
  );
  const a = agentHealth('a', { ...fields, seen: '1000' }, 1500);
  assert.deepEqual(a.tasks, { vt: { cpuPercent: 98, rssBytes: 300 }, cam: { cpuPercent: 40, rssBytes: 200 } });
  assert.deepEqual([a.cpuPercent, a.rssBytes], [138, 500]);
  // An older agent's hash has no per-task field: no figures, no failure.
  assert.deepEqual(agentHealth('old', { cpu: '5', seen: '1000' }, 1500).tasks, {});
});

test('fleetTaskUsage takes figures only from agents that can be running the task', () => {
  const up = agentHealth('a', { tasks: JSON.stringify({ vt: { cpuPercent: 90, rssBytes: 1 } }), seen: '1000' }, 1000);
  const stopped = agentHealth('b', { state: 'stopped', tasks: JSON.stringify({ cam: { cpuPercent: 50, rssBytes: 2 } }), seen: '1000' }, 1000);
  assert.deepEqual([...fleetTaskUsage([up, stopped])], [['vt', { cpuPercent: 90, rssBytes: 1 }]]);
});

test("the pool shows a remote transport's per-task usage in the task's row, as it shows a local child's", async () => {
  const spec: TaskSpec = { id: 'vt', kind: 'video', source: '/videos/vt.avi', lines: [{ name: 'door', points: [0.5, 0, 0.5, 1] }], options: { skip_frames: 1, confidence: 0.3 } };
  const usage = new Map<string, Usage>([['vt', { cpuPercent: 88, rssBytes: 5 << 20 }]]);
  const transport: Transport = {
    remote: true,
    start: (_spec, _launch, handlers) => ({ pid: null, stop: () => handlers.exit({ outcome: { kind: 'left', note: 'left in the fleet' }, detail: '' }), kill: () => {} }),
    usage: () => usage,
  };
  const pool = new Pool({ tasks: [spec], workerCount: 1, outputDir: null, transport, sampleIntervalMs: 10 });
  pool.begin();
  await new Promise((r) => setTimeout(r, 60));
  const [task] = pool.snapshot().tasks;
  assert.deepEqual([task.cpuPercent, task.rssBytes], [88, 5 << 20]);
  assert.equal(pool.snapshot().childCpuPercent, 88);
  await pool.shutdown();
});
