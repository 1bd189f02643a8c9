/**
 * Reading and validating the on-disk structures of a VHD without touching
 * its data: footer (at end, 512 or legacy 511 bytes), dynamic header, BAT.
 * Shared by the BlockDevice implementations (which throw on the first
 * problem) and by vhd-check.ts (which reports every problem).
 */
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE } from './block-device.js';
import { preadFull } from './file-io.js';
import { parseDynamicHeader, VHD_DYNAMIC_HEADER_SIZE, type VhdDynamicHeader } from './vhd-dynamic-header.js';
import { parseVhdFooter, VHD_FOOTER_SIZE, VhdDiskType, vhdVirtualSize, type VhdFooter } from './vhd-footer.js';

export const BAT_UNUSED = 0xffffffff;

function hex(n: number): string {
  return '0x' + n.toString(16);
}

export interface FooterLocation {
  footer: VhdFooter;
  /** Where the footer starts: file size - 512, or file size - 511 for legacy images. */
  offset: number;
  legacy511: boolean;
}

/** True when the last 512 (or 511) bytes of the file start with "conectix". */
export function hasVhdCookieAtEnd(fd: number, size: number): boolean {
  const b = new Uint8Array(8);
  for (const back of [512, 511]) {
    if (size < back) continue;
    if (preadFull(fd, b, 0, 8, size - back) === 8 && String.fromCharCode(...b) === 'conectix') return true;
  }
  return false;
}

/**
 * Read the footer at the end of the file. Older Virtual PC releases wrote a
 * 511-byte footer (the spec's 512 minus the last reserved byte), so that is
 * accepted too, zero-padded.
 */
