/**
 * Creating VHD files: fixed, dynamic and differencing (VHD spec v1.0).
 *
 * Dynamic layout we write, like Virtual PC and qemu: footer copy at 0,
 * dynamic header at 512, BAT at 1536 (padded to a sector), parent locator
 * payloads (differencing only), then the footer. Blocks are appended at the
 * footer's position as they are allocated (vhd-dynamic.ts).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { SECTOR_SIZE } from './block-device.js';
import { pwriteFull } from './file-io.js';
import { encodeDynamicHeader, VHD_DEFAULT_BLOCK_SIZE, VHD_MAX_BLOCK_SIZE, type VhdParentLocator } from './vhd-dynamic-header.js';
import { encodeVhdFooter, VhdDiskType, type VhdFooter } from './vhd-footer.js';
import { chsRoundedSectors, vhdGeometryForSectors } from './vhd-geometry.js';

/** Creator application code we write. Not "vpc "/"qemu", so readers use the exact current size. */
export const LAB_CREATOR_APP = 'clab';
export const LAB_CREATOR_VERSION = 0x00010000;
/** "Wi2k": the host OS code every reader accepts. */
const HOST_OS_WI2K = 0x5769326b;

export interface CreateVhdOptions {
  /** Seconds since 2000-01-01 UTC; callers pass host time, the engine default is 0 for determinism. */
  timeStamp?: number;
  /** 16 bytes; default is derived from the path and parameters so creation is reproducible. */
  uniqueId?: Uint8Array;
  blockSize?: number;
  /**
   * Keep the requested size even when no CHS geometry describes it exactly.
   * By default the size is rounded up to the next exact CHS size, as
   * qemu-img and Virtual PC do, because CHS-based readers would otherwise
   * see a smaller disk (qemu-img treats creators it does not know, "clab"
   * included, as CHS-sized).
   */
  exactSize?: boolean;
}

/** The size a new image of `bytes` gets (see CreateVhdOptions.exactSize). */
export function vhdCreateSize(bytes: number, opts: CreateVhdOptions = {}): number {
  checkSize(bytes);
  return opts.exactSize ? bytes : chsRoundedSectors(bytes / SECTOR_SIZE) * SECTOR_SIZE;
}

function defaultUuid(...parts: (string | number)[]): Uint8Array {
  const h = createHash('sha256').update(parts.join('\0')).digest();
  const id = new Uint8Array(h.subarray(0, 16));
  // RFC 4122 version 4 / variant bits, so tools that print it see a well-formed UUID.
  id[6] = (id[6]! & 0x0f) | 0x40;
  id[8] = (id[8]! & 0x3f) | 0x80;
  return id;
}

function checkSize(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % SECTOR_SIZE !== 0) {
    throw new RangeError(`VHD size ${bytes} must be a positive multiple of 512 bytes`);
  }
  if (bytes > 2040 * 1024 ** 3) throw new RangeError(`VHD size ${bytes} exceeds the 2040 GiB VHD limit`);
}

function makeFooter(bytes: number, type: VhdDiskType, dataOffset: number | null, opts: CreateVhdOptions, path: string): Omit<VhdFooter, 'checksum' | 'formatVersion'> {
  return {
    features: 2, // spec: bit 1 "reserved, must always be set to 1"
    dataOffset,
    timeStamp: opts.timeStamp ?? 0,
    creatorApp: LAB_CREATOR_APP,
    creatorVersion: LAB_CREATOR_VERSION,
    creatorHostOs: HOST_OS_WI2K,
    originalSize: bytes,
    currentSize: bytes,
    geometry: vhdGeometryForSectors(bytes / SECTOR_SIZE),
    diskType: type,
    uniqueId: opts.uniqueId ?? defaultUuid(path, bytes, type, opts.timeStamp ?? 0),
    savedState: 0,
  };
}

