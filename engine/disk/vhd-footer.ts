/**
 * The VHD hard disk footer: 512 bytes, big-endian, at the end of every VHD
 * (and copied at offset 0 of dynamic and differencing disks).
 *
 * Layout per "Virtual Hard Disk Image Format Specification" v1.0, section
 * "Hard Disk Footer Format":
 *   0 cookie "conectix" | 8 features | 12 format version | 16 data offset (u64)
 *  24 time stamp (s since 2000-01-01 UTC) | 28 creator app | 32 creator version
 *  36 creator host OS | 40 original size (u64) | 48 current size (u64)
 *  56 geometry (cyl u16, heads u8, spt u8) | 60 disk type | 64 checksum
 *  68 unique id (16) | 84 saved state (u8) | 85 reserved (427)
 * The checksum is the one's complement of the sum of all bytes except the
 * checksum field itself.
 */
import type { ChsGeometry } from './block-device.js';
import { chsSectors, isMaxVhdGeometry } from './vhd-geometry.js';
import { throwingReporter, type Reporter } from './vhd-report.js';

export const VHD_FOOTER_SIZE = 512;
export const VHD_COOKIE = 'conectix';
export const VHD_FORMAT_VERSION = 0x00010000;
/** Data offset value fixed disks store: "no dynamic header". */
export const VHD_NO_DATA_OFFSET = 0xffffffffffffffffn;

export enum VhdDiskType {
  Fixed = 2,
  Dynamic = 3,
  Differencing = 4,
}

export interface VhdFooter {
  features: number;
  formatVersion: number;
  /** Absolute offset of the dynamic header, or null for fixed disks (all ones). */
  dataOffset: number | null;
  timeStamp: number;
  creatorApp: string;
  creatorVersion: number;
  creatorHostOs: number;
  originalSize: number;
  currentSize: number;
  geometry: ChsGeometry;
  diskType: VhdDiskType;
  checksum: number;
  uniqueId: Uint8Array;
  savedState: number;
}

/** One's complement of the byte sum of `buf[0..len)`, skipping the 4 checksum bytes at `skip`. */
export function vhdChecksum(buf: Uint8Array, start: number, len: number, skip: number): number {
  let sum = 0;
  for (let i = start; i < start + len; i++) {
    if (i >= skip && i < skip + 4) continue;
    sum += buf[i]!;
  }
  return ~sum >>> 0;
}

