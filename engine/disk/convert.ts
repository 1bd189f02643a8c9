/**
 * Converting between image formats by copying sectors. All-zero chunks are
 * skipped: the new raw/fixed file is sparse and the new dynamic VHD leaves
 * those blocks unallocated, which reads back as the same zeros.
 */
import * as fs from 'node:fs';
import { SECTOR_SIZE, type BlockDevice } from './block-device.js';
import { openImage } from './open-image.js';
import { createRawImage } from './raw-image.js';
import { createDynamicVhd, createFixedVhd, vhdCreateSize, type CreateVhdOptions } from './vhd-create.js';

export type ConvertTarget = 'raw' | 'fixed' | 'dynamic';

export interface ConvertOptions extends CreateVhdOptions {
  to: ConvertTarget;
}

function isZero(buf: Uint8Array, len: number): boolean {
  // Compare 8 bytes at a time; buffers here are always 8-byte multiples.
  const words = new BigUint64Array(buf.buffer, buf.byteOffset, len >>> 3);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
  return true;
}

/** Copy `src` into a new image at `outPath`. Returns the output's size in bytes. */
export function convertDevice(src: BlockDevice, outPath: string, opts: ConvertOptions): number {
  const inBytes = src.sectorCount * SECTOR_SIZE;
  let outBytes = inBytes;
  if (opts.to === 'raw') createRawImage(outPath, inBytes);
  else {
    outBytes = vhdCreateSize(inBytes, opts);
    if (opts.to === 'fixed') createFixedVhd(outPath, inBytes, opts);
    else createDynamicVhd(outPath, inBytes, opts);
  }
  let out: BlockDevice | null = null;
  try {
    out = openImage(outPath, { format: opts.to === 'raw' ? 'raw' : 'vhd', durability: 'none' });
    const chunkSectors = 2048;
    const buf = new Uint8Array(chunkSectors * SECTOR_SIZE);
    for (let lba = 0; lba < src.sectorCount; lba += chunkSectors) {
      const n = Math.min(chunkSectors, src.sectorCount - lba);
      src.read(lba, n, buf);
      if (!isZero(buf, n * SECTOR_SIZE)) out.write(lba, n, buf);
    }
    out.flush();
    out.close();
    out = null;
  } catch (e) {
    out?.close();
    fs.rmSync(outPath, { force: true });
    throw e;
  }
  return outBytes;
}

export function convertImage(inPath: string, outPath: string, opts: ConvertOptions): number {
  const src = openImage(inPath, { readOnly: true });
  try {
    return convertDevice(src, outPath, opts);
  } finally {
    src.close();
  }
}
