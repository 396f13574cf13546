import type { Usage } from './resources.js';
import type { WorkerView } from './types.js';
import { initialWorkerState, workerTransition, type WorkerEvent, type WorkerState } from './worker-machine.js';

/** A transition the pool itself asked for was refused: a bug in the pool, never a user mistake. */
export class InvalidWorkerTransitionError extends Error {
  constructor(index: number, message: string) {
    super(`worker ${index}: ${message}`);
    this.name = 'InvalidWorkerTransitionError';
  }
}

/** The pool's `worker_count` slots, each driven by the worker state machine. */
export class WorkerSlots {
  private readonly states: WorkerState[];
  private usage = new Map<number, Usage>();

  constructor(
    count: number,
    private readonly log: (index: number, message: string) => void,
  ) {
    this.states = Array.from({ length: count }, () => initialWorkerState);
  }

  freeSlot(): number | null {
    const i = this.states.findIndex((s) => s.kind === 'idle');
    return i >= 0 ? i : null;
  }

  idleCount(): number {
    return this.states.filter((s) => s.kind === 'idle').length;
  }

  /** Slots with a child. */
  busyCount(): number {
    return this.states.filter((s) => s.kind === 'starting' || s.kind === 'running' || s.kind === 'stopping').length;
  }

  assign(index: number, task: string, pid: number | null): void {
    this.apply(index, { type: 'assign', task, pid });
    this.log(index, `INFO  [${task}] child started, pid ${pid ?? '?'}`);
  }

  hello(index: number): void {
    this.apply(index, { type: 'hello' });
  }

  stop(index: number): void {
    this.apply(index, { type: 'stop' });
  }

  release(index: number): void {
    this.apply(index, { type: 'release' });
    this.usage.delete(index);
  }

  shutdownAll(): void {
    this.states.forEach((s, i) => {
      if (s.kind === 'idle') this.apply(i, { type: 'shutdown' });
    });
  }

  setUsage(usage: Map<number, Usage>): void {
    this.usage = usage;
  }

  views(): WorkerView[] {
    return this.states.map((s, index) => {
      const child = s.kind === 'starting' || s.kind === 'running' || s.kind === 'stopping' ? s : null;
      return {
        index,
        state: child ? 'processing' : s.kind === 'stopped' ? 'stopped' : 'idle',
        phase: child?.kind ?? null,
        task: child?.task ?? null,
        pid: child?.pid ?? null,
        cpuPercent: this.usage.get(index)?.cpuPercent ?? 0,
        rssBytes: this.usage.get(index)?.rssBytes ?? 0,
      };
    });
  }

  private apply(index: number, event: WorkerEvent): void {
    const result = workerTransition(this.states[index], event);
    if (!result.ok) throw new InvalidWorkerTransitionError(index, result.rejection.message);
    this.states[index] = result.state;
  }
}
