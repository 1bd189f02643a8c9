/**
 * FIFO of bytes for host input that can grow large (a long `typeString`, a
 * pasted serial stream). `Array.prototype.shift` is O(n), so a queue of n
 * bytes would cost O(n²) to drain; this keeps a read index and compacts
 * only when the consumed prefix dominates.
 */
export class ByteQueue {
  private buf: number[] = [];
  private head = 0;

  get length(): number {
    return this.buf.length - this.head;
  }

  push(b: number): void {
    this.buf.push(b & 0xff);
  }

  pushAll(bytes: Iterable<number>): void {
    for (const b of bytes) this.buf.push(b & 0xff);
  }

  /** Next byte without removing it, or -1 when empty. */
  peek(): number {
    return this.head < this.buf.length ? this.buf[this.head] : -1;
  }

  /** Remove and return the next byte, or -1 when empty. */
  shift(): number {
    if (this.head >= this.buf.length) return -1;
    const b = this.buf[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  clear(): void {
    this.buf = [];
    this.head = 0;
  }

  toArray(): number[] {
    return this.buf.slice(this.head);
  }

  /** Replace the contents (snapshot restore). */
  load(bytes: readonly number[]): void {
    this.buf = bytes.map((b) => b & 0xff);
    this.head = 0;
  }
}
