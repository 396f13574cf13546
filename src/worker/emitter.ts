import { mapEventStrings } from '../common/terminal-text.js';
import { LOG_LEVELS, PROTOCOL_VERSION, type LogLevel, type WorkerEvent } from '../protocol/events.js';
import type { NdjsonWriter } from '../protocol/ndjson.js';

type Body<E> = E extends WorkerEvent ? Omit<E, 'v' | 'task' | 'ts'> : never;
export type EventBody = Body<WorkerEvent>;

/**
 * Stamps events with `v`, `task` and `ts`, filters `log` events by level, and writes them as NDJSON. Every string of
 * every event goes through `clean` first (see src/worker/text.ts): messages quote ffmpeg and the source.
 */
export class Emitter {
  private held: EventBody[] | null = null;

  constructor(
    private readonly writer: NdjsonWriter,
    readonly task: string,
    private readonly minLevel: LogLevel = 'info',
    private readonly clean: (text: string) => string = (text) => text,
  ) {}

  /** Returns false under backpressure: the caller should `await drained()` before producing more. */
  emit(body: EventBody): boolean {
    const { type, ...rest } = mapEventStrings(body, this.clean);
    return this.writer.write({ v: PROTOCOL_VERSION, type, task: this.task, ts: Date.now(), ...rest });
  }

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.minLevel)) return;
    if (this.held) this.held.push({ type: 'log', level, message });
    else this.emit({ type: 'log', level, message });
  }

  /** Keeps `log` events back until `releaseLogs()`, so that `hello` can be the first line although setup logs first. */
  holdLogs(): void {
    this.held ??= [];
  }

  releaseLogs(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const body of held) this.emit(body);
  }

  drained(): Promise<void> {
    return this.writer.drained();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  get closed(): boolean {
    return this.writer.closed;
  }
}
