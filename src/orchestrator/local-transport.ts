import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TaskSpec } from '../config/types.js';
import type { WorkerCommand as StdinCommand } from '../protocol/commands.js';
import { ChildRunner, type ChildExit } from './child-runner.js';
import { exitOutcome } from './exit-policy.js';
import { taskRunEnd, type RunnerEnd, type RunnerHandlers, type RunnerLaunch, type TaskRunner, type Transport, type WorkerPlace } from './runner.js';
import { spawnWorkerProcess, STATE_FD_PATH, workerArgs, workerEnv, type SpawnFn, type WorkerCommand } from './spawn-worker.js';
import type { StopIntent } from './task-machine.js';
import { systemTimers, type Timers } from './timers.js';

/**
 * The counting state a resumed worker continues from (tens of kilobytes: too much for the command line or the
 * environment), handed over as an open file whose name is gone before the worker starts: it is written to a private
 * temporary folder, opened for reading and the folder removed, so nothing is left in the temporary folder whatever
 * happens next (a `kill -9` of this process while the worker runs left one, 0600, behind for good); the worker reads
 * it through its descriptor 3, which holds the data until it has been read.
 */
function openStateFile(json: string): number | null {
  let dir: string | null = null;
  try {
    dir = mkdtempSync(path.join(tmpdir(), 'pcount-state-'));
    const file = path.join(dir, 'state.json');
    writeFileSync(file, json, { mode: 0o600 });
    return openSync(file, 'r');
  } catch {
    // It cannot be written (a full temporary folder): the worker then warms up, as for a checkpoint without it.
    return null;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export interface LocalTransportOptions {
  command: WorkerCommand;
  spawn?: SpawnFn;
  timers?: Timers;
}

/**
 * Runs each task as a `pcount-tui worker` child of this process (the dashboard's pool, and each agent of a fleet):
 * the ChildRunner's NDJSON, stall watchdog and stop-then-SIGKILL policy, reported through the runner interface.
 */
export class LocalTransport implements Transport {
  readonly remote = false;

  constructor(private readonly opts: LocalTransportOptions) {}

  start(spec: TaskSpec, launch: RunnerLaunch, handlers: RunnerHandlers): LocalRunner {
    return new LocalRunner(spec, launch, handlers, this.opts);
  }
}

export class LocalRunner implements TaskRunner {
  private readonly child: ChildRunner;
  private readonly place: WorkerPlace;
  private intent: StopIntent | null = null;

  constructor(spec: TaskSpec, launch: RunnerLaunch, handlers: RunnerHandlers, opts: LocalTransportOptions) {
    let place: WorkerPlace | null = null;
    const stateFd = launch.startFrame && launch.startState ? openStateFile(launch.startState) : null;
    const startStateFile = stateFd === null ? null : STATE_FD_PATH;
    this.child = new ChildRunner({
      command: opts.command,
      args: workerArgs(spec, { threads: launch.threads, logLevel: launch.logLevel, ffmpeg: launch.ffmpeg, startFrame: launch.startFrame, startStateFile, emitState: launch.emitState }),
      env: workerEnv(spec),
      spawn: opts.spawn ?? spawnWorkerProcess,
      stateFd: stateFd ?? undefined,
      clean: launch.clean,
      timers: opts.timers ?? systemTimers,
      stallTimeoutMs: launch.stallTimeoutMs,
      startupTimeoutMs: launch.startupTimeoutMs,
      stopTimeoutMs: launch.stopTimeoutMs,
      onEvent: (ev) => {
        if (ev.type === 'hello') handlers.started();
        handlers.record(place!, ev)();
      },
      onNoise: (line) => handlers.noise(line),
      onExit: (exit) => {
        const end = describeExit(exit);
        handlers.workerEnded(place!, taskRunEnd(end.outcome, this.intent));
        handlers.exit(end);
      },
    });
    // The child has its own descriptor of the state now (spawning is synchronous).
    if (stateFd !== null) closeSync(stateFd);
    const pid = this.child.pid;
    place = { key: `pid:${pid ?? 'none'}`, pid, agent: null, fleetRun: null, startFrame: launch.startFrame, claim: false };
    this.place = place;
    handlers.worker(place);
  }

  get pid(): number | null {
    return this.place.pid;
  }

  stop(intent: StopIntent): void {
    this.intent = intent;
    this.child.requestStop();
  }

  kill(): void {
    this.child.kill();
  }

  sendCommand(command: StdinCommand): boolean {
    return this.child.send(command);
  }
}

function describeExit(exit: ChildExit): RunnerEnd {
  const how = exit.spawnError ? 'could not start' : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return { outcome: exitOutcome(exit), detail: `${how}${exit.killedAfterStop ? ' after ignoring stop' : ''}` };
}
