import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisConnection } from '../../src/fleet/connect.js';
import type { FleetController } from '../../src/fleet/controller.js';
import { FleetTransport } from '../../src/fleet/fleet-transport.js';
import { Listeners } from '../../src/orchestrator/listeners.js';

/** What a headless controller (no fleet panel) tells its operator on stderr, besides the no-agent note. */

function transport(): { t: FleetTransport; conn: { changes: Listeners<{ state: 'up' | 'down'; detail: string }> }; warned: string[] } {
  const conn = { changes: new Listeners<{ state: 'up' | 'down'; detail: string }>(), state: 'up', since: 0, lastError: '', target: { display: 'redis://h:6379/0' } };
  const controller = { onEntries: () => () => {} };
  const warned: string[] = [];
  const t = new FleetTransport({
    controller: controller as unknown as FleetController,
    conn: conn as unknown as RedisConnection,
    fleet: 'site',
    warn: (line) => warned.push(line),
  });
  return { t, conn, warned };
}

test('a headless controller hears of a lost agent, a lost Redis and Redis back, as the fleet panel shows them', () => {
  const { t, conn, warned } = transport();
  t.notice({ k: 'agent', agent: 'a', state: 'up', note: '1 slot on h' })();
  assert.deepEqual(warned, [], 'an agent coming up is for the panel only');
  t.notice({ k: 'agent', agent: 'a', state: 'lost', note: 'no heartbeat for 6 s' })();
  conn.changes.emit({ state: 'down', detail: 'connection reset' });
  conn.changes.emit({ state: 'up', detail: '' });
  assert.equal(warned.length, 3, warned.join('\n'));
  assert.equal(warned[0], 'agent a lost (no heartbeat for 6 s): its tasks were re-queued for the other agents');
  assert.equal(warned[1], 'Redis lost (connection reset): the agents keep counting into their journals; reconnecting');
  assert.match(warned[2], /^Redis back after \d+ s: catching up on what the agents sent meanwhile$/);
  const notes = t.fleetView().notes;
  assert.equal(notes.length, 4, 'the panel keeps all of them');
  assert.ok(notes.slice(1).every((n, i) => n.endsWith(warned[i])));
});
