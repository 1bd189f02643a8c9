/**
 * Dynamic and differencing VHDs as a BlockDevice (VHD spec v1.0, sections
 * "Dynamic Hard Disk Image" and "Differencing Hard Disk Image").
 *
 * The disk is split into blocks (normally 2 MiB). The BAT maps a block to the
 * file sector where its data starts; each block on disk is a sector bitmap
 * (one bit per sector, padded to a 512-byte boundary) followed by the data.
 * A clear bit means "not in this file": zeros for a dynamic disk, the
 * parent's sector for a differencing disk.
 *
 * The BAT and bitmaps are cached in typed arrays; contiguous runs of present
 * (or absent) sectors are read with one positioned read each.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE, type BlockDevice, type ChsGeometry } from './block-device.js';
import { fileSize, openImageFile, preadFull, pwriteFull } from './file-io.js';
import { checkRequest } from './range-check.js';
import { encodeVhdFooter, VhdDiskType, type VhdFooter } from './vhd-footer.js';
import type { VhdDynamicHeader } from './vhd-dynamic-header.js';
import { BAT_UNUSED, loadDynamicLayout, readVhdFooterStrict, type DynamicLayout, type FooterLocation } from './vhd-layout.js';

export interface VhdDynamicOptions {
  readOnly?: boolean;
  /**
   * 'fsync' (default): block allocation syncs (fdatasync, which also
   * persists the new file size) so a power loss leaves a valid image. 'none': ordering is kept (so a killed process still leaves
   * a valid image) but nothing is fsynced until flush(); for throwaway overlays.
   */
  durability?: 'fsync' | 'none';
  /** Differencing disks: opens the parent named by the header (see open-image.ts). */
  openParent?: (child: VhdDynamic) => BlockDevice;
  /** Already-parsed footer (open-image.ts reads it to detect the format). */
  footerLoc?: FooterLocation;
}

const FULL = 1;
const PARTIAL = 2;

