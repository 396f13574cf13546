import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetAgentView, FleetView } from '../../src/orchestrator/types.js';
import { fakeTask } from '../../src/tui/dev/fake-pool.js';
import { fleetPanelLines } from '../../src/tui/fleet-panel.js';
import { handleKey, initialUi, type KeyContext } from '../../src/tui/keys.js';
import { tableLayout } from '../../src/tui/layout.js';
import { cellText } from '../../src/tui/task-table.js';

/** The dashboard as a fleet's controller: the agent column, the health panel, and `q` asking about the fleet's tasks. */

const agent = (name: string, over: Partial<FleetAgentView> = {}): FleetAgentView => ({
  name,
  host: `host-${name}`,
  pid: 100,
  state: 'up',
  slotsUsed: 1,
  slots: 2,
  cpuPercent: 150,
  rssBytes: 512 * 1024 * 1024,
  memTotalBytes: 0,
  memFreeBytes: 0,
  load1: 0,
  heartbeatAgeMs: 400,
  journalBytes: 0,
  tasks: {},
  ...over,
});

const view = (over: Partial<FleetView> = {}): FleetView => ({
  fleet: 'pcount',
  redis: { state: 'up', since: 0, detail: 'connected', address: 'redis://:***@10.0.0.5:6379/0' },
  agents: [agent('a'), agent('b')],
  queued: 2,
  running: 3,
  notes: [],
  ...over,
});

test('the table gets an agent column in fleet mode only; a task shows the agent that runs it', () => {
  const ids = ['lobby', 'door'];
  assert.ok(!tableLayout(120, ids).columns.some((c) => c.key === 'agent'));
  const column = tableLayout(120, ids, false, true).columns.find((c) => c.key === 'agent')!;
  assert.ok(column, 'fleet mode has an agent column');
  assert.equal(cellText(fakeTask('lobby', { state: 'processing', agent: 'edge-2' }), column, 10, true), 'edge-2');
  assert.equal(cellText(fakeTask('lobby', { state: 'processing', phase: 'waiting', agent: null }), column, 10, true), 'waiting');
  assert.equal(cellText(fakeTask('lobby', { state: 'processing', phase: 'starting', agent: null }), column, 10, true), '-');
  // In the fleet's queue: not shown as processing (nor a camera as connecting) while no agent has it.
  const state = tableLayout(120, ids, false, true).columns.find((c) => c.key === 'state')!;
  for (const kind of ['camera', 'video'] as const) {
    const text = cellText(fakeTask('lobby', { kind, state: 'processing', phase: 'waiting', agent: null }), state, 10, true);
    assert.match(text, /^queued( in fleet)?$/);
  }
  assert.equal(cellText(fakeTask('lobby', { state: 'completed', agent: null }), column, 10, true), '-');
  assert.equal(cellText(fakeTask('lobby', { state: 'processing', agent: 'a\x1b[2Jb' }), column, 10, true).includes('\x1b'), false, 'an agent name is shown escaped');
});

test('health panel: Redis, queue, and one line per agent with host, slots, CPU, memory and heartbeat age', () => {
  const lines = fleetPanelLines(view(), 10_000).map((l) => l.text);
  assert.match(lines[0], /fleet pcount {2}Redis up redis:\/\/:\*\*\*@10\.0\.0\.5:6379\/0 {2}queue 2 {2}running 3 {2}agents 2/);
  const a = lines.find((l) => l.startsWith('a '))!;
  assert.match(a, /host-a/);
  assert.match(a, /1\/2/);
  assert.match(a, /0\.4 s$/);
  assert.equal(lines.length, 4);
});

