import { SECTOR_SIZE } from './block-device.js';

/** Validate a BlockDevice request; a bad request is a caller bug, so it throws RangeError. */
export function checkRequest(
  name: string,
  sectorCount: number,
  lba: number,
  count: number,
  buf: Uint8Array,
  offset: number,
): void {
  if (!Number.isInteger(lba) || !Number.isInteger(count) || lba < 0 || count < 0 || lba + count > sectorCount) {
    throw new RangeError(`${name}: sectors ${lba}+${count} outside 0..${sectorCount}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + count * SECTOR_SIZE > buf.length) {
    throw new RangeError(`${name}: buffer too small for ${count} sectors at offset ${offset}`);
  }
}
