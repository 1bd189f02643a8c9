/**
 * Validate every structure of an image and report every problem with its
 * byte offset (for `lab image check`). Never writes, never repairs.
 *
 * VHD checks (spec v1.0 sections in brackets): footer at end and its copy at
 * offset 0 ["Hard Disk Footer Format"], dynamic header ["Dynamic Disk Header
 * Format"], every BAT entry (in file, not overlapping metadata or other
 * blocks) ["Block Allocation Table"], the sector bitmap of the partial last
 * block, parent locators and the parent chain (found, unique id matches, not
 * cyclic) ["Differencing Hard Disk Image"], and unreferenced space before the
 * footer (a warning: crash leftovers, harmless).
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE } from './block-device.js';
import { fileSize, openImageFile, preadFull } from './file-io.js';
import { CD_SECTOR_SIZE, looksLikeIso } from './iso-image.js';
import { uuidString, type ImageFormat } from './open-image.js';
import { resolveParentPath } from './vhd-differencing.js';
import type { VhdDynamicHeader } from './vhd-dynamic-header.js';
import { parseVhdFooter, VHD_FOOTER_SIZE, VhdDiskType, vhdVirtualSize } from './vhd-footer.js';
import { BAT_UNUSED, hasVhdCookieAtEnd, loadDynamicLayout, readVhdFooter } from './vhd-layout.js';
import { collectingReporter, type Reporter, type VhdProblem } from './vhd-report.js';

export interface CheckResult {
  file: string;
  format: ImageFormat;
  problems: VhdProblem[];
  /** True when no problem has severity 'error'. */
  ok: boolean;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

export function checkImage(path: string): CheckResult {
  return checkInner(path, []);
}

