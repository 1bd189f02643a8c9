/**
 * Reading and validating the on-disk structures of a VHD without touching
 * its data: footer (at end, 512 or legacy 511 bytes), dynamic header, BAT.
 * Shared by the BlockDevice implementations (throwing reporter: the first
 * problem is an EngineInputError) and by vhd-check.ts (collecting reporter:
 * every problem, with its offset).
 */
import { SECTOR_SIZE } from './block-device.js';
import { preadFull } from './file-io.js';
import { parseDynamicHeader, VHD_DYNAMIC_HEADER_SIZE, type VhdDynamicHeader } from './vhd-dynamic-header.js';
import { parseVhdFooter, VHD_FOOTER_SIZE, VhdDiskType, vhdVirtualSize, type VhdFooter } from './vhd-footer.js';
import { throwingReporter, type Reporter } from './vhd-report.js';
import { MAX_LOCATOR_BYTES } from './vhd-differencing.js';

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

function cookieAt(fd: number, pos: number): boolean {
  const b = new Uint8Array(8);
  return pos >= 0 && preadFull(fd, b, 0, 8, pos) === 8 && String.fromCharCode(...b) === 'conectix';
}

/** True when the last 512 (or 511) bytes of the file start with "conectix". */
export function hasVhdCookieAtEnd(fd: number, size: number): boolean {
  return cookieAt(fd, size - 512) || cookieAt(fd, size - 511);
}

/**
 * Read the footer at the end of the file. Older Virtual PC releases wrote a
 * 511-byte footer (the spec's 512 minus the last reserved byte), so that is
 * accepted too, zero-padded. Null (after reporting) when there is none.
 */
export function readVhdFooter(fd: number, path: string, size: number, report: Reporter = throwingReporter(path)): FooterLocation | null {
  if (size < VHD_FOOTER_SIZE - 1) {
    report(0, 'footer', `file is truncated: ${size} bytes is too small for a VHD footer`);
    return null;
  }
  const buf = new Uint8Array(VHD_FOOTER_SIZE);
  let offset = size - VHD_FOOTER_SIZE;
  let legacy511 = false;
  if (!cookieAt(fd, offset) && cookieAt(fd, size - 511)) {
    offset = size - 511;
    legacy511 = true;
  }
  preadFull(fd, buf, 0, size - offset, offset);
  const footer = parseVhdFooter(buf, path, offset, report);
  return footer ? { footer, offset, legacy511 } : null;
}

/** Strict variant for opening images: throws on any problem. */
export function readVhdFooterStrict(fd: number, path: string, size: number): FooterLocation {
  return readVhdFooter(fd, path, size)!;
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
  /** BAT in host order; BAT_UNUSED marks an unallocated block (bad entries are reported and kept). */
  bat: Uint32Array;
  sectorsPerBlock: number;
  /** Sector bitmap size in bytes, padded to a sector boundary (spec: "Sector Bitmap"). */
  bitmapBytes: number;
  virtualSize: number;
  metadata: MetadataRange[];
  /** BAT indices whose entries were reported as bad (collecting mode only). */
  badEntries: Set<number>;
}

/**
 * Read footer, dynamic header and BAT of a dynamic or differencing VHD,
 * validating each. Null when a structure is too broken to go on.
 */
