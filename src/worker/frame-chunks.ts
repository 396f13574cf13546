/**
 * The bytes ffmpeg has written and no frame has taken yet, kept as the chunks they came in: a frame that lies inside
 * one chunk is handed out as a view of it, so that the common case copies nothing, unless the caller gives the
 * buffer the frame must land in (a pooled one, see frame-pool.ts).
 */
export class FrameChunks {
  private readonly chunks: Buffer[] = [];
  private chunkOffset = 0;
  /** Bytes held. */
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The next `size` bytes, in `into` when given; the caller has checked that `length >= size`. */
  take(size: number, into?: Uint8Array): Uint8Array {
    const head = this.chunks[0];
    let data: Uint8Array;
    if (!into && head.length - this.chunkOffset >= size) {
      // The whole frame is inside one chunk: hand out a view, no copy.
      data = head.subarray(this.chunkOffset, this.chunkOffset + size);
      this.chunkOffset += size;
      if (this.chunkOffset === head.length) this.shiftChunk();
    } else {
      data = into ?? new Uint8Array(size);
      let filled = 0;
      while (filled < size) {
        const c = this.chunks[0];
        const n = Math.min(size - filled, c.length - this.chunkOffset);
        data.set(c.subarray(this.chunkOffset, this.chunkOffset + n), filled);
        filled += n;
        this.chunkOffset += n;
        if (this.chunkOffset === c.length) this.shiftChunk();
      }
    }
    this.length -= size;
    return data;
  }

  private shiftChunk(): void {
    this.chunks.shift();
    this.chunkOffset = 0;
  }
}
