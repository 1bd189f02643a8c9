/**
 * The dynamic disk header ("cxsparse"), 1024 bytes, big-endian, used by
 * dynamic and differencing VHDs. Layout per the VHD spec v1.0, section
 * "Dynamic Disk Header Format":
 *    0 cookie "cxsparse" | 8 data offset (u64, unused: all ones) | 16 table offset (u64)
 *   24 header version | 28 max table entries | 32 block size | 36 checksum
 *   40 parent unique id (16) | 56 parent time stamp | 60 reserved
 *   64 parent unicode name (512 bytes, UTF-16BE) | 576 parent locators (8 x 24)
 *  768 reserved (256)
 * Each parent locator entry: platform code, platform data space, platform
 * data length, reserved, platform data offset (u64).
 */
import { EngineInputError } from '../errors.js';
import { vhdChecksum } from './vhd-footer.js';

export const VHD_DYNAMIC_HEADER_SIZE = 1024;
export const VHD_HEADER_VERSION = 0x00010000;
export const VHD_DEFAULT_BLOCK_SIZE = 2 * 1024 * 1024;
/** Largest block size we accept; the spec only uses 2 MiB (and 512 KiB in practice), anything beyond this is corrupt. */
export const VHD_MAX_BLOCK_SIZE = 256 * 1024 * 1024;

export interface VhdParentLocator {
  /** Four-character platform code: "W2ru", "W2ku", "Mac ", "MacX", or "\0\0\0\0" for none. */
  platformCode: string;
  platformDataSpace: number;
  platformDataLength: number;
  platformDataOffset: number;
  /** Offset of this 24-byte entry within the file (for error messages). */
  entryOffset: number;
}

export interface VhdDynamicHeader {
  tableOffset: number;
  headerVersion: number;
  maxTableEntries: number;
  blockSize: number;
  checksum: number;
  parentUniqueId: Uint8Array;
  parentTimeStamp: number;
  parentUnicodeName: string;
  locators: VhdParentLocator[];
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function err(file: string, offset: number, what: string): EngineInputError {
  return new EngineInputError(`${file}: ${what} at offset ${hex(offset)}`, file, offset);
}

export function parseDynamicHeader(buf: Uint8Array, file: string, at: number): VhdDynamicHeader {
  const view = new DataView(buf.buffer, buf.byteOffset, VHD_DYNAMIC_HEADER_SIZE);
  let cookie = '';
  for (let i = 0; i < 8; i++) cookie += String.fromCharCode(buf[i]!);
  if (cookie !== 'cxsparse') throw err(file, at, `dynamic header cookie is ${JSON.stringify(cookie)}, expected "cxsparse"`);
  const stored = view.getUint32(36);
  const computed = vhdChecksum(buf, 0, VHD_DYNAMIC_HEADER_SIZE, 36);
  if (stored !== computed) {
    throw err(file, at + 36, `dynamic header checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  }
  const version = view.getUint32(24);
  if (version >>> 16 !== 1) throw err(file, at + 24, `dynamic header version ${hex(version)} is not 1.x`);
  const tableOffsetBig = view.getBigUint64(16);
  if (tableOffsetBig > BigInt(Number.MAX_SAFE_INTEGER)) throw err(file, at + 16, 'dynamic header table offset is out of range');
  const blockSize = view.getUint32(32);
  // Spec: "block size ... must be a power of two multiple of sectors"; the
  // sector bitmap arithmetic depends on it.
  if (blockSize < 512 || blockSize > VHD_MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw err(file, at + 32, `dynamic header block size ${blockSize} is not a power of two between 512 and ${VHD_MAX_BLOCK_SIZE}`);
  }
  const maxTableEntries = view.getUint32(28);
  // Highest BAT entry count that stays inside the 2 TiB VHD limit with the smallest block size would be 2^32;
  // cap at what a 2 TiB disk needs for this block size.
  if (maxTableEntries > Math.ceil(2 ** 41 / blockSize)) {
    throw err(file, at + 28, `dynamic header max table entries ${maxTableEntries} describes more than 2 TiB`);
  }
  let name = '';
  for (let i = 0; i < 512; i += 2) {
    const c = view.getUint16(64 + i);
    if (c === 0) break;
    name += String.fromCharCode(c);
  }
  const locators: VhdParentLocator[] = [];
  for (let i = 0; i < 8; i++) {
    const o = 576 + i * 24;
    const codeNum = view.getUint32(o);
    if (codeNum === 0) continue;
    let code = '';
    for (let k = 0; k < 4; k++) code += String.fromCharCode(buf[o + k]!);
    const dataOffsetBig = view.getBigUint64(o + 16);
    if (dataOffsetBig > BigInt(Number.MAX_SAFE_INTEGER)) throw err(file, at + o + 16, `parent locator ${i} data offset is out of range`);
    locators.push({
      platformCode: code,
      platformDataSpace: view.getUint32(o + 4),
      platformDataLength: view.getUint32(o + 8),
      platformDataOffset: Number(dataOffsetBig),
      entryOffset: at + o,
    });
  }
  return {
    tableOffset: Number(tableOffsetBig),
    headerVersion: version,
    maxTableEntries,
    blockSize,
    checksum: stored,
    parentUniqueId: buf.slice(40, 56),
    parentTimeStamp: view.getUint32(56),
    parentUnicodeName: name,
    locators,
  };
}

export function encodeDynamicHeader(h: Omit<VhdDynamicHeader, 'checksum' | 'headerVersion'>): Uint8Array {
  const buf = new Uint8Array(VHD_DYNAMIC_HEADER_SIZE);
  const view = new DataView(buf.buffer);
  const cookie = 'cxsparse';
  for (let i = 0; i < 8; i++) buf[i] = cookie.charCodeAt(i);
  view.setBigUint64(8, 0xffffffffffffffffn);
  view.setBigUint64(16, BigInt(h.tableOffset));
  view.setUint32(24, VHD_HEADER_VERSION);
  view.setUint32(28, h.maxTableEntries);
  view.setUint32(32, h.blockSize);
  buf.set(h.parentUniqueId.subarray(0, 16), 40);
  view.setUint32(56, h.parentTimeStamp >>> 0);
  const name = h.parentUnicodeName.slice(0, 255);
  for (let i = 0; i < name.length; i++) view.setUint16(64 + i * 2, name.charCodeAt(i));
  h.locators.slice(0, 8).forEach((l, i) => {
    const o = 576 + i * 24;
    for (let k = 0; k < 4; k++) buf[o + k] = l.platformCode.charCodeAt(k) & 0xff;
    view.setUint32(o + 4, l.platformDataSpace);
    view.setUint32(o + 8, l.platformDataLength);
    view.setBigUint64(o + 16, BigInt(l.platformDataOffset));
  });
  view.setUint32(36, vhdChecksum(buf, 0, VHD_DYNAMIC_HEADER_SIZE, 36));
  return buf;
}
