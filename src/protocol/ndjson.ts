import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';

/**
 * Splits a byte or text stream into lines. Keeps a partial last line until its newline arrives, accepts LF and
 * CRLF, and decodes UTF-8 across chunk boundaries. A line longer than `maxLineBytes` is cut off and reported
 * instead of growing the buffer without bound (a child that prints garbage must not exhaust the parent's memory).
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private discarding = false;

  constructor(private readonly maxLineBytes = 4 * 1024 * 1024) {}

  /** Returns the complete lines in `chunk` (without their line ending), in order. */
  push(chunk: Buffer | string): string[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.discarding) {
      // The rest of an overlong line is dropped as it comes, without being kept until its end.
      const end = text.indexOf('\n');
      if (end < 0) return [];
      text = text.slice(end + 1);
      this.discarding = false;
    }
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    const lines = parts.map(stripCr);
    if (this.pending.length > this.maxLineBytes) {
      this.pending = '';
      this.discarding = true;
      lines.push(OVERLONG);
    }
    return lines;
  }

  /** The last line when the stream ended without a newline, else nothing. */
  end(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (this.discarding) return [];
    return rest.length > 0 ? [stripCr(rest)] : [];
  }
}

/** Stands for a line that was dropped for being too long; it never parses as JSON. */
export const OVERLONG = '\u0000overlong line dropped';

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export type NdjsonItem = { ok: true; value: unknown; line: string } | { ok: false; error: string; line: string };

/** Parses one line; blank lines yield nothing. */
export function parseLine(line: string): NdjsonItem | null {
  if (line.trim() === '') return null;
  if (line === OVERLONG) return { ok: false, error: 'line too long, dropped', line: '' };
  try {
    return { ok: true, value: JSON.parse(line) as unknown, line };
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}`, line };
  }
}

/**
 * Reads NDJSON from a stream: one item per non-blank line, either the parsed value or why the line is not JSON
 * (the caller decides whether a stray line is fatal). Ends when the stream ends or is destroyed.
 */
export async function* readNdjson(stream: Readable, maxLineBytes?: number): AsyncGenerator<NdjsonItem> {
  const splitter = new LineSplitter(maxLineBytes);
  try {
    for await (const chunk of stream) {
      for (const line of splitter.push(chunk as Buffer | string)) {
        const item = parseLine(line);
        if (item) yield item;
      }
    }
  } catch (err) {
    // A destroyed or reset pipe ends the reading like an end of stream; what was read stays delivered.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
  for (const line of splitter.end()) {
    const item = parseLine(line);
    if (item) yield item;
  }
}

/** Callback form of {@link readNdjson} for event-driven code (a child's stdout in the orchestrator pool). */
export function onNdjsonLines(stream: Readable, onItem: (item: NdjsonItem) => void, maxLineBytes?: number): void {
  const splitter = new LineSplitter(maxLineBytes);
  const emit = (lines: string[]) => {
    for (const line of lines) {
      const item = parseLine(line);
      if (item) onItem(item);
    }
  };
  stream.on('data', (chunk: Buffer | string) => emit(splitter.push(chunk)));
  stream.on('end', () => emit(splitter.end()));
}

/**
 * Writes one JSON object per line. `write` reports backpressure by returning false; `drained()` resolves once the
 * stream wants more. When the reader goes away (EPIPE, or the stream is destroyed) the writer turns into a no-op,
 * calls `onClosed` once, and never throws: a closed stdout is a normal way for a pipeline to end.
 */
export class NdjsonWriter {
  private closedFlag = false;
  private waiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];

  constructor(
    private readonly stream: Writable,
    private readonly onClosed: (reason: string) => void = () => {},
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => this.markClosed(err.code ?? err.message));
    stream.on('close', () => this.markClosed('closed'));
    stream.on('drain', () => this.release());
  }

  get closed(): boolean {
    return this.closedFlag || this.stream.destroyed || this.stream.writableEnded;
  }

  /** Serialises and writes `value` as one line. Returns false when the caller should wait for `drained()`. */
  write(value: unknown): boolean {
    if (this.closed) return true;
    try {
      return this.stream.write(`${JSON.stringify(value)}\n`);
    } catch (err) {
      this.markClosed((err as NodeJS.ErrnoException).code ?? 'write failed');
      return true;
    }
  }

  /** Resolves when buffered data has been flushed below the high-water mark, or the stream closed. */
  drained(): Promise<void> {
    if (this.closed || !this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once everything written so far has been handed to the OS (or the stream closed). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.stream.write('', () => resolve());
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private markClosed(reason: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.release();
    for (const w of this.closeWaiters.splice(0)) w();
    this.onClosed(reason);
  }
}