/** Create a fixed VHD of `bytes` (the data area is sparse zeros). Fails if the file exists. */
export function createFixedVhd(path: string, requested: number, opts: CreateVhdOptions = {}): void {
  const bytes = vhdCreateSize(requested, opts);
  const footer = encodeVhdFooter(makeFooter(bytes, VhdDiskType.Fixed, null, opts, path));
  const fd = fs.openSync(path, 'wx');
  try {
    pwriteFull(fd, footer, 0, footer.length, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface ParentInfo {
  path: string;
  sectorCount: number;
  uniqueId: Uint8Array;
  timeStamp: number;
}

function utf16(s: string, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < s.length; i++) dv.setUint16(i * 2, s.charCodeAt(i), !bigEndian);
  return out;
}

function writeDynamic(path: string, bytes: number, type: VhdDiskType, opts: CreateVhdOptions, parent?: ParentInfo): void {
  checkSize(bytes);
  const blockSize = opts.blockSize ?? VHD_DEFAULT_BLOCK_SIZE;
  if (blockSize < SECTOR_SIZE || blockSize > VHD_MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw new RangeError(`block size ${blockSize} must be a power of two between 512 and ${VHD_MAX_BLOCK_SIZE}`);
  }
  const entries = Math.ceil(bytes / blockSize);
  const tableOffset = 1536;
  const batBytes = Math.ceil((entries * 4) / SECTOR_SIZE) * SECTOR_SIZE;
  let next = tableOffset + batBytes;
  const locators: VhdParentLocator[] = [];
  const payloads: { offset: number; data: Uint8Array }[] = [];
  if (parent) {
    // Spec "Parent Locator Entry": W2ku = absolute path, W2ru = path relative
    // to the child, both UTF-16LE. Windows paths use backslashes; we write
    // the host path as is for W2ku and a "./"-style relative path for W2ru.
    const abs = nodePath.resolve(parent.path);
    let rel = nodePath.relative(nodePath.dirname(nodePath.resolve(path)), abs);
    if (!rel.startsWith('.')) rel = '.' + nodePath.sep + rel;
    for (const [code, text] of [
      ['W2ru', rel.split(nodePath.sep).join('\\')],
      ['W2ku', abs],
    ] as const) {
      const data = utf16(text, false);
      const space = Math.ceil(data.length / SECTOR_SIZE) * SECTOR_SIZE;
      // Platform data space: the spec says "number of 512-byte sectors"; we store that.
      locators.push({ platformCode: code, platformDataSpace: space / SECTOR_SIZE, platformDataLength: data.length, platformDataOffset: next, entryOffset: 0 });
      payloads.push({ offset: next, data });
      next += space;
    }
  }
  const footerObj = makeFooter(bytes, type, 512, opts, path);
  if (parent) footerObj.uniqueId = opts.uniqueId ?? defaultUuid(path, bytes, type, opts.timeStamp ?? 0, nodePath.resolve(parent.path));
  const footer = encodeVhdFooter(footerObj);
  const header = encodeDynamicHeader({
    tableOffset,
    maxTableEntries: entries,
    blockSize,
    parentUniqueId: parent ? parent.uniqueId : new Uint8Array(16),
    parentTimeStamp: parent ? parent.timeStamp : 0,
    parentUnicodeName: parent ? nodePath.basename(parent.path) : '',
    locators,
  });
  const file = new Uint8Array(next + SECTOR_SIZE);
  file.set(footer, 0);
  file.set(header, 512);
  file.fill(0xff, tableOffset, tableOffset + entries * 4);
  for (const p of payloads) file.set(p.data, p.offset);
  file.set(footer, next);
  const fd = fs.openSync(path, 'wx');
  try {
    pwriteFull(fd, file, 0, file.length, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function createDynamicVhd(path: string, requested: number, opts: CreateVhdOptions = {}): void {
  writeDynamic(path, vhdCreateSize(requested, opts), VhdDiskType.Dynamic, opts);
}

/** Create a differencing VHD whose parent is `parent` (same virtual size). */
export function createDifferencingVhd(path: string, parent: ParentInfo, opts: CreateVhdOptions = {}): void {
  writeDynamic(path, parent.sectorCount * SECTOR_SIZE, VhdDiskType.Differencing, opts, parent);
}
