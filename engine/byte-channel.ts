/**
 * A byte stream between the guest and the host (a serial port, the printer,
 * the 0xE9 debug console). Output is kept whole so a suite can match on all of
 * it; listeners see bytes as the guest writes them.
 */
export type ByteListener = (bytes: Uint8Array) => void;

export class ByteChannel {
  private chunks: Uint8Array[] = [];
  private length = 0;
  private listeners: ByteListener[] = [];
  /** Bytes the host sent that the device has not taken yet. */
  private inbound: number[] = [];
  /** Called when the host sends bytes, so the device can raise its interrupt. */
  onInbound: () => void = () => {};

  constructor(readonly name: string) {}

  /** Device side: the guest produced bytes. */
  emit(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
    for (const l of this.listeners) l(bytes);
  }

  emitByte(byte: number): void {
    this.emit(Uint8Array.of(byte & 0xff));
  }

  /** Everything the guest has written so far. */
  output(): Uint8Array {
    if (this.chunks.length > 1) {
      const all = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  /** Output decoded as Latin-1, so every byte maps to exactly one character. */
  text(): string {
    return Buffer.from(this.output()).toString('latin1');
  }

  get outputLength(): number {
    return this.length;
  }

  onData(listener: ByteListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Host side: send bytes to the guest. */
  send(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const b of bytes) this.inbound.push(b);
    this.onInbound();
  }

  /** Device side: take the next inbound byte, or -1 when there is none. */
  takeInbound(): number {
    return this.inbound.length > 0 ? this.inbound.shift()! : -1;
  }

  get inboundPending(): number {
    return this.inbound.length;
  }

  /** For snapshots. */
  saveState(): { output: Uint8Array; inbound: Uint8Array } {
    return { output: this.output().slice(), inbound: Uint8Array.from(this.inbound) };
  }

  loadState(s: { output: Uint8Array; inbound: Uint8Array }): void {
    this.chunks = [s.output.slice()];
    this.length = s.output.length;
    this.inbound = Array.from(s.inbound);
  }
}
