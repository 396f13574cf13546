export interface BatcherOptions<I, O> {
  /** A batch is sent as soon as it has this many items… */
  batchSize: number;
  /** …or this long after its first item arrived, whichever comes first. */
  timeoutMs: number;
  /** Items waiting beyond this are dropped, oldest first (memory stays bounded when analysis falls behind). */
  maxQueued: number;
  /** Analyses one batch; resolves with one result per item, in order. */
  analyse(items: I[]): Promise<O[]>;
  onResult(item: I, result: O): void;
  /** A batch failed (or returned the wrong number of results): its items get no result. */
  onError(items: I[], error: Error): void;
  onDropped?(item: I): void;
}

/**
 * Collects items into batches for an analyser that works on one batch at a time: `push` never waits, a batch goes
 * when it is full or when its oldest item has waited `timeoutMs`, and results come back in the order items came in.
 */
export class Batcher<I, O> {
  private readonly queue: I[] = [];
  private timer: NodeJS.Timeout | null = null;
  private due = false;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private flushing = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions<I, O>) {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new RangeError(`batch size must be an integer ≥ 1, got ${o.batchSize}`);
    if (!(o.timeoutMs >= 0)) throw new RangeError(`batch time-out must be ≥ 0 ms, got ${o.timeoutMs}`);
  }

  /** Items waiting for a batch (not counting the one being analysed). */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.inFlight !== null || this.queue.length > 0;
  }

  push(item: I): void {
    if (this.stopped) throw new Error('batcher: push after stop');
    this.queue.push(item);
    while (this.queue.length > this.o.maxQueued) this.o.onDropped?.(this.queue.shift()!);
    if (this.queue.length === 1 && !this.timer && !this.due) this.arm();
    this.pump();
  }

  /** Sends whatever waits now, and resolves once every item pushed so far has its result or error. */
  async flush(): Promise<void> {
    this.flushing += 1;
    try {
      this.pump();
      while (this.busy) await new Promise<void>((r) => this.idle.push(r));
    } finally {
      this.flushing -= 1;
    }
  }

  /** Flushes, then refuses further items. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
    this.disarm();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = true;
      this.pump();
    }, this.o.timeoutMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) {
      if (!this.inFlight && this.queue.length === 0) this.wakeIdle();
      return;
    }
    if (this.queue.length < this.o.batchSize && !this.due && this.flushing === 0) return;
    const batch = this.queue.splice(0, this.o.batchSize);
    this.disarm();
    this.due = false;
    // Items left behind a full batch start a new wait; a flush sends them anyway.
    if (this.queue.length > 0 && this.flushing === 0) this.arm();
    this.inFlight = this.run(batch).finally(() => {
      this.inFlight = null;
      this.pump();
    });
  }

  private async run(batch: I[]): Promise<void> {
    let results: O[];
    try {
      results = await this.o.analyse(batch);
      if (results.length !== batch.length) throw new Error(`analyser returned ${results.length} results for ${batch.length} items`);
    } catch (err) {
      this.o.onError(batch, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    batch.forEach((item, i) => this.o.onResult(item, results[i]));
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}
