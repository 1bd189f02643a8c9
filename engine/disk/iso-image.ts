/**
 * An ISO 9660 CD-ROM image: 2048-byte logical sectors (ECMA-119 section 6.1.2),
 * read-only. The BlockDevice view exposes it as 512-byte sectors so generic
 * code can hash or copy it; the ATAPI device uses `read2048`.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE, type BlockDevice, type ChsGeometry } from './block-device.js';
import { fileSize, openImageFile, preadFull } from './file-io.js';
import { checkRequest } from './range-check.js';

export const CD_SECTOR_SIZE = 2048;

/** True when `fd` holds a primary/supplementary volume descriptor ("CD001" at byte 1 of sector 16). */
export function looksLikeIso(fd: number): boolean {
  const b = new Uint8Array(6);
  if (preadFull(fd, b, 0, 6, 16 * CD_SECTOR_SIZE) < 6) return false;
  return b[1] === 0x43 && b[2] === 0x44 && b[3] === 0x30 && b[4] === 0x30 && b[5] === 0x31;
}

export class IsoImage implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly = true;
  /** CD-ROMs have no CHS geometry; this is a placeholder consistent with the size. */
  readonly geometry: ChsGeometry;
  /** Size in 2048-byte sectors. */
  readonly cdSectorCount: number;
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openImageFile(path, true);
    const size = fileSize(this.fd);
    if (size % CD_SECTOR_SIZE !== 0) {
      fs.closeSync(this.fd);
      throw new EngineInputError(
        `${path}: ISO image size ${size} is not a multiple of 2048 bytes (truncated at offset 0x${(size - (size % CD_SECTOR_SIZE)).toString(16)})`,
        path,
        size - (size % CD_SECTOR_SIZE),
      );
    }
    this.cdSectorCount = size / CD_SECTOR_SIZE;
    this.sectorCount = size / SECTOR_SIZE;
    this.geometry = { cylinders: Math.min(65535, Math.ceil(this.sectorCount / (64 * 32))), heads: 64, sectorsPerTrack: 32 };
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    checkRequest(this.path, this.sectorCount, lba, count, buf, offset);
    const len = count * SECTOR_SIZE;
    const got = preadFull(this.fd, buf, offset, len, lba * SECTOR_SIZE);
    if (got < len) buf.fill(0, offset + got, offset + len);
  }

  /** Read `count` 2048-byte sectors starting at CD LBA `lba`. */
  read2048(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    this.read(lba * 4, count * 4, buf, offset);
  }

  write(lba: number, count: number, _buf?: Uint8Array, _offset?: number): void {
    throw new Error(`${this.path}: ISO images are read-only (write of ${count} sectors at ${lba})`);
  }

  flush(): void {}

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}