export function loadDynamicLayout(
  fd: number,
  path: string,
  size: number,
  footerLoc: FooterLocation,
  report: Reporter = throwingReporter(path),
): DynamicLayout | null {
  const { footer } = footerLoc;
  const fo = footerLoc.offset;
  if (footer.diskType !== VhdDiskType.Dynamic && footer.diskType !== VhdDiskType.Differencing) {
    report(fo + 60, 'footer', `disk type ${footer.diskType} is not dynamic or differencing`);
    return null;
  }
  const ho = footer.dataOffset;
  if (ho === null || ho % SECTOR_SIZE !== 0 || ho < VHD_FOOTER_SIZE || ho + VHD_DYNAMIC_HEADER_SIZE > fo) {
    report(fo + 16, 'footer', `data offset ${ho === null ? 'none' : hex(ho)} does not point at a dynamic header inside the file`);
    return null;
  }
  const hbuf = new Uint8Array(VHD_DYNAMIC_HEADER_SIZE);
  preadFull(fd, hbuf, 0, VHD_DYNAMIC_HEADER_SIZE, ho);
  const header = parseDynamicHeader(hbuf, path, ho, report);
  if (!header) return null;
  const virtualSize = vhdVirtualSize(footer);
  const needed = Math.ceil(virtualSize / header.blockSize);
  if (header.maxTableEntries < needed) {
    report(
      ho + 28,
      'dynamic header',
      `max table entries ${header.maxTableEntries} cannot cover the virtual size ${virtualSize} (needs ${needed} blocks of ${header.blockSize})`,
    );
    return null;
  }
  const batBytes = Math.ceil((header.maxTableEntries * 4) / SECTOR_SIZE) * SECTOR_SIZE;
  const to = header.tableOffset;
  if (to % SECTOR_SIZE !== 0 || to < VHD_FOOTER_SIZE || to + header.maxTableEntries * 4 > fo) {
    report(ho + 16, 'dynamic header', `block allocation table (offset ${hex(to)}, ${header.maxTableEntries} entries) lies outside the file (footer at ${hex(fo)})`);
    return null;
  }
  const metadata: MetadataRange[] = [
    { start: 0, end: VHD_FOOTER_SIZE, what: 'footer copy' },
    { start: ho, end: ho + VHD_DYNAMIC_HEADER_SIZE, what: 'dynamic header' },
    { start: to, end: to + batBytes, what: 'block allocation table' },
  ];
  if (to < ho + VHD_DYNAMIC_HEADER_SIZE && to + batBytes > ho) {
    report(ho + 16, 'dynamic header', `block allocation table at ${hex(to)} overlaps the dynamic header at ${hex(ho)}`);
  }
  for (const l of header.locators) {
    if (l.platformDataLength === 0) continue;
    if (l.platformDataLength > MAX_LOCATOR_BYTES) {
      report(l.entryOffset + 8, 'parent locator', `"${l.platformCode}" data length ${l.platformDataLength} is absurd`);
      continue;
    }
    const end = l.platformDataOffset + l.platformDataLength;
    if (l.platformDataOffset < VHD_FOOTER_SIZE || end > fo) {
      report(l.entryOffset + 16, 'parent locator', `"${l.platformCode}" data (${hex(l.platformDataOffset)}+${l.platformDataLength}) lies outside the file`);
      continue;
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
  const badEntries = new Set<number>();
  let allocated = 0;
  for (let i = 0; i < bat.length; i++) {
    const e = dv.getUint32(i * 4);
    bat[i] = e;
    if (e === BAT_UNUSED) continue;
    const start = e * SECTOR_SIZE;
    if (i >= needed) {
      report(to + i * 4, 'BAT', `entry ${i} is allocated (${hex(start)}) but lies beyond the virtual size`, 'warning');
    }
    if (start + extent > fo) {
      report(to + i * 4, 'BAT', `entry ${i} points at ${hex(start)}, past the end of the data area (footer at ${hex(fo)})`);
      badEntries.add(i);
      continue;
    }
    let overlaps = false;
    for (const m of metadata) {
      if (start < m.end && start + extent > m.start) {
        report(to + i * 4, 'BAT', `entry ${i} block at ${hex(start)} overlaps the ${m.what} at ${hex(m.start)}`);
        overlaps = true;
      }
    }
    if (overlaps) {
      badEntries.add(i);
      continue;
    }
    allocated++;
  }
  if (allocated > 1) {
    const idx = new Uint32Array(allocated);
    let k = 0;
    for (let i = 0; i < bat.length; i++) if (bat[i] !== BAT_UNUSED && !badEntries.has(i)) idx[k++] = i;
    idx.sort((a, b) => bat[a]! - bat[b]!);
    for (let i = 1; i < allocated; i++) {
      const prev = bat[idx[i - 1]!]! * SECTOR_SIZE;
      const cur = bat[idx[i]!]! * SECTOR_SIZE;
      if (cur < prev + extent) {
        const j = idx[i]!;
        report(to + j * 4, 'BAT', `entry ${j} block at ${hex(cur)} overlaps the block of entry ${idx[i - 1]!} at ${hex(prev)}`);
        badEntries.add(j);
      }
    }
  }
  return { footerLoc, header, headerOffset: ho, bat, sectorsPerBlock, bitmapBytes, virtualSize, metadata, badEntries };
}
