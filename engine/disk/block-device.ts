/**
 * A random-access disk as the devices see it: 512-byte sectors.
 *
 * Every image format (raw, ISO, VHD fixed/dynamic/differencing, overlays)
 * implements this one interface, so the floppy and IDE controllers never know
 * what file is behind them. Calls are synchronous: the emulated CPU is
 * synchronous, and a page-cached file read is cheaper than an await.
 */
export const SECTOR_SIZE = 512;

export interface ChsGeometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

export interface BlockDevice {
  /** Size in 512-byte sectors. */
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Geometry the image declares (VHD footer) or one derived from its size. */
  readonly geometry: ChsGeometry;
  /** Read `count` sectors starting at `lba` into `buf` (length >= count*512) at `offset`. */
  read(lba: number, count: number, buf: Uint8Array, offset?: number): void;
  /** Write `count` sectors from `buf`. Throws if read-only. */
  write(lba: number, count: number, buf: Uint8Array, offset?: number): void;
  /** Make every completed write durable (fsync order: data, then metadata). */
  flush(): void;
  close(): void;
}