export class VhdDynamic implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly geometry: ChsGeometry;
  readonly footer: VhdFooter;
  readonly header: VhdDynamicHeader;
  readonly layout: DynamicLayout;
  /** The parent of a differencing disk, else null. */
  parent: BlockDevice | null = null;
  private fd: number;
  private readonly bat: Uint32Array;
  private readonly spb: number;
  private readonly spbShift: number;
  private readonly bitmapBytes: number;
  /** Per block: 0 = bitmap not loaded, FULL = every sector present, PARTIAL = see `bitmaps`. */
  private readonly blockState: Uint8Array;
  private readonly bitmaps: (Uint8Array | undefined)[];
  private footerOffset: number;
  private readonly footerBytes: Uint8Array;
  private readonly durability: 'fsync' | 'none';
  private dirty = false;
  private readonly entryBuf = new Uint8Array(4);

  constructor(
    readonly path: string,
    opts: VhdDynamicOptions = {},
  ) {
    this.readOnly = opts.readOnly ?? false;
    this.durability = opts.durability ?? 'fsync';
    this.fd = openImageFile(path, this.readOnly);
    try {
      const size = fileSize(this.fd);
      const loc = opts.footerLoc ?? readVhdFooterStrict(this.fd, path, size);
      this.layout = loadDynamicLayout(this.fd, path, size, loc)!;
      this.footer = loc.footer;
      this.header = this.layout.header;
      this.bat = this.layout.bat;
      this.spb = this.layout.sectorsPerBlock;
      this.spbShift = Math.log2(this.spb);
      this.bitmapBytes = this.layout.bitmapBytes;
      this.sectorCount = this.layout.virtualSize / SECTOR_SIZE;
      this.geometry = { ...this.footer.geometry };
      this.blockState = new Uint8Array(this.bat.length);
      this.bitmaps = new Array<Uint8Array | undefined>(this.bat.length);
      // New blocks go where the footer is; with a legacy 511-byte footer that
      // is not sector aligned, so round up (the gap is unused space).
      this.footerOffset = loc.offset;
      this.footerBytes = encodeVhdFooter(this.footer);
      if (this.footer.diskType === VhdDiskType.Differencing) {
        if (!opts.openParent) throw new EngineInputError(`${path}: differencing VHD opened without a parent resolver`, path, 0);
        this.parent = opts.openParent(this);
        if (this.parent.sectorCount < this.sectorCount) {
          this.parent.close();
          throw new EngineInputError(
            `${path}: parent is smaller (${this.parent.sectorCount} sectors) than the differencing disk (${this.sectorCount} sectors)`,
            path,
            loc.offset + 48,
          );
        }
      }
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
  }

  /** Number of allocated blocks, and the total the BAT can hold. */
  allocation(): { allocated: number; total: number } {
    let allocated = 0;
    for (let i = 0; i < this.bat.length; i++) if (this.bat[i] !== BAT_UNUSED) allocated++;
    return { allocated, total: Math.ceil(this.sectorCount / this.spb) };
  }

  blockSize(): number {
    return this.spb * SECTOR_SIZE;
  }

  /** File offset of block `b`'s data, or -1 when unallocated. */
  blockDataOffset(b: number): number {
    const e = this.bat[b]!;
    return e === BAT_UNUSED ? -1 : e * SECTOR_SIZE + this.bitmapBytes;
  }

  /** Load (once) the sector bitmap of allocated block `b`; returns FULL or PARTIAL. */
  private loadBitmap(b: number): number {
    const st = this.blockState[b]!;
    if (st !== 0) return st;
    const bm = new Uint8Array(this.bitmapBytes);
    preadFull(this.fd, bm, 0, this.bitmapBytes, this.bat[b]! * SECTOR_SIZE);
    // Only bits for sectors inside the disk matter (the last block may be partial).
    const inDisk = Math.min(this.spb, this.sectorCount - b * this.spb);
    let full = true;
    const wholeBytes = inDisk >>> 3;
    for (let i = 0; i < wholeBytes; i++) {
      if (bm[i] !== 0xff) {
        full = false;
        break;
      }
    }
    for (let s = wholeBytes << 3; full && s < inDisk; s++) if ((bm[s >>> 3]! & (0x80 >>> (s & 7))) === 0) full = false;
    if (full) {
      this.blockState[b] = FULL;
      return FULL;
    }
    this.bitmaps[b] = bm;
    this.blockState[b] = PARTIAL;
    return PARTIAL;
  }

  /** True when sector `s` (absolute) is stored in this file. */
  sectorPresent(s: number): boolean {
    const b = s >>> 0 === s ? s >>> this.spbShift : Math.floor(s / this.spb);
    if (this.bat[b] === BAT_UNUSED) return false;
    if (this.loadBitmap(b) === FULL) return true;
    const i = s - b * this.spb;
    return (this.bitmaps[b]![i >>> 3]! & (0x80 >>> (i & 7))) !== 0;
  }

  /**
   * Call `fn(lba, count)` for every maximal run of sectors stored in this
   * file (not inherited from the parent), in increasing order.
   */
  forEachPresentRun(fn: (lba: number, count: number) => void): void {
    let runStart = -1;
    let runEnd = -1;
    const emit = (lba: number, count: number): void => {
      if (lba === runEnd) {
        runEnd += count;
        return;
      }
      if (runStart >= 0) fn(runStart, runEnd - runStart);
      runStart = lba;
      runEnd = lba + count;
    };
    for (let b = 0; b < this.bat.length; b++) {
      if (this.bat[b] === BAT_UNUSED) continue;
      const base = b * this.spb;
      const inDisk = Math.min(this.spb, this.sectorCount - base);
      if (inDisk <= 0) continue;
      if (this.loadBitmap(b) === FULL) {
        emit(base, inDisk);
        continue;
      }
      const bm = this.bitmaps[b]!;
      let i = 0;
      while (i < inDisk) {
        if ((bm[i >>> 3]! & (0x80 >>> (i & 7))) === 0) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < inDisk && (bm[j >>> 3]! & (0x80 >>> (j & 7))) !== 0) j++;
        emit(base + i, j - i);
        i = j;
      }
    }
    if (runStart >= 0) fn(runStart, runEnd - runStart);
  }

  private readBackground(lba: number, count: number, buf: Uint8Array, offset: number): void {
    if (this.parent) this.parent.read(lba, count, buf, offset);
    else buf.fill(0, offset, offset + count * SECTOR_SIZE);
  }

  private readData(b: number, sib: number, count: number, buf: Uint8Array, offset: number): void {
    const pos = this.bat[b]! * SECTOR_SIZE + this.bitmapBytes + sib * SECTOR_SIZE;
    const len = count * SECTOR_SIZE;
    const got = preadFull(this.fd, buf, offset, len, pos);
    if (got < len) buf.fill(0, offset + got, offset + len);
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    checkRequest(this.path, this.sectorCount, lba, count, buf, offset);
    while (count > 0) {
      const b = Math.floor(lba / this.spb);
      const sib = lba - b * this.spb;
      const n = Math.min(count, this.spb - sib);
      if (this.bat[b] === BAT_UNUSED) {
        this.readBackground(lba, n, buf, offset);
      } else if (this.loadBitmap(b) === FULL) {
        this.readData(b, sib, n, buf, offset);
      } else {
        const bm = this.bitmaps[b]!;
        let i = sib;
        const end = sib + n;
        while (i < end) {
          const present = (bm[i >>> 3]! & (0x80 >>> (i & 7))) !== 0;
          let j = i + 1;
          while (j < end && ((bm[j >>> 3]! & (0x80 >>> (j & 7))) !== 0) === present) j++;
          const o = offset + (i - sib) * SECTOR_SIZE;
          if (present) this.readData(b, i, j - i, buf, o);
          else this.readBackground(b * this.spb + i, j - i, buf, o);
          i = j;
        }
      }
      lba += n;
      count -= n;
      offset += n * SECTOR_SIZE;
    }
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    if (this.readOnly) throw new Error(`${this.path}: image is read-only`);
    checkRequest(this.path, this.sectorCount, lba, count, buf, offset);
    while (count > 0) {
      const b = Math.floor(lba / this.spb);
      const sib = lba - b * this.spb;
      const n = Math.min(count, this.spb - sib);
      if (this.bat[b] === BAT_UNUSED) {
        this.allocateBlock(b, sib, n, buf, offset);
      } else {
        const pos = this.bat[b]! * SECTOR_SIZE + this.bitmapBytes + sib * SECTOR_SIZE;
        pwriteFull(this.fd, buf, offset, n * SECTOR_SIZE, pos);
        if (this.loadBitmap(b) !== FULL) this.markPresent(b, sib, n);
      }
      this.dirty = true;
      lba += n;
      count -= n;
      offset += n * SECTOR_SIZE;
    }
  }

  /**
   * Set bitmap bits for sectors [sib, sib+n) of block b and write the changed
   * bitmap bytes — after the data, so a crash between the two leaves the old
   * (parent) data visible rather than unwritten sectors.
   */
  private markPresent(b: number, sib: number, n: number): void {
    const bm = this.bitmaps[b]!;
    let lo = -1;
    let hi = -1;
    for (let i = sib; i < sib + n; i++) {
      const byte = i >>> 3;
      const bit = 0x80 >>> (i & 7);
      if ((bm[byte]! & bit) === 0) {
        bm[byte] = bm[byte]! | bit;
        if (lo < 0) lo = byte;
        hi = byte;
      }
    }
    if (lo < 0) return;
    pwriteFull(this.fd, bm, lo, hi - lo + 1, this.bat[b]! * SECTOR_SIZE + lo);
    // Once every sector is present, later reads of the block take the one-read path.
    const inDisk = Math.min(this.spb, this.sectorCount - b * this.spb);
    for (let i = 0; i < inDisk >>> 3; i++) if (bm[i] !== 0xff) return;
    for (let i = inDisk & ~7; i < inDisk; i++) if ((bm[i >>> 3]! & (0x80 >>> (i & 7))) === 0) return;
    this.blockState[b] = FULL;
    this.bitmaps[b] = undefined;
  }

  /**
   * Allocate block b and write sectors [sib, sib+n) of it.
   *
   * Crash-safe order (the spec's "Block Allocation Table" and "Hard Disk
   * Footer" sections define the structures; the ordering is ours): the BAT
   * entry is the only thing that makes a block visible, so it is written
   * last. Before that: (1) the footer is written at the new end of file and
   * fsynced — the file now ends in a valid footer and the old footer
   * position is unreferenced space; (2) the block's bitmap and data are
   * written over that space and fsynced; (3) the 4-byte BAT entry is
   * written (fsynced at the next flush; losing it only leaks the block).
   * A crash at any point leaves a valid image that reads the old data,
   * possibly with unreferenced space before the footer.
   */
  private allocateBlock(b: number, sib: number, n: number, buf: Uint8Array, offset: number): void {
    const blockStart = Math.ceil(this.footerOffset / SECTOR_SIZE) * SECTOR_SIZE;
    if (blockStart / SECTOR_SIZE > 0xfffffffe) throw new Error(`${this.path}: image file exceeds the VHD 2 TiB addressable limit`);
    const newFooter = blockStart + this.bitmapBytes + this.spb * SECTOR_SIZE;
    pwriteFull(this.fd, this.footerBytes, 0, this.footerBytes.length, newFooter);
    if (this.durability === 'fsync') fs.fdatasyncSync(this.fd);
    const bm = new Uint8Array(this.bitmapBytes);
    if (this.parent) {
      for (let i = sib; i < sib + n; i++) bm[i >>> 3] = bm[i >>> 3]! | (0x80 >>> (i & 7));
    } else {
      // A dynamic disk's new block is all zeros, so every sector is valid
      // (the file extension reads as zeros); mark it full like Virtual PC does.
      bm.fill(0xff);
    }
    pwriteFull(this.fd, bm, 0, this.bitmapBytes, blockStart);
    pwriteFull(this.fd, buf, offset, n * SECTOR_SIZE, blockStart + this.bitmapBytes + sib * SECTOR_SIZE);
    if (this.durability === 'fsync') fs.fdatasyncSync(this.fd);
    const entry = blockStart / SECTOR_SIZE;
    new DataView(this.entryBuf.buffer).setUint32(0, entry);
    pwriteFull(this.fd, this.entryBuf, 0, 4, this.header.tableOffset + b * 4);
    this.bat[b] = entry;
    this.footerOffset = newFooter;
    this.blockState[b] = 0;
    this.bitmaps[b] = undefined;
    if (this.parent) {
      this.bitmaps[b] = bm;
      this.blockState[b] = n === this.spb ? FULL : PARTIAL;
    } else {
      this.blockState[b] = FULL;
    }
  }

  flush(): void {
    if (this.dirty && this.fd >= 0) {
      fs.fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
    this.parent?.close();
    this.parent = null;
  }
}
