import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followHeartbeat, type HeartbeatActions } from '../../src/fleet/agent-heartbeat.js';
import { AgentRun } from '../../src/fleet/agent-run.js';
import type { LeaseLoss } from '../../src/fleet/run-settle.js';
import { nextAbsences } from '../../src/fleet/task-absence.js';

/** Redis losing the fleet's data: the agent tells a lost task from a taken one, the controller submits lost tasks again. */

function heard(rows: string[][], runs: Map<string, AgentRun>) {
  const said: string[] = [];
  const lost: string[] = [];
  const gone: string[] = [];
  const on: HeartbeatActions = { agent: 'a', say: (l) => said.push(l), lost: (r) => lost.push(r.task), gone: (r) => gone.push(r.task) };
  followHeartbeat(rows, runs, 1000, 5000, on);
  return { said, lost, gone };
}

const running = (task: string, gen: string) => {
  const run = new AgentRun(task, `${task}-run`, 'video', gen, 0, 5000);
  // A worker that runs: only `running` (runner set) and `end` matter here.
  run.runner = { pid: 1, stop: () => {}, kill: () => {} } as unknown as AgentRun['runner'];
  return run;
};

test('heartbeat: a task Redis lost is gone, not lost: the run goes on with its lease, the outbox resends once; the new hash\'s generation is its own', () => {
  const run = running('f', '3');
  const runs = new Map([['f', run]]);
  let h = heard([['f', 'gone', '', '']], runs);
  assert.deepEqual([h.lost, h.gone], [[], ['f']]);
  assert.equal(run.leaseUntil, 6000, 'the lease is renewed');
  assert.match(h.said[0], /Redis lost the task/);
  h = heard([['f', 'gone', '', '']], runs);
  assert.deepEqual([h.gone, h.said], [[], []], 'said and resent once');
  h = heard([['f', 'ok', 'run', '0']], runs);
  assert.equal(run.intent, null, 'generation 0 of the resubmitted task is no restart');
  assert.equal(run.gen, '0');
  assert.match(h.said[0], /submitted again; still run f-run/);
  heard([['f', 'ok', 'run', '1']], runs);
  assert.equal(run.intent, 'restart', 'a restart after that is one');
});

test('heartbeat: a task whose key is broken (another type) is not renewed and said once while it stays so; the other runs renew', () => {
  const [f, g] = [running('f', '0'), running('g', '0')];
  const runs = new Map([['f', f], ['g', g]]);
  const why = 'WRONGTYPE fleet key pcount:task:f holds a string, not a hash';
  const claimed = f.leaseUntil;
  let h = heard([['f', 'broken', why, ''], ['g', 'ok', 'run', '0']], runs);
  assert.deepEqual([f.leaseUntil, g.leaseUntil], [claimed, 6000], 'f keeps the lease of its claim, g is renewed');
  assert.deepEqual(h.said, [`f: its lease cannot be renewed (run f-run): ${why}; the agent's other tasks are not affected`]);
  assert.deepEqual([h.lost, f.intent, g.intent], [[], null, null]);
  h = heard([['f', 'broken', why, ''], ['g', 'ok', 'run', '0']], runs);
  assert.deepEqual(h.said, [], 'said once');
  heard([['f', 'ok', 'run', '0']], runs);
  assert.deepEqual([f.leaseUntil, f.broken], [6000, null], 'renewed once the key is right again');
  assert.equal(heard([['f', 'broken', why, '']], runs).said.length, 1, 'broken again: said again');
});

test('heartbeat: lost names the agent that holds the task now, or says it was queued again; a lease lost before it lapsed was lost by Redis', () => {
  const runs = new Map([['f', running('f', '0')], ['g', running('g', '0')], ['h', running('h', '0')], ['i', running('i', '0')]]);
  // The heartbeat goes at 1000 ms: f's and g's last renewal went at 500 ms - 5000, h's and i's at 500 ms.
  for (const id of ['f', 'g']) runs.get(id)!.renewed(500 - 5000, 5000);
  for (const id of ['h', 'i']) runs.get(id)!.renewed(500, 5000);
  const h = heard([['f', 'lost', '', 'b'], ['g', 'lost', '', ''], ['h', 'lost', '', ''], ['i', 'lost', '', 'c']], runs);
  assert.deepEqual(h.lost, ['f', 'g', 'h', 'i']);
  assert.deepEqual(h.said, [
    'f: lease lost (run f-run): agent a lost its lease (no heartbeat reached Redis in time); agent b runs it now',
    'g: lease lost (run g-run): agent a lost its lease (no heartbeat reached Redis in time); the fleet queued the task again',
    "h: lease lost (run h-run): Redis lost agent a's claim of the task (it restarted or failed over without its last writes) and queued the task again",
    "i: lease lost (run i-run): Redis lost agent a's claim of the task (it restarted or failed over without its last writes) and queued the task again; agent c runs it now",
  ]);
});

test('heartbeat: a lease lapses by the agent\'s monotonic clock: the wall clock stepped back while Redis was away does not stretch it', (t) => {
  // Both clocks read 60 s at the claim; the wall clock steps back a minute while the agent is cut off from Redis.
  t.mock.timers.enable({ apis: ['Date'], now: 60_000 });
  const time = { now: 60_000 };
  const run = new AgentRun('cam', 'cam-run', 'camera', '0', 0, 5000, () => time.now);
  run.runner = { pid: 1, stop: () => {}, kill: () => {} } as unknown as AgentRun['runner'];
  const runs = new Map([['cam', run]]);
  const lost: LeaseLoss[] = [];
  const on: HeartbeatActions = { agent: 'a', say: () => {}, lost: (_r, loss) => lost.push(loss), gone: () => {} };
  followHeartbeat([['cam', 'ok', 'run', '0']], runs, 61_000, 5000, on);
  time.now = 63_000;
  t.mock.timers.tick(3000);
  assert.equal(run.next(), 1);
  t.mock.timers.setTime(3000);
  // Redis away: the last renewal went at 61 s, so the lease lapsed at 66 s; the camera's crossings go on.
  time.now = 67_000;
  t.mock.timers.tick(4000);
  run.next();
  run.next();
  assert.equal(run.firstLate, 2, 'the crossings after the lapse are late (Outbox.supersede drops them once the lease is lost)');
  followHeartbeat([['cam', 'lost', '', 'b']], runs, 69_000, 5000, on);
  assert.deepEqual(lost, [{ holder: 'b', lapsed: true }]);
});

test('nextAbsences: a task missing for the grace time is submitted again, its clock starting over; a present one is forgotten', () => {
  let step = nextAbsences(new Map(), ['a', 'b'], 1000, 5000);
  assert.deepEqual([[...step.absences], step.resubmit], [[['a', 1000], ['b', 1000]], []]);
  step = nextAbsences(step.absences, ['a'], 4000, 5000);
  assert.deepEqual([[...step.absences], step.resubmit], [[['a', 1000]], []], 'b is back');
  step = nextAbsences(step.absences, ['a', 'b'], 6000, 5000);
  assert.deepEqual([[...step.absences], step.resubmit], [[['b', 6000]], ['a']]);
  step = nextAbsences(step.absences, ['a'], 7000, 5000);
  assert.deepEqual([[...step.absences], step.resubmit], [[['a', 7000]], []], 'a submission that did not take is retried a grace later');
});