export function readVhdFooter(fd: number, path: string, size: number): FooterLocation {
  if (size < VHD_FOOTER_SIZE - 1) {
    throw new EngineInputError(`${path}: file is truncated: ${size} bytes is too small for a VHD footer at offset 0x0`, path, 0);
  }
  const buf = new Uint8Array(VHD_FOOTER_SIZE);
  if (size >= VHD_FOOTER_SIZE) {
    preadFull(fd, buf, 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
    if (String.fromCharCode(...buf.subarray(0, 8)) === 'conectix') {
      return { footer: parseVhdFooter(buf, path, size - VHD_FOOTER_SIZE), offset: size - VHD_FOOTER_SIZE, legacy511: false };
    }
  }
  buf.fill(0);
  preadFull(fd, buf, 0, VHD_FOOTER_SIZE - 1, size - (VHD_FOOTER_SIZE - 1));
  if (String.fromCharCode(...buf.subarray(0, 8)) === 'conectix') {
    return { footer: parseVhdFooter(buf, path, size - 511), offset: size - 511, legacy511: true };
  }
  // Give the footer error for the standard position, so the message points at it.
  return { footer: parseVhdFooter(buf.fill(0), path, size - VHD_FOOTER_SIZE), offset: size - VHD_FOOTER_SIZE, legacy511: false };
}

/** A byte range of metadata a data block must not overlap. */
export interface MetadataRange {
  start: number;
  end: number;
  what: string;
}

export interface DynamicLayout {
  footerLoc: FooterLocation;
  header: VhdDynamicHeader;
  headerOffset: number;
  /** BAT in host order; BAT_UNUSED marks an unallocated block. */
  bat: Uint32Array;
  sectorsPerBlock: number;
  /** Sector bitmap size in bytes, padded to a sector boundary (spec: "Sector Bitmap"). */
  bitmapBytes: number;
  virtualSize: number;
  metadata: MetadataRange[];
}

function fail(path: string, offset: number, what: string): never {
  throw new EngineInputError(`${path}: ${what} at offset ${hex(offset)}`, path, offset);
}

/** Read footer, dynamic header and BAT of a dynamic or differencing VHD, validating each. */
export function loadDynamicLayout(fd: number, path: string, size: number, footerLoc: FooterLocation): DynamicLayout {
  const { footer } = footerLoc;
  const fo = footerLoc.offset;
  if (footer.diskType !== VhdDiskType.Dynamic && footer.diskType !== VhdDiskType.Differencing) {
    fail(path, fo + 60, `footer disk type ${footer.diskType} is not dynamic or differencing`);
  }
  const ho = footer.dataOffset;
  if (ho === null || ho % SECTOR_SIZE !== 0 || ho < VHD_FOOTER_SIZE || ho + VHD_DYNAMIC_HEADER_SIZE > fo) {
    fail(path, fo + 16, `footer data offset ${ho === null ? 'none' : hex(ho)} does not point at a dynamic header inside the file`);
  }
  const hbuf = new Uint8Array(VHD_DYNAMIC_HEADER_SIZE);
  preadFull(fd, hbuf, 0, VHD_DYNAMIC_HEADER_SIZE, ho);
  const header = parseDynamicHeader(hbuf, path, ho);
  const virtualSize = vhdVirtualSize(footer);
  const needed = Math.ceil(virtualSize / header.blockSize);
  if (header.maxTableEntries < needed) {
    fail(
      path,
      ho + 28,
      `dynamic header max table entries ${header.maxTableEntries} cannot cover the virtual size ${virtualSize} (needs ${needed} blocks of ${header.blockSize})`,
    );
  }
  const batBytes = Math.ceil((header.maxTableEntries * 4) / SECTOR_SIZE) * SECTOR_SIZE;
  const to = header.tableOffset;
  if (to % SECTOR_SIZE !== 0 || to < VHD_FOOTER_SIZE || to + header.maxTableEntries * 4 > fo) {
    fail(path, ho + 16, `block allocation table (offset ${hex(to)}, ${header.maxTableEntries} entries) lies outside the file (footer at ${hex(fo)})`);
  }
  const metadata: MetadataRange[] = [
    { start: 0, end: VHD_FOOTER_SIZE, what: 'footer copy' },
    { start: ho, end: ho + VHD_DYNAMIC_HEADER_SIZE, what: 'dynamic header' },
    { start: to, end: to + batBytes, what: 'block allocation table' },
  ];
  if (to < ho + VHD_DYNAMIC_HEADER_SIZE && to + batBytes > ho) {
    fail(path, ho + 16, `block allocation table at ${hex(to)} overlaps the dynamic header at ${hex(ho)}`);
  }
  for (const l of header.locators) {
    if (l.platformDataLength === 0) continue;
    const end = l.platformDataOffset + l.platformDataLength;
    if (l.platformDataOffset < VHD_FOOTER_SIZE || end > fo) {
      fail(path, l.entryOffset + 16, `parent locator "${l.platformCode}" data (${hex(l.platformDataOffset)}+${l.platformDataLength}) lies outside the file`);
    }
    if (l.platformDataLength > 64 * 1024) {
      fail(path, l.entryOffset + 8, `parent locator "${l.platformCode}" data length ${l.platformDataLength} is absurd`);
    }
    metadata.push({
      start: l.platformDataOffset,
      end: l.platformDataOffset + Math.ceil(l.platformDataLength / SECTOR_SIZE) * SECTOR_SIZE,
      what: `parent locator "${l.platformCode}" data`,
    });
  }
  const raw = new Uint8Array(header.maxTableEntries * 4);
  preadFull(fd, raw, 0, raw.length, to);
  const bat = new Uint32Array(header.maxTableEntries);
  const dv = new DataView(raw.buffer);
  const sectorsPerBlock = header.blockSize / SECTOR_SIZE;
  const bitmapBytes = Math.ceil(sectorsPerBlock / 8 / SECTOR_SIZE) * SECTOR_SIZE;
  const extent = bitmapBytes + header.blockSize;
  let allocated = 0;
  for (let i = 0; i < bat.length; i++) {
    const e = dv.getUint32(i * 4);
    bat[i] = e;
    if (e === BAT_UNUSED) continue;
    allocated++;
    const start = e * SECTOR_SIZE;
    if (start + extent > fo) {
      fail(path, to + i * 4, `BAT entry ${i} points at ${hex(start)}, past the end of the data area (footer at ${hex(fo)})`);
    }
    for (const m of metadata) {
      if (start < m.end && start + extent > m.start) {
        fail(path, to + i * 4, `BAT entry ${i} block at ${hex(start)} overlaps the ${m.what} at ${hex(m.start)}`);
      }
    }
  }
  if (allocated > 1) {
    const sorted = new Float64Array(allocated);
    const idx = new Uint32Array(allocated);
    let k = 0;
    for (let i = 0; i < bat.length; i++) if (bat[i] !== BAT_UNUSED) idx[k++] = i;
    idx.sort((a, b) => bat[a]! - bat[b]!);
    for (let i = 0; i < allocated; i++) sorted[i] = bat[idx[i]!]! * SECTOR_SIZE;
    for (let i = 1; i < allocated; i++) {
      if (sorted[i]! < sorted[i - 1]! + extent) {
        const j = idx[i]!;
        fail(path, to + j * 4, `BAT entry ${j} block at ${hex(sorted[i]!)} overlaps the block of BAT entry ${idx[i - 1]!}`);
      }
    }
  }
  return { footerLoc, header, headerOffset: ho, bat, sectorsPerBlock, bitmapBytes, virtualSize, metadata };
}