function checkInner(path: string, visitedBefore: string[]): CheckResult {
  const problems: VhdProblem[] = [];
  const visited = [...visitedBefore, fs.realpathSync(path)];
  const report = collectingReporter(path, problems);
  const fd = openImageFile(path, true);
  let format: ImageFormat = 'raw';
  try {
    const size = fileSize(fd);
    const head = new Uint8Array(8);
    preadFull(fd, head, 0, 8, 0);
    const copyCookie = String.fromCharCode(...head) === 'conectix';
    if (hasVhdCookieAtEnd(fd, size) || copyCookie) {
      format = 'vhd';
      checkVhd(fd, path, size, report, problems, visited);
    } else if (looksLikeIso(fd)) {
      format = 'iso';
      if (size % CD_SECTOR_SIZE !== 0) report(size - (size % CD_SECTOR_SIZE), 'ISO image', `size ${size} is not a multiple of 2048 bytes`);
    } else if (size % SECTOR_SIZE !== 0) {
      report(size - (size % SECTOR_SIZE), 'raw image', `size ${size} is not a multiple of 512 bytes`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file: path, format, problems, ok: !problems.some((p) => p.severity === 'error') };
}

/**
 * The parent of a differencing disk: found through its locators, not part
 * of a cycle, structurally valid (its own problems are listed against its
 * file), and carrying the unique id the child's header names.
 */
function checkParent(path: string, header: VhdDynamicHeader, headerOffset: number, report: Reporter, problems: VhdProblem[], visited: string[]): void {
  let parentPath: string;
  try {
    parentPath = resolveParentPath(path, header, headerOffset);
  } catch (e) {
    if (!(e instanceof EngineInputError)) throw e;
    report(headerOffset + 64, 'parent locator', e.message.replace(`${path}: `, '').replace(/ at offset 0x[0-9a-f]+$/, ''));
    return;
  }
  const real = fs.realpathSync(parentPath);
  if (visited.includes(real)) {
    report(headerOffset + 64, 'parent chain', `differencing chain is cyclic: ${[...visited, real].join(' -> ')}`);
    return;
  }
  const sub = checkInner(parentPath, visited);
  problems.push(...sub.problems);
  const fd = openImageFile(parentPath, true);
  try {
    const loc = readVhdFooter(fd, parentPath, fileSize(fd), () => {});
    if (!loc) {
      report(headerOffset + 40, 'parent chain', `parent ${parentPath} has no readable VHD footer`);
    } else if (!loc.footer.uniqueId.every((b, i) => b === header.parentUniqueId[i])) {
      report(headerOffset + 40, 'dynamic header', `parent unique id ${uuidString(header.parentUniqueId)} does not match ${parentPath} (${uuidString(loc.footer.uniqueId)})`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function checkVhd(fd: number, path: string, size: number, report: Reporter, problems: VhdProblem[], visited: string[]): void {
  if (!hasVhdCookieAtEnd(fd, size)) {
    report(Math.max(0, size - VHD_FOOTER_SIZE), 'footer', 'missing at end of file (a footer copy is at offset 0: the image is truncated)');
    return;
  }
  const loc = readVhdFooter(fd, path, size, report);
  if (!loc) return;
  const { footer } = loc;
  if (loc.legacy511) report(loc.offset, 'footer', 'legacy 511-byte footer (readable; written by old Virtual PC releases)', 'warning');
  const vsize = vhdVirtualSize(footer);
  if (footer.diskType === VhdDiskType.Fixed) {
    if (vsize > loc.offset) report(loc.offset, 'footer', `virtual size ${vsize} exceeds the ${loc.offset} data bytes before the footer: the image is truncated`);
    else if (vsize < loc.offset) report(vsize, 'data area', `${loc.offset - vsize} bytes between the end of the disk and the footer are unused`, 'warning');
    return;
  }
  if (footer.diskType !== VhdDiskType.Dynamic && footer.diskType !== VhdDiskType.Differencing) return;
  // The copy at offset 0 must match the footer at the end (spec: "a copy of the hard disk footer").
  const copy = new Uint8Array(VHD_FOOTER_SIZE);
  preadFull(fd, copy, 0, VHD_FOOTER_SIZE, 0);
  const end = new Uint8Array(VHD_FOOTER_SIZE);
  preadFull(fd, end, 0, size - loc.offset, loc.offset);
  const copyProblems: VhdProblem[] = [];
  const parsedCopy = parseVhdFooter(copy, path, 0, collectingReporter(path, copyProblems));
  for (const p of copyProblems) problems.push({ ...p, structure: 'footer copy' });
  if (parsedCopy) {
    for (let i = 0; i < VHD_FOOTER_SIZE - 1; i++) {
      if (copy[i] !== end[i]) {
        report(i, 'footer copy', `differs from the footer at ${hex(loc.offset)} (first difference at byte ${i})`);
        break;
      }
    }
  }
  const layout = loadDynamicLayout(fd, path, size, loc, report);
  if (!layout) return;
  const { bat, bitmapBytes, header, sectorsPerBlock } = layout;
  const extent = bitmapBytes + header.blockSize;
  // Sector alignment: the spec stores sector offsets, so misalignment cannot occur; we check coverage instead.
  let highest = 0;
  for (const m of layout.metadata) highest = Math.max(highest, m.end);
  for (let i = 0; i < bat.length; i++) {
    if (bat[i] === BAT_UNUSED || layout.badEntries.has(i)) continue;
    highest = Math.max(highest, bat[i]! * SECTOR_SIZE + extent);
  }
  const footerStart = loc.offset;
  if (highest < footerStart) {
    // Not corruption: space left by an allocation interrupted before its BAT entry was written.
    report(highest, 'data area', `${footerStart - highest} bytes before the footer are not referenced by the BAT (leaked space)`, 'warning');
  }
  // The bitmap of the last block may mark sectors past the end of the disk; harmless, but worth noting.
  const sectorCount = vsize / SECTOR_SIZE;
  const lastBlock = Math.ceil(sectorCount / sectorsPerBlock) - 1;
  if (lastBlock >= 0 && bat[lastBlock] !== BAT_UNUSED && !layout.badEntries.has(lastBlock)) {
    const inDisk = sectorCount - lastBlock * sectorsPerBlock;
    if (inDisk < sectorsPerBlock && footer.diskType === VhdDiskType.Differencing) {
      const bm = new Uint8Array(bitmapBytes);
      preadFull(fd, bm, 0, bitmapBytes, bat[lastBlock]! * SECTOR_SIZE);
      for (let s = inDisk; s < sectorsPerBlock; s++) {
        if (bm[s >>> 3]! & (0x80 >>> (s & 7))) {
          report(bat[lastBlock]! * SECTOR_SIZE + (s >>> 3), 'sector bitmap', `last block marks sector ${s} present, beyond the end of the disk`, 'warning');
          break;
        }
      }
    }
  }
  if (footer.diskType === VhdDiskType.Differencing) checkParent(path, layout.header, layout.headerOffset, report, problems, visited);
}
