/** An append-only list that keeps only its newest `capacity` items (logs, time series, crossings). */
export class Bounded<T> {
  private items: T[] = [];
  private droppedCount = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    // Trimming in batches keeps push amortised O(1) instead of shifting the array on every item.
    if (this.items.length > this.capacity * 1.25 + 16) this.trim();
  }

  /** The kept items, oldest first. */
  toArray(): T[] {
    this.trim();
    return this.items.slice();
  }

  /** How many items were pushed out so far (for exports to say that they are partial). */
  get dropped(): number {
    this.trim();
    return this.droppedCount;
  }

  /** Removes the kept items that match (rare: a count taking back what it had counted). */
  removeWhere(match: (item: T) => boolean): void {
    this.items = this.items.filter((item) => !match(item));
  }

  clear(): void {
    this.items = [];
    this.droppedCount = 0;
  }

  private trim(): void {
    const extra = this.items.length - this.capacity;
    if (extra > 0) {
      this.items.splice(0, extra);
      this.droppedCount += extra;
    }
  }
}
