import { EventEmitter } from 'node:events';
import type { PoolControl } from '../src/orchestrator/types.js';
import { renderDashboard, type DashboardOptions } from '../src/tui/render.js';

/** A terminal for Ink without a terminal: records every frame, reports a size, can be resized. */
export class FakeStdout extends EventEmitter {
  readonly writes: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.writes.push(chunk);
    return true;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** Key presses arrive through `readable` + `read()`, as Ink expects from a TTY in raw mode. */
export class FakeStdin extends EventEmitter {
  constructor(readonly isTTY: boolean) {
    super();
  }
  private queue: string[] = [];
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  type(chunk: string): void {
    this.queue.push(chunk);
    this.emit('readable');
  }
}

export const KEY = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', enter: '\r', escape: '\u001B', pageUp: '\u001B[5~', pageDown: '\u001B[6~', ctrlC: '\u0003' };

export interface Mounted {
  /** The last frame drawn, without the trailing newline. */
  frame(): string;
  lines(): string[];
  press(chunk: string): Promise<void>;
  /** Polls the frames until `test` passes, failing with the last frame after `ms`. */
  waitFor(test: RegExp | ((frame: string) => boolean), ms?: number): Promise<string>;
  resize(columns: number, rows: number): Promise<void>;
  exitCode: Promise<number>;
  stdout: FakeStdout;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

export function mountDashboard(pool: PoolControl, size = { columns: 80, rows: 24 }, opts: DashboardOptions = {}, stdinIsTTY = true): Mounted {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin(stdinIsTTY);
  const exitCode = renderDashboard(pool, {
    configPath: 'test.json',
    color: false,
    unicode: true,
    alternateScreen: false,
    debug: true,
    refreshMs: 20,
    ...opts,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  const frame = () => {
    // Ink's frames in debug mode end with the frame itself; the summary written at exit is not a frame.
    const frames = stdout.writes.filter((w) => !w.startsWith('pcount-tui: '));
    return (frames[frames.length - 1] ?? '').replace(/\n$/, '');
  };
  // A deadline for failing, not a pause: generous, because unit tests run side by side on a busy machine.
  const waitFor = async (test: RegExp | ((f: string) => boolean), ms = 10_000) => {
    const ok = typeof test === 'function' ? test : (f: string) => test.test(f);
    const deadline = Date.now() + ms;
    while (!ok(frame())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(test)}; last frame:\n${frame()}`);
      await tick();
    }
    return frame();
  };
  return {
    frame,
    lines: () => frame().split('\n'),
    press: async (chunk) => {
      stdin.type(chunk);
      await tick();
    },
    waitFor,
    resize: async (columns, rows) => {
      stdout.resize(columns, rows);
      await tick();
    },
    exitCode,
    stdout,
  };
}
