import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hasChild,
  initialTaskState,
  isFinal,
  TASK_EVENTS,
  TASK_STATES,
  taskTransition,
  type ExitOutcome,
  type RetryHistory,
  type TaskContext,
  type TaskEvent,
  type TaskState,
  type TaskStateName,
} from '../../src/orchestrator/task-machine.js';

const history: RetryHistory = { restarts: 0, crashes: [], offline: 0 };

const states: Record<TaskStateName, TaskState> = {
  pending: { kind: 'pending', history },
  starting: { kind: 'starting', history },
  waiting: { kind: 'waiting', history },
  running: { kind: 'running', history },
  stopping: { kind: 'stopping', intent: 'stop', history },
  backoff: { kind: 'backoff', reason: 'offline', why: 'SOURCE_UNREACHABLE: connection refused', retryAt: 5000, history },
  completed: { kind: 'completed', note: null, history },
  error: { kind: 'error', reason: 'worker exited with code 3', history },
  cancelled: { kind: 'cancelled', reason: 'cancelled by user', history },
  left: { kind: 'left', note: 'left running in the fleet on agent a', history },
};

const done: ExitOutcome = { kind: 'done', reachedEnd: true, killedAfterStop: false };
const failed = (error: 'source' | 'setup' | 'crash', code: string, reason = `${code}: it broke`): ExitOutcome => ({
  kind: 'failed',
  error,
  code,
  reason,
  reported: true,
  killedAfterStop: false,
});

const events: Record<TaskEvent['type'], TaskEvent> = {
  launch: { type: 'launch' },
  hello: { type: 'hello' },
  exit: { type: 'exit', outcome: done, now: 1000, jitter: 0 },
  retry: { type: 'retry' },
  moved: { type: 'moved', why: 'agent a lost: taken over' },
  queued: { type: 'queued' },
  claimed: { type: 'claimed' },
  start: { type: 'start' },
  stop: { type: 'stop' },
  cancel: { type: 'cancel' },
  restart: { type: 'restart' },
  shutdown: { type: 'shutdown' },
};

const camera: TaskContext = {
  kind: 'camera',
  offlineBackoff: { baseMs: 1000, maxMs: 30_000 },
  crashBackoff: { baseMs: 1000, maxMs: 30_000 },
  restartLimit: { count: 5, windowMs: 60_000 },
};
const video: TaskContext = { ...camera, kind: 'video' };

/** The whole transition table for a video: state → event → next state (absent = rejected). */
const allowed: Record<TaskStateName, Partial<Record<TaskEvent['type'], TaskStateName>>> = {
  pending: { launch: 'starting', start: 'pending', restart: 'pending', cancel: 'cancelled', shutdown: 'cancelled' },
  starting: { hello: 'running', exit: 'completed', moved: 'waiting', queued: 'waiting', claimed: 'starting', stop: 'stopping', cancel: 'stopping', restart: 'stopping', shutdown: 'stopping' },
  waiting: { hello: 'running', exit: 'completed', moved: 'waiting', queued: 'waiting', claimed: 'starting', stop: 'stopping', cancel: 'stopping', restart: 'stopping', shutdown: 'stopping' },
  running: { exit: 'completed', moved: 'waiting', claimed: 'running', stop: 'stopping', cancel: 'stopping', restart: 'stopping', shutdown: 'stopping' },
  stopping: { hello: 'stopping', exit: 'completed', moved: 'stopping', queued: 'stopping', claimed: 'stopping', stop: 'stopping', cancel: 'stopping', restart: 'stopping', shutdown: 'stopping' },
  backoff: { retry: 'pending', stop: 'completed', cancel: 'cancelled', restart: 'pending', shutdown: 'cancelled' },
  completed: { start: 'pending', restart: 'pending' },
  error: { start: 'pending', restart: 'pending' },
  cancelled: { start: 'pending', restart: 'pending' },
  left: { start: 'pending', restart: 'pending' },
};

function run(ctx: TaskContext, from: TaskState, ...evs: TaskEvent[]): TaskState {
  return evs.reduce((s, e) => {
    const r = taskTransition(s, e, ctx);
    assert.ok(r.ok, `${s.kind} + ${e.type}: ${r.ok ? '' : r.rejection.message}`);
    return r.state;
  }, from);
}

