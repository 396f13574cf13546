/**
 * When ffmpeg hands over only every Nth frame of a file (the detector needs no others), the frames in between still
 * happen: the tracker predicts on them and they are counted. This works out their 0-based indices from the indices
 * of the frames that did arrive. After the last one, the file's length (when known) says how many follow.
 */
export class FrameFiller {
  private last: number;
  private arrived = false;
  private ended = false;

  constructor(
    private readonly every: number,
    /** Frames in the file (duration × fps), or null when unknown: then nothing is added after the last frame. */
    private readonly total: number | null,
    /** 0-based index of the first frame read (a file opened at a later frame). */
    first = 0,
  ) {
    this.last = first - 1;
  }

  /** A frame with this index arrived: the indices of the frames skipped before it, in order. */
  before(index: number): number[] {
    this.arrived = true;
    const skipped = range(this.last + 1, index);
    this.last = Math.max(this.last, index);
    return skipped;
  }

  /**
   * The file ended: the indices of the frames after the last one that arrived, once. The length is the container's
   * word, which a file cut short or paused while recording does not keep: only the group the last frame began is filled.
   */
  tail(): number[] {
    if (this.total === null || !this.arrived || this.ended) return [];
    this.ended = true;
    const end = Math.min(this.total, this.last + this.every);
    const rest = range(this.last + 1, end);
    this.last = Math.max(this.last, end - 1);
    return rest;
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
