/**
 * Frame-sized buffers used again instead of a fresh one per frame: a source-size frame (663 kB at 768×576, 3 MB at
 * 1080p) allocated per frame costs page faults to fill and a garbage collection every few dozen frames. The buffers
 * are shared memory, so the detector thread reads a frame where it is, without a copy.
 *
 * A buffer is handed out held once; whoever else keeps it (the detector thread while it works on it) holds it too,
 * and it is handed out again only after every holder released it. Holds are counted per buffer in a WeakMap, so a
 * frame whose holder never releases it (a run that ends early) is simply collected; it is never handed out twice.
 */
export class FramePool {
  private readonly free: SharedArrayBuffer[] = [];
  private readonly holds = new WeakMap<SharedArrayBuffer, number>();
  /** Buffers allocated so far (tests and benchmarks). */
  allocated = 0;

  /** Free buffers kept at most: more than the frames ever in flight at once, fewer than a burst could leave. */
  constructor(private readonly keep = 8) {}

  /** A buffer of `bytes` nobody holds, held once by the caller. */
  acquire(bytes: number): Uint8Array {
    let buffer = this.free.pop();
    // Buffers of another size (the source changed size on a reconnect) are dropped.
    while (buffer && buffer.byteLength !== bytes) buffer = this.free.pop();
    if (!buffer) {
      buffer = new SharedArrayBuffer(bytes);
      this.allocated += 1;
    }
    this.holds.set(buffer, 1);
    return new Uint8Array(buffer);
  }

  /** Whether `data` is a whole buffer of this pool that someone holds. */
  isHeld(data: Uint8Array): boolean {
    return this.count(data) > 0;
  }

  retain(data: Uint8Array): void {
    const n = this.count(data);
    if (n === 0) throw new Error('FramePool: retain of a buffer nobody holds');
    this.holds.set(data.buffer as SharedArrayBuffer, n + 1);
  }

  release(data: Uint8Array): void {
    const n = this.count(data);
    if (n === 0) throw new Error('FramePool: release of a buffer nobody holds');
    const buffer = data.buffer as SharedArrayBuffer;
    this.holds.set(buffer, n - 1);
    if (n === 1 && this.free.length < this.keep) this.free.push(buffer);
  }

  private count(data: Uint8Array): number {
    const buffer = data.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) return 0;
    return this.holds.get(buffer) ?? 0;
  }
}