function ascii(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(buf[off + i]!);
  return s;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * Parse a footer from `buf` (512 bytes; a legacy 511-byte footer is passed
 * zero-padded) found at `fileOffset` of `file`. Problems go to `report`
 * (throwing by default); null when the cookie is wrong, since nothing else
 * in the sector can then be trusted.
 */
export function parseVhdFooter(buf: Uint8Array, file: string, fileOffset: number, report: Reporter = throwingReporter(file)): VhdFooter | null {
  const view = new DataView(buf.buffer, buf.byteOffset, VHD_FOOTER_SIZE);
  const S = 'footer';
  const cookie = ascii(buf, 0, 8);
  if (cookie !== VHD_COOKIE) {
    report(fileOffset, S, `cookie is ${JSON.stringify(cookie)}, expected "conectix"`);
    return null;
  }
  const stored = view.getUint32(64);
  const computed = vhdChecksum(buf, 0, VHD_FOOTER_SIZE, 64);
  if (stored !== computed) report(fileOffset + 64, S, `checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  const formatVersion = view.getUint32(12);
  if (formatVersion >>> 16 !== 1) report(fileOffset + 12, S, `format version ${hex(formatVersion)} is not 1.x`);
  const rawDataOffset = view.getBigUint64(16);
  const diskType = view.getUint32(60);
  if (diskType !== 2 && diskType !== 3 && diskType !== 4) {
    report(fileOffset + 60, S, `disk type ${diskType} is not fixed (2), dynamic (3) or differencing (4)`);
  }
  let currentSizeBig = view.getBigUint64(48);
  // 2 TiB is the format's own ceiling (32-bit sector offsets in the BAT); anything larger is corrupt.
  if (currentSizeBig > 2n ** 41n) {
    report(fileOffset + 48, S, `current size ${currentSizeBig} exceeds the 2 TiB VHD limit`);
    currentSizeBig = 0n;
  }
  let dataOffset: number | null;
  if (rawDataOffset === VHD_NO_DATA_OFFSET) {
    dataOffset = null;
    if (diskType === 3 || diskType === 4) report(fileOffset + 16, S, 'data offset is all ones but the disk type needs a dynamic header');
  } else if (rawDataOffset > BigInt(Number.MAX_SAFE_INTEGER)) {
    report(fileOffset + 16, S, `data offset 0x${rawDataOffset.toString(16)} is out of range`);
    dataOffset = null;
  } else {
    dataOffset = Number(rawDataOffset);
  }
  const savedState = buf[84]!;
  if (savedState !== 0) {
    // Spec: "Saved State ... set to 1 if the hard disk is in saved state" — the
    // image belongs to a suspended VM; writing to it would corrupt that VM.
    report(fileOffset + 84, S, 'saved-state flag is set; the image belongs to a suspended virtual machine');
  }
  const originalSizeBig = view.getBigUint64(40);
  return {
    features: view.getUint32(8),
    formatVersion,
    dataOffset,
    timeStamp: view.getUint32(24),
    creatorApp: ascii(buf, 28, 4),
    creatorVersion: view.getUint32(32),
    creatorHostOs: view.getUint32(36),
    originalSize: originalSizeBig > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(originalSizeBig),
    currentSize: Number(currentSizeBig),
    geometry: { cylinders: view.getUint16(56), heads: buf[58]!, sectorsPerTrack: buf[59]! },
    diskType: diskType as VhdDiskType,
    checksum: stored,
    uniqueId: buf.slice(68, 84),
    savedState,
  };
}

/** Serialise a footer, computing its checksum. */
export function encodeVhdFooter(f: Omit<VhdFooter, 'checksum' | 'formatVersion'>): Uint8Array {
  const buf = new Uint8Array(VHD_FOOTER_SIZE);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < 8; i++) buf[i] = VHD_COOKIE.charCodeAt(i);
  view.setUint32(8, f.features);
  view.setUint32(12, VHD_FORMAT_VERSION);
  view.setBigUint64(16, f.dataOffset === null ? VHD_NO_DATA_OFFSET : BigInt(f.dataOffset));
  view.setUint32(24, f.timeStamp >>> 0);
  for (let i = 0; i < 4; i++) buf[28 + i] = f.creatorApp.charCodeAt(i) & 0xff;
  view.setUint32(32, f.creatorVersion);
  view.setUint32(36, f.creatorHostOs);
  view.setBigUint64(40, BigInt(f.originalSize));
  view.setBigUint64(48, BigInt(f.currentSize));
  view.setUint16(56, f.geometry.cylinders);
  buf[58] = f.geometry.heads;
  buf[59] = f.geometry.sectorsPerTrack;
  view.setUint32(60, f.diskType);
  buf.set(f.uniqueId.subarray(0, 16), 68);
  buf[84] = f.savedState;
  view.setUint32(64, vhdChecksum(buf, 0, VHD_FOOTER_SIZE, 64));
  return buf;
}

/**
 * Creators whose current-size field is authoritative. Virtual PC ("vpc ")
 * and qemu's legacy writer ("qemu") size a disk by its CHS geometry, and
 * qemu-img extends that to every creator it does not know (checked against
 * qemu-img 7.2: "vbox", "vs  " and unknown codes read as CHS size). Hyper-V
 * ("win "), Disk2vhd ("d2v "), qemu with force_size ("qem2"), XenServer
 * ("tap\0"), XenConverter ("CTXS") and this lab ("clab") mean current size.
 */
const CURRENT_SIZE_CREATORS = new Set(['win ', 'd2v ', 'qem2', 'tap\0', 'CTXS', 'clab']);

/**
 * Usable size in bytes: the CHS size (cylinders * heads * sectors * 512) or
 * the footer's current size, depending on the creator (see above). A maximal
 * geometry (65535/16/255) cannot describe a larger disk, so then current
 * size wins regardless — the same rule qemu-img applies.
 */
export function vhdVirtualSize(f: VhdFooter): number {
  const usesChs = !CURRENT_SIZE_CREATORS.has(f.creatorApp) && !isMaxVhdGeometry(f.geometry);
  const bytes = usesChs ? chsSectors(f.geometry) * 512 : f.currentSize;
  return Math.floor(bytes / 512) * 512;
}

/** Seconds since 2000-01-01T00:00:00Z for a JS millisecond time (the VHD time stamp epoch). */
export function vhdTimeStamp(msSinceUnixEpoch: number): number {
  return Math.max(0, Math.floor((msSinceUnixEpoch - Date.UTC(2000, 0, 1)) / 1000)) >>> 0;
}