test('health panel: a wide terminal also shows the pid, the host\'s memory and load and the journal size (README: Health)', () => {
  const a = agent('a', { pid: 4242, memTotalBytes: 24 * 1024 ** 3, memFreeBytes: 6 * 1024 ** 3, load1: 3.2, journalBytes: 12 * 1024 ** 2, state: 'stopping' });
  const wide = fleetPanelLines(view({ agents: [a] }), 0, 160).map((l) => l.text);
  assert.match(wide[1], /pid .*host mem +load journal +heartbeat$/);
  const row = wide.find((l) => l.startsWith('a '))!;
  assert.match(row, / 4242 +1\/2 +150% +512 MB +18\.0\/24\.0 GB +3\.2 +12 MB +0\.4 s {2}stopping$/);
  assert.ok(row.length <= 103, `the wide row fits the width it is shown at (${row.length})`);
  // At 80 columns the row keeps what tells an agent's health (slots, CPU, heartbeat, state) and drops the host's figures.
  const narrow = fleetPanelLines(view({ agents: [a] }), 0, 80).find((l) => l.text.startsWith('a '))!.text;
  assert.doesNotMatch(narrow, /4242|GB/);
  assert.match(narrow, /0\.4 s {2}stopping$/);
  assert.ok(narrow.length <= 80, `the narrow row fits 80 columns (${narrow.length})`);
});

test('health panel: a lost Redis, a silent or lost agent, and what was done about it stand out', () => {
  const down = fleetPanelLines(view({ redis: { state: 'down', since: 1_000, detail: 'connect ECONNREFUSED', address: 'redis://h:1/0' } }), 5_000);
  assert.equal(down[0].tone, 'bad');
  assert.match(down[0].text, /Redis DOWN redis:\/\/h:1\/0 for 4\.0 s \(connect ECONNREFUSED\)/);
  const agents = fleetPanelLines(
    view({ agents: [agent('a', { state: 'lost', heartbeatAgeMs: 9_000 }), agent('b', { state: 'silent', heartbeatAgeMs: 3_000 })], notes: ['00:00:01 agent a lost (lease lapsed): its tasks were re-queued for the other agents'] }),
    0,
  );
  assert.equal(agents.find((l) => l.text.startsWith('a '))!.tone, 'bad');
  assert.match(agents.find((l) => l.text.startsWith('a '))!.text, /lost$/);
  assert.equal(agents.find((l) => l.text.startsWith('b '))!.tone, 'warn');
  assert.equal(agents.at(-1)!.text, '00:00:01 agent a lost (lease lapsed): its tasks were re-queued for the other agents');
  assert.equal(agents.at(-1)!.tone, 'warn');
  const none = fleetPanelLines(view({ agents: [] }), 0);
  assert.match(none[1].text, /no agent has joined the fleet yet/);
  const many = fleetPanelLines(view({ agents: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => agent(n)) }), 0);
  assert.equal(many.at(-1)!.text, '… 2 more agents');
});

test('q in fleet mode asks: s stops the fleet’s tasks, l leaves them running, n stays; without a fleet it asks y/n', () => {
  const ctx: KeyContext = { taskIds: ['cam'], unfinished: 1, fleet: true, logLength: 0, logPage: 10 };
  const asked = handleKey(initialUi(['cam']), 'q', {}, ctx);
  assert.equal(asked.effect, null);
  assert.match(asked.state.message!, /s stops the fleet's 1 unfinished task, l leaves them running, n stays/);
  assert.deepEqual(handleKey(asked.state, 's', {}, ctx).effect, { kind: 'quit', stopFleet: true });
  assert.deepEqual(handleKey(asked.state, 'l', {}, ctx).effect, { kind: 'quit', stopFleet: false });
  const stay = handleKey(asked.state, 'n', {}, ctx);
  assert.equal(stay.effect, null);
  assert.equal(stay.state.confirmQuit, false);
  assert.equal(handleKey(asked.state, 'y', {}, ctx).effect, null, 'y is not an answer to the fleet question');
  const local = handleKey(initialUi(['cam']), 'q', {}, { ...ctx, fleet: false });
  assert.match(local.state.message!, /\(y\/n\)/);
});
