/**
 * Which byte ranges differ between two images (compared by content through
 * their BlockDevices, so a raw image and a VHD of it compare equal).
 */
import { SECTOR_SIZE, type BlockDevice } from './block-device.js';

export interface DiffRange {
  /** First differing byte (a multiple of the granularity). */
  offset: number;
  length: number;
}

export interface DiffResult {
  sizeA: number;
  sizeB: number;
  ranges: DiffRange[];
  /** Bytes in differing ranges. */
  changedBytes: number;
}

/**
 * Compare in `granularity`-byte units (a multiple of 512; default 64 KiB);
 * adjacent differing units merge into one range. Beyond the shorter image the
 * longer one is compared against zeros.
 */
export function diffDevices(a: BlockDevice, b: BlockDevice, granularity = 64 * 1024): DiffResult {
  if (granularity % SECTOR_SIZE !== 0 || granularity <= 0) throw new RangeError('granularity must be a positive multiple of 512');
  const unit = granularity / SECTOR_SIZE;
  const total = Math.max(a.sectorCount, b.sectorCount);
  const ba = new Uint8Array(granularity);
  const bb = new Uint8Array(granularity);
  const ranges: DiffRange[] = [];
  let changed = 0;
  const readPadded = (d: BlockDevice, lba: number, n: number, buf: Uint8Array): void => {
    const have = Math.max(0, Math.min(n, d.sectorCount - lba));
    if (have > 0) d.read(lba, have, buf);
    buf.fill(0, have * SECTOR_SIZE, n * SECTOR_SIZE);
  };
  for (let lba = 0; lba < total; lba += unit) {
    const n = Math.min(unit, total - lba);
    readPadded(a, lba, n, ba);
    readPadded(b, lba, n, bb);
    const len = n * SECTOR_SIZE;
    let same = true;
    for (let i = 0; i < len; i++) {
      if (ba[i] !== bb[i]) {
        same = false;
        break;
      }
    }
    if (same) continue;
    const off = lba * SECTOR_SIZE;
    const last = ranges[ranges.length - 1];
    if (last && last.offset + last.length === off) last.length += len;
    else ranges.push({ offset: off, length: len });
    changed += len;
  }
  return { sizeA: a.sectorCount * SECTOR_SIZE, sizeB: b.sectorCount * SECTOR_SIZE, ranges, changedBytes: changed };
}
