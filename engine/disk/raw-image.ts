/**
 * A raw disk image: byte n of the file is byte n of the disk. Also the data
 * area of a fixed VHD (see vhd-fixed.ts), which is a raw image with a footer.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE, type BlockDevice, type ChsGeometry } from './block-device.js';
import { fileSize, openImageFile, preadFull, pwriteFull } from './file-io.js';
import { checkRequest } from './range-check.js';
import { geometryForRawSize } from './vhd-geometry.js';

export interface RawImageOptions {
  readOnly?: boolean;
  /** Bytes of disk data at the start of the file (default: the whole file, which must be a sector multiple). */
  dataBytes?: number;
  geometry?: ChsGeometry;
}

export class RawImage implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly geometry: ChsGeometry;
  private fd: number;
  private dirty = false;

  constructor(
    readonly path: string,
    opts: RawImageOptions = {},
  ) {
    this.readOnly = opts.readOnly ?? false;
    this.fd = openImageFile(path, this.readOnly);
    try {
      const size = fileSize(this.fd);
      const data = opts.dataBytes ?? size;
      if (opts.dataBytes === undefined && size % SECTOR_SIZE !== 0) {
        throw new EngineInputError(
          `${path}: raw image size ${size} is not a multiple of 512 bytes (truncated at offset 0x${(size - (size % SECTOR_SIZE)).toString(16)})`,
          path,
          size - (size % SECTOR_SIZE),
        );
      }
      if (data > size) {
        throw new EngineInputError(`${path}: image is truncated: data needs ${data} bytes, file has ${size}`, path, size);
      }
      this.sectorCount = Math.floor(data / SECTOR_SIZE);
      this.geometry = opts.geometry ?? geometryForRawSize(data);
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    checkRequest(this.path, this.sectorCount, lba, count, buf, offset);
    const len = count * SECTOR_SIZE;
    const got = preadFull(this.fd, buf, offset, len, lba * SECTOR_SIZE);
    // A file shrunk underneath us reads as zeros rather than stale buffer bytes.
    if (got < len) buf.fill(0, offset + got, offset + len);
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    if (this.readOnly) throw new Error(`${this.path}: image is read-only`);
    checkRequest(this.path, this.sectorCount, lba, count, buf, offset);
    pwriteFull(this.fd, buf, offset, count * SECTOR_SIZE, lba * SECTOR_SIZE);
    this.dirty = true;
  }

  flush(): void {
    if (this.dirty) {
      fs.fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Create a raw image of `bytes` (sparse: the file is extended, not written). */
export function createRawImage(path: string, bytes: number): void {
  if (bytes % SECTOR_SIZE !== 0 || bytes <= 0) throw new RangeError(`raw image size ${bytes} must be a positive multiple of 512`);
  const fd = fs.openSync(path, 'wx');
  try {
    fs.ftruncateSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
}