function effectsOf(ctx: TaskContext, from: TaskState, event: TaskEvent) {
  const r = taskTransition(from, event, ctx);
  assert.ok(r.ok);
  return (r.effects ?? []).map((e) => e.type);
}

describe('task machine', () => {
  it('covers every state and event kind', () => {
    assert.deepEqual(Object.keys(states).sort(), [...TASK_STATES].sort());
    assert.deepEqual(Object.keys(events).sort(), [...TASK_EVENTS].sort());
  });

  for (const from of TASK_STATES) {
    for (const type of TASK_EVENTS) {
      const to = allowed[from][type];
      it(`${from} + ${type} → ${to ?? 'rejected'}`, () => {
        const result = taskTransition(states[from], events[type], video);
        if (to === undefined) {
          assert.equal(result.ok, false);
          if (!result.ok) {
            assert.deepEqual([result.rejection.from, result.rejection.event], [from, type]);
            assert.match(result.rejection.message, new RegExp(`cannot ${type} an? ${from} task`));
          }
        } else {
          assert.equal(result.ok, true);
          if (result.ok) assert.equal(result.state.kind, to);
        }
      });
    }
  }

  it('has a child exactly while starting, running or stopping, and calls completed, error, cancelled and left final', () => {
    assert.deepEqual(TASK_STATES.filter((k) => hasChild(states[k])), ['starting', 'running', 'stopping']);
    assert.deepEqual(TASK_STATES.filter((k) => isFinal(states[k])), ['completed', 'error', 'cancelled', 'left']);
  });

  it('the end of the run leaves a fleet task running on purpose: left, not cancelled (a file) nor stopped (a camera)', () => {
    const left: ExitOutcome = { kind: 'left', note: 'left running in the fleet on agent a' };
    for (const ctx of [video, camera]) {
      const r = taskTransition({ kind: 'stopping', intent: 'shutdown', history }, { type: 'exit', outcome: left, now: 0, jitter: 0 }, ctx);
      assert.ok(r.ok);
      assert.deepEqual(r.state, { kind: 'left', note: 'left running in the fleet on agent a', history });
      assert.deepEqual(r.effects, [{ type: 'free-slot' }]);
    }
  });

  it('a file runs: launch spawns, hello runs, done completes and frees the slot', () => {
    assert.deepEqual(effectsOf(video, initialTaskState, events.launch), ['spawn']);
    const running = run(video, initialTaskState, events.launch, events.hello);
    assert.equal(running.kind, 'running');
    const r = taskTransition(running, events.exit, video);
    assert.ok(r.ok);
    assert.deepEqual(r.state, { kind: 'completed', note: null, history });
    assert.deepEqual(r.effects, [{ type: 'free-slot' }]);
  });

  it('a file fails on any error, and the pool reports the error only when the worker did not', () => {
    for (const outcome of [failed('source', 'SOURCE_UNREACHABLE'), failed('crash', 'INTERNAL'), failed('setup', 'BAD_LINE')]) {
      const r = taskTransition(states.running, { type: 'exit', outcome, now: 0, jitter: 0 }, video);
      assert.ok(r.ok);
      assert.equal(r.state.kind, 'error');
      assert.deepEqual(r.effects?.map((e) => e.type), ['free-slot', 'report']);
    }
    const silent: ExitOutcome = { kind: 'failed', error: 'crash', code: 'WORKER_EXIT', reason: 'worker killed by SIGSEGV', reported: false, killedAfterStop: false };
    const r = taskTransition(states.running, { type: 'exit', outcome: silent, now: 0, jitter: 0 }, video);
    assert.ok(r.ok);
    assert.deepEqual(r.effects?.[1], { type: 'error-event', code: 'WORKER_EXIT', message: 'worker killed by SIGSEGV', fatal: true });
  });

  it('an unreachable camera waits offline without a slot, is retried forever with capped backoff, and keeps its counts', () => {
    let s = run(camera, initialTaskState, events.launch);
    const delays: number[] = [];
    let now = 0;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const r = taskTransition(s, { type: 'exit', outcome: failed('source', 'SOURCE_UNREACHABLE'), now, jitter: 0 }, camera);
      assert.ok(r.ok);
      assert.equal(r.state.kind, 'backoff');
      if (r.state.kind !== 'backoff') return;
      assert.equal(r.state.reason, 'offline');
      const wait = r.effects?.find((e) => e.type === 'schedule-retry');
      assert.ok(wait && wait.type === 'schedule-retry');
      delays.push(wait.delayMs);
      assert.deepEqual(r.effects?.slice(0, 2), [{ type: 'free-slot' }, { type: 'carry-over' }]);
      assert.equal(r.state.retryAt, now + wait.delayMs);
      now += wait.delayMs;
      s = run(camera, r.state, events.retry, events.launch);
      assert.equal(s.history.offline, attempt);
      assert.equal(s.history.restarts, attempt);
    }
    // jitter 0 gives half of 1, 2, 4, … s, capped at half of 30 s: never given up, however long the camera is down.
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000, 15_000, 15_000, 15_000]);
    // Reaching the camera resets the offline streak.
    assert.equal(run(camera, s, events.hello).history.offline, 0);
  });

  it('a crashing camera is restarted at most 5 times in 60 s, then fails; older crashes leave the window', () => {
    let s = run(camera, initialTaskState, events.launch, events.hello);
    const crash = (now: number) => taskTransition(s, { type: 'exit', outcome: failed('crash', 'INTERNAL'), now, jitter: 0 }, camera);
    for (let i = 1; i <= 5; i++) {
      const r = crash(i * 1000);
      assert.ok(r.ok);
      assert.equal(r.state.kind === 'backoff' && r.state.reason, 'crashed');
      s = run(camera, r.state, events.retry, events.launch, events.hello);
    }
    const sixth = crash(6000);
    assert.ok(sixth.ok);
    assert.equal(sixth.state.kind, 'error');
    // The reason is also a headless summary's: it names no dashboard key.
    assert.equal(sixth.state.kind === 'error' ? sixth.state.reason : '', 'INTERNAL: it broke; gave up after 5 restarts in 60 s');
    // 61 s after the first crash only four are left in the window: one more restart is allowed.
    const later = crash(61_500);
    assert.equal(later.ok && later.state.kind, 'backoff');
  });

  it('an unreachable camera\'s attempts are restarts (each is a new worker) but never use up the crash allowance', () => {
    // Cameras come back: an unreachable one is retried for ever at the capped backoff, however many attempts it took,
    // and a crash right after it came back is restarted like any first crash (the limit is for workers that crash).
    let s = run(camera, initialTaskState, events.launch);
    for (let attempt = 1; attempt <= 40; attempt++) {
      const r = taskTransition(s, { type: 'exit', outcome: failed('source', 'SOURCE_UNREACHABLE'), now: attempt * 1000, jitter: 0.99 }, camera);
      assert.ok(r.ok && r.state.kind === 'backoff' && r.state.reason === 'offline', `attempt ${attempt}`);
      assert.ok(r.state.retryAt - attempt * 1000 <= 30_000, 'never longer than the cap');
      s = run(camera, r.state, events.retry, events.launch);
    }
    s = run(camera, s, events.hello);
    assert.deepEqual([s.history.restarts, s.history.offline, s.history.crashes], [40, 0, []]);
    const crash = taskTransition(s, { type: 'exit', outcome: failed('crash', 'INTERNAL'), now: 41_000, jitter: 0 }, camera);
    assert.ok(crash.ok && crash.state.kind === 'backoff' && crash.state.reason === 'crashed');
    assert.deepEqual(crash.state.history.crashes, [41_000]);
  });

  it('offline attempts do not count against the crash limit', () => {
    let s = run(camera, initialTaskState, events.launch);
    for (let i = 0; i < 20; i++) {
      const r = taskTransition(s, { type: 'exit', outcome: failed('source', 'SOURCE_TIMEOUT'), now: i * 100, jitter: 0.5 }, camera);
      assert.ok(r.ok && r.state.kind === 'backoff');
      s = run(camera, r.state, events.retry, events.launch);
    }
    assert.deepEqual(s.history.crashes, []);
  });

  it('a setup error fails a camera at once, without retrying', () => {
    const r = taskTransition(states.running, { type: 'exit', outcome: failed('setup', 'MODEL_MISSING'), now: 0, jitter: 0 }, camera);
    assert.equal(r.ok && r.state.kind, 'error');
  });

  it('a camera worker that ends by itself has crashed (a live source has no end)', () => {
    const r = taskTransition(states.running, events.exit, camera);
    assert.ok(r.ok && r.state.kind === 'backoff');
    assert.equal(r.state.reason, 'crashed');
    assert.equal(r.state.why, 'worker ended although the camera is live');
  });

  it('a stop request becomes stopping and signals the child; the exit then settles by the request', () => {
    assert.deepEqual(effectsOf(camera, states.running, events.stop), ['stop-child']);
    const settle = (intent: 'stop' | 'cancel' | 'restart' | 'shutdown', ctx: TaskContext, killed = false) => {
      const stopping = run(ctx, states.running, { type: intent });
      const r = taskTransition(stopping, { type: 'exit', outcome: { kind: 'done', reachedEnd: false, killedAfterStop: killed }, now: 0, jitter: 0 }, ctx);
      assert.ok(r.ok);
      return r;
    };
    assert.deepEqual(settle('stop', video).state, { kind: 'completed', note: 'stopped by user', history });
    assert.deepEqual(settle('stop', video, true).state, { kind: 'completed', note: 'stopped by user (killed after the stop time-out)', history });
    assert.deepEqual(settle('cancel', video).state, { kind: 'cancelled', reason: 'cancelled by user', history });
    assert.deepEqual(settle('shutdown', camera).state, { kind: 'completed', note: 'stopped when the run ended', history });
    assert.match(settle('shutdown', video).state.kind === 'cancelled' ? (settle('shutdown', video).state as { reason: string }).reason : '', /interrupted/);
    const restarted = settle('restart', camera);
    assert.equal(restarted.state.kind, 'pending');
    assert.deepEqual(restarted.effects, [{ type: 'free-slot' }, { type: 'clear-results' }, { type: 'queue', first: true }]);
  });

  it('a file that reached its end before the stop took effect is completed, whatever the stop was for', () => {
    for (const intent of ['stop', 'cancel', 'shutdown'] as const) {
      const stopping = run(video, states.running, { type: intent });
      const r = taskTransition(stopping, events.exit, video);
      assert.deepEqual(r.ok && r.state, { kind: 'completed', note: null, history }, intent);
    }
  });

  it('the end of the run wins over an earlier request while stopping', () => {
    const s = run(camera, states.running, events.cancel, events.shutdown, events.stop);
    assert.equal(s.kind === 'stopping' && s.intent, 'shutdown');
  });

  it('a changed request while stopping is passed on to the runner; the same one again is not', () => {
    const stopping = run(camera, states.running, events.stop);
    assert.deepEqual(effectsOf(camera, stopping, events.cancel), ['stop-child']);
    assert.deepEqual(effectsOf(camera, stopping, events.stop), []);
    assert.deepEqual(effectsOf(camera, run(camera, stopping, events.shutdown), events.cancel), []);
  });

  it('moved: the transport runs the task again by itself; it waits for a runner, keeps its slot and its counts', () => {
    for (const from of [states.starting, states.waiting, states.running]) {
      const r = taskTransition(from, events.moved, camera);
      assert.ok(r.ok);
      assert.deepEqual(r.state, { kind: 'waiting', history: { ...history, restarts: 1 } });
      assert.deepEqual(r.effects, [{ type: 'carry-over' }, { type: 'report', level: 'warn', message: 'agent a lost: taken over', event: true }]);
    }
    const stopping = run(camera, states.running, events.stop);
    assert.deepEqual(taskTransition(stopping, events.moved, camera), { ok: true, state: stopping, effects: [] });
  });

  it('a fleet task: queued until an agent claims it, then starting, running at its hello; stopped while it waits', () => {
    const waiting = run(camera, states.pending, events.launch, events.queued);
    assert.equal(waiting.kind, 'waiting');
    assert.equal(hasChild(waiting), false, 'no worker runs a queued task');
    assert.deepEqual(effectsOf(camera, waiting, events.claimed), []);
    assert.equal(run(camera, waiting, events.claimed, events.hello).kind, 'running');
    // A claim that comes after the hello (a controller attaching) changes nothing.
    assert.deepEqual(run(camera, waiting, events.hello, events.claimed), { kind: 'running', history });
    assert.deepEqual(effectsOf(camera, waiting, events.stop), ['stop-child']);
    assert.equal(run(camera, waiting, events.cancel, { type: 'exit', outcome: { kind: 'done', reachedEnd: false, killedAfterStop: false }, now: 1000, jitter: 0 }).kind, 'cancelled');
    // Taken over: queued again with its counts, and the next claim starts it again.
    const moved = run(camera, waiting, events.claimed, events.hello, events.moved);
    assert.deepEqual([moved.kind, moved.history.restarts], ['waiting', 1]);
    assert.equal(run(camera, moved, events.claimed).kind, 'starting');
  });

  it('a camera waiting out a backoff is stopped, cancelled or restarted at once, without a child', () => {
    const stopped = taskTransition(states.backoff, events.stop, camera);
    assert.ok(stopped.ok);
    assert.equal(stopped.state.kind, 'completed');
    assert.match(stopped.state.kind === 'completed' ? stopped.state.note! : '', /stopped by user while offline \(SOURCE_UNREACHABLE/);
    assert.deepEqual(stopped.effects, [{ type: 'cancel-retry' }]);
    const ended = taskTransition(states.backoff, events.shutdown, camera);
    assert.ok(ended.ok && ended.state.kind === 'completed');
    assert.match(ended.state.note!, /stopped when the run ended while offline/);
    const restarted = taskTransition({ ...states.backoff, history: { restarts: 4, crashes: [1, 2], offline: 2 } }, events.restart, camera);
    assert.ok(restarted.ok);
    assert.deepEqual(restarted.state, { kind: 'pending', history });
    assert.deepEqual(restarted.effects?.map((e) => e.type), ['cancel-retry', 'clear-results', 'queue']);
  });

  it('a camera still offline when the run ends is completed and says so, also while its retry waits for a slot or runs', () => {
    const offline: RetryHistory = { restarts: 2, crashes: [], offline: 2 };
    const queued = taskTransition({ kind: 'pending', history: offline }, events.shutdown, camera);
    assert.deepEqual(queued, { ok: true, state: { kind: 'completed', note: 'stopped when the run ended while offline', history: offline }, effects: [{ type: 'unqueue' }] });
    const cancelled = taskTransition({ kind: 'pending', history: offline }, events.cancel, camera);
    assert.deepEqual(cancelled.ok && cancelled.state, { kind: 'cancelled', reason: 'cancelled by user while offline', history: offline });
    const stopping = run(camera, { kind: 'starting', history: offline }, events.shutdown);
    const ended = taskTransition(stopping, { type: 'exit', outcome: failed('source', 'SOURCE_UNREACHABLE'), now: 0, jitter: 0 }, camera);
    assert.deepEqual(ended.ok && ended.state, { kind: 'completed', note: 'stopped when the run ended while offline', history: offline });
    // Once a child said hello the camera is online: a later stop says nothing of offline.
    const online = run(camera, { kind: 'starting', history: offline }, events.hello, events.shutdown);
    assert.deepEqual(taskTransition(online, events.exit, camera), { ok: true, state: { kind: 'completed', note: 'stopped when the run ended', history: { ...offline, offline: 0 } }, effects: [{ type: 'free-slot' }] });
    // A camera that never ran, or a video, is still cancelled when the run ends before it starts.
    assert.equal(run(camera, states.pending, events.shutdown).kind, 'cancelled');
    assert.equal(run(video, { kind: 'pending', history: offline }, events.shutdown).kind, 'cancelled');
  });

  it('a retry queues the task first again', () => {
    assert.deepEqual(taskTransition(states.backoff, events.retry, camera), { ok: true, state: { kind: 'pending', history }, effects: [{ type: 'queue', first: true }] });
  });

  it('start on a finished task runs it again from zero, with a fresh retry history', () => {
    const r = taskTransition({ ...states.error, history: { restarts: 5, crashes: [1, 2, 3, 4, 5], offline: 0 } }, events.start, camera);
    assert.ok(r.ok);
    assert.deepEqual(r.state, { kind: 'pending', history });
    assert.deepEqual(r.effects, [{ type: 'clear-results' }, { type: 'queue', first: true }]);
  });
});
