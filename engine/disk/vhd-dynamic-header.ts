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
import { vhdChecksum } from './vhd-footer.js';
import { throwingReporter, type Reporter } from './vhd-report.js';

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

/**
 * Parse the header found at `at`. Problems go to `report` (throwing by
 * default); null when the cookie or block size make the rest meaningless.
 */
export function parseDynamicHeader(buf: Uint8Array, file: string, at: number, report: Reporter = throwingReporter(file)): VhdDynamicHeader | null {
  const view = new DataView(buf.buffer, buf.byteOffset, VHD_DYNAMIC_HEADER_SIZE);
  const S = 'dynamic header';
  let cookie = '';
  for (let i = 0; i < 8; i++) cookie += String.fromCharCode(buf[i]!);
  if (cookie !== 'cxsparse') {
    report(at, S, `cookie is ${JSON.stringify(cookie)}, expected "cxsparse"`);
    return null;
  }
  const stored = view.getUint32(36);
  const computed = vhdChecksum(buf, 0, VHD_DYNAMIC_HEADER_SIZE, 36);
  if (stored !== computed) report(at + 36, S, `checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  const version = view.getUint32(24);
  if (version >>> 16 !== 1) report(at + 24, S, `header version ${hex(version)} is not 1.x`);
  const tableOffsetBig = view.getBigUint64(16);
  let ok = true;
  if (tableOffsetBig > BigInt(Number.MAX_SAFE_INTEGER)) {
    report(at + 16, S, `table offset 0x${tableOffsetBig.toString(16)} is out of range`);
    ok = false;
  }
  const blockSize = view.getUint32(32);
  // Spec: the block size is a power-of-two multiple of the sector size; the
  // sector bitmap arithmetic depends on it.
  if (blockSize < 512 || blockSize > VHD_MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    report(at + 32, S, `block size ${blockSize} is not a power of two between 512 and ${VHD_MAX_BLOCK_SIZE}`);
    ok = false;
  }
  const maxTableEntries = view.getUint32(28);
  if (ok && maxTableEntries > Math.ceil(2 ** 41 / blockSize)) {
    report(at + 28, S, `max table entries ${maxTableEntries} describes more than 2 TiB`);
    ok = false;
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
    if (dataOffsetBig > BigInt(Number.MAX_SAFE_INTEGER)) {
      report(at + o + 16, 'parent locator', `entry ${i} data offset is out of range`);
      continue;
    }
    locators.push({
      platformCode: code,
      platformDataSpace: view.getUint32(o + 4),
      platformDataLength: view.getUint32(o + 8),
      platformDataOffset: Number(dataOffsetBig),
      entryOffset: at + o,
    });
  }
  if (!ok) return null;
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
