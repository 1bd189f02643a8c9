import type { BlockDevice, ChsGeometry } from '../../../engine/disk/block-device.js';

/** An in-memory disk for device tests; counts flushes so tests can see FLUSH CACHE reach it. */
export class MemoryBlockDevice implements BlockDevice {
  readonly data: Uint8Array;
  flushes = 0;
  readonly geometry: ChsGeometry;

  constructor(
    readonly sectorCount: number,
    readonly readOnly = false,
    geometry?: ChsGeometry,
  ) {
    this.data = new Uint8Array(sectorCount * 512);
    this.geometry = geometry ?? { cylinders: Math.max(1, Math.floor(sectorCount / (16 * 63))), heads: 16, sectorsPerTrack: 63 };
  }

  /** Fill every sector with a pattern that names its LBA, so misplaced reads are visible. */
  fillPattern(): this {
    for (let lba = 0; lba < this.sectorCount; lba++) {
      for (let i = 0; i < 512; i++) this.data[lba * 512 + i] = (lba * 7 + i + (lba >>> 8)) & 0xff;
    }
    return this;
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    if (lba < 0 || lba + count > this.sectorCount) throw new Error(`read past end: ${lba}+${count}`);
    buf.set(this.data.subarray(lba * 512, (lba + count) * 512), offset);
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    if (this.readOnly) throw new Error('read-only');
    if (lba < 0 || lba + count > this.sectorCount) throw new Error(`write past end: ${lba}+${count}`);
    this.data.set(buf.subarray(offset, offset + count * 512), lba * 512);
  }

  flush(): void {
    this.flushes++;
  }

  close(): void {}
}

/** A huge disk whose unwritten sectors hold a pattern derived from their LBA (for LBA48 tests). */
export class SparseBlockDevice implements BlockDevice {
  readonly readOnly = false;
  readonly geometry: ChsGeometry = { cylinders: 16383, heads: 16, sectorsPerTrack: 63 };
  private readonly written = new Map<number, Uint8Array>();
  flushes = 0;

  constructor(readonly sectorCount: number) {}

  static patternByte(lba: number, i: number): number {
    return ((lba % 251) + i * 3 + Math.floor(lba / 0x100000000) * 17) & 0xff;
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    if (lba < 0 || lba + count > this.sectorCount) throw new Error(`read past end: ${lba}+${count}`);
    for (let s = 0; s < count; s++) {
      const w = this.written.get(lba + s);
      for (let i = 0; i < 512; i++) buf[offset + s * 512 + i] = w ? w[i] : SparseBlockDevice.patternByte(lba + s, i);
    }
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    for (let s = 0; s < count; s++) this.written.set(lba + s, buf.slice(offset + s * 512, offset + s * 512 + 512));
  }

  flush(): void {
    this.flushes++;
  }

  close(): void {}
}
