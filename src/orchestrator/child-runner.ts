import type { ChildProcess } from 'node:child_process';
import { mapEventStrings } from '../common/terminal-text.js';
import { hasExited, killOnExit, signalChild, terminate } from '../common/terminate.js';
import { commandLine, type WorkerCommand as StdinCommand } from '../protocol/commands.js';
import type { ErrorEvent, WorkerEvent } from '../protocol/events.js';
import { LineSplitter, onNdjsonLines } from '../protocol/ndjson.js';
import { validateEvent } from '../protocol/validate.js';
import type { SpawnFn, WorkerCommand } from './spawn-worker.js';
import type { Timers } from './timers.js';

/** How a child ended, with what the pool needs to decide between done, restart and error. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we killed it for sending nothing: for how long, and whether it had said hello yet. */
  stall: { ms: number; beforeHello: boolean } | null;
  /** We killed it because it ignored a stop for the stop time-out. */
  killedAfterStop: boolean;
  sawDone: boolean;
  /** Its `done` said the source ran out (a file read to its end). */
  reachedEnd: boolean;
  lastError: ErrorEvent | null;
  /** The last lines the child wrote on stderr (or non-JSON lines on stdout), for error messages. */
  tail: string[];
  spawnError: Error | null;
}

export interface ChildRunnerOptions {
  command: WorkerCommand;
  args: string[];
  /** Extra environment for the child (the source when it holds a password: see spawn-worker.ts). */
  env?: Record<string, string>;
  spawn: SpawnFn;
  /** An open file the child gets as its descriptor 3 (a resume state; the parent closes its own copy). */
  stateFd?: number;
  /**
   * Makes a child's text safe to keep and show (secrets hidden, control characters escaped). Every stderr line and
   * every string in every event goes through it before anything else sees them.
   */
  clean(text: string): string;
  timers: Timers;
  stallTimeoutMs: number;
  /** The stall time-out until the child's `hello`: opening the source and loading (or first building) the model. */
  startupTimeoutMs: number;
  stopTimeoutMs: number;
  onEvent(event: WorkerEvent): void;
  /** A line that is not an event: stderr output, or a stray stdout line. */
  onNoise(line: string): void;
  onExit(exit: ChildExit): void;
}

const TAIL_LINES = 8;
/** After `exit`, how long to wait for the pipes to flush before giving up on them (a grandchild may hold them). */
const PIPE_GRACE_MS = 1000;
/** The longest stdout line (an event) or stderr line kept; the rest of a longer line is dropped and reported. */
export const MAX_EVENT_LINE_BYTES = 256 * 1024;
export const MAX_STDERR_LINE_BYTES = 16 * 1024;

/** One worker child: its NDJSON, its stall watchdog, and the stop-then-SIGKILL sequence. */
export class ChildRunner {
  readonly child: ChildProcess;
  private stallTimer: unknown = null;
  private cancelKill: (() => void) | null = null;
  private graceTimer: unknown = null;
  private stopping = false;
  private started = false;
  private finished = false;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly state: ChildExit = {
    code: null,
    signal: null,
    stall: null,
    killedAfterStop: false,
    sawDone: false,
    reachedEnd: false,
    lastError: null,
    tail: [],
    spawnError: null,
  };

  constructor(private readonly opts: ChildRunnerOptions) {
    this.child = opts.spawn(opts.command.file, [...opts.command.args, ...opts.args], opts.env ?? {}, opts.stateFd);
    const { child } = this;
    killOnExit(child, true);
    child.on('error', (err) => {
      this.state.spawnError = err;
      // A child that never started emits no 'exit'; one that did will still close its pipes.
      if (child.pid === undefined) this.finish();
    });
    child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      this.clearTimer('stallTimer');
      this.cancelKill?.();
      this.graceTimer = opts.timers.setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.finish();
      }, PIPE_GRACE_MS);
    });
    child.on('close', () => this.finish());
    child.stdin?.on('error', () => {
      // EPIPE when the child already exited: its exit is handled through 'exit'.
    });
    if (child.stdout) {
      onNdjsonLines(child.stdout, (item) => {
        const checked = item.ok ? validateEvent(item.value) : null;
        if (checked?.ok && checked.event.type === 'hello') this.started = true;
        this.armStall();
        if (!item.ok) return this.noise(item.line || item.error);
        // A malformed event must not reach the results (or crash the parent): it is reported like stray output.
        if (!checked?.ok) return this.noise(`invalid event (${checked?.errors.join('; ')}): ${item.line.slice(0, 200)}`);
        const ev = mapEventStrings(checked.event, opts.clean);
        if (ev.type === 'done') {
          this.state.sawDone = true;
          this.state.reachedEnd = ev.reason === 'end';
        }
        if (ev.type === 'error') this.state.lastError = ev;
        opts.onEvent(ev);
      }, MAX_EVENT_LINE_BYTES);
    }
    if (child.stderr) {
      const splitter = new LineSplitter(MAX_STDERR_LINE_BYTES);
      child.stderr.on('data', (chunk: Buffer) => splitter.push(chunk).forEach((l) => l.trim() && this.noise(l)));
      child.stderr.on('end', () => splitter.end().forEach((l) => l.trim() && this.noise(l)));
    }
    this.armStall();
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Asks the child to finish (`{"cmd":"stop"}` on stdin); SIGKILL follows if it is still there after the time-out. */
  requestStop(): void {
    if (this.stopping || this.finished) return;
    this.stopping = true;
    this.clearTimer('stallTimer');
    if (this.exitInfo) return;
    this.cancelKill = terminate(this.child, {
      // If the pipe is gone the child is on its way out; the SIGKILL covers the rest.
      ask: () => void this.send({ cmd: 'stop' }),
      forceAfterMs: this.opts.stopTimeoutMs,
      group: true,
      timers: this.opts.timers,
      onForce: () => (this.state.killedAfterStop = true),
    });
  }

  /** Writes one command to the child's stdin; false when the child is gone or going. */
  send(command: StdinCommand): boolean {
    if (this.exitInfo || this.finished || !this.child.stdin || this.child.stdin.destroyed) return false;
    try {
      this.child.stdin.write(commandLine(command));
      return true;
    } catch {
      return false;
    }
  }

  /** Kills at once (used for a stalled child). */
  kill(): void {
    if (this.exitInfo || this.finished || hasExited(this.child)) return;
    signalChild(this.child, 'SIGKILL', true);
  }

  private noise(raw: string): void {
    const line = this.opts.clean(raw);
    this.state.tail.push(line);
    if (this.state.tail.length > TAIL_LINES) this.state.tail.shift();
    this.opts.onNoise(line);
  }

  private armStall(): void {
    if (this.stopping || this.exitInfo) return;
    this.clearTimer('stallTimer');
    const ms = this.started ? this.opts.stallTimeoutMs : this.opts.startupTimeoutMs;
    this.stallTimer = this.opts.timers.setTimeout(() => {
      this.state.stall = { ms, beforeHello: !this.started };
      this.kill();
    }, ms);
  }

  private clearTimer(name: 'stallTimer' | 'graceTimer'): void {
    if (this[name] !== null) this.opts.timers.clearTimeout(this[name]);
    this[name] = null;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer('stallTimer');
    this.cancelKill?.();
    this.clearTimer('graceTimer');
    this.state.code = this.exitInfo?.code ?? null;
    this.state.signal = this.exitInfo?.signal ?? null;
    this.opts.onExit({ ...this.state, tail: [...this.state.tail] });
  }
}
