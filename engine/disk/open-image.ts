/**
 * Detect an image's format and open it (with its parent chain for
 * differencing VHDs) as a BlockDevice.
 *
 * Detection: a "conectix" footer at the end (512 or legacy 511 bytes) means
 * VHD; "CD001" at byte 0x8001 means ISO 9660; anything else is raw. Opening
 * never writes: files are opened read-only unless a writable image was asked
 * for, and parents are always read-only.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import type { BlockDevice } from './block-device.js';
import { fileSize, openImageFile, preadFull } from './file-io.js';
import { IsoImage, looksLikeIso } from './iso-image.js';
import { RawImage } from './raw-image.js';
import { resolveParentPath } from './vhd-differencing.js';
import { VhdDynamic } from './vhd-dynamic.js';
import { VhdFixed } from './vhd-fixed.js';
import { VhdDiskType, type VhdFooter } from './vhd-footer.js';
import { hasVhdCookieAtEnd, readVhdFooterStrict } from './vhd-layout.js';

export type ImageFormat = 'raw' | 'vhd' | 'iso';

export interface OpenImageOptions {
  readOnly?: boolean;
  /** Force a format instead of detecting it. */
  format?: ImageFormat;
  durability?: 'fsync' | 'none';
  /** Longest parent chain accepted (default 64); protects against absurd chains. */
  maxChainDepth?: number;
}

/** Guess the format of a file from its contents. */
export function detectFormat(path: string): ImageFormat {
  const fd = openImageFile(path, true);
  try {
    const size = fileSize(fd);
    if (hasVhdCookieAtEnd(fd, size)) return 'vhd';
    const head = new Uint8Array(8);
    preadFull(fd, head, 0, 8, 0);
    if (String.fromCharCode(...head) === 'conectix') {
      // A dynamic VHD keeps a footer copy at offset 0; without the one at
      // the end the file was truncated. The spec makes the end copy
      // authoritative, so this is an error, not something to repair.
      throw new EngineInputError(
        `${path}: VHD footer missing at end of file (offset 0x${Math.max(0, size - 512).toString(16)}); the copy at offset 0 suggests a truncated image`,
        path,
        Math.max(0, size - 512),
      );
    }
    if (looksLikeIso(fd)) return 'iso';
    return 'raw';
  } finally {
    fs.closeSync(fd);
  }
}

/** VHD devices carry their footer; used to check parent unique ids. */
export function vhdFooterOf(dev: BlockDevice): VhdFooter | null {
  if (dev instanceof VhdDynamic || dev instanceof VhdFixed) return dev.footer;
  return null;
}

export function openImage(path: string, opts: OpenImageOptions = {}): BlockDevice {
  return openChain(path, opts, [], opts.maxChainDepth ?? 64);
}

function openChain(path: string, opts: OpenImageOptions, seen: string[], depthLeft: number): BlockDevice {
  let real: string;
  try {
    real = fs.realpathSync(path);
  } catch {
    throw new EngineInputError(`${path}: image file not found`, path);
  }
  if (seen.includes(real)) {
    throw new EngineInputError(`${seen[seen.length - 1]}: differencing chain is cyclic: ${[...seen, real].join(' -> ')}`, seen[seen.length - 1], 0);
  }
  if (depthLeft <= 0) throw new EngineInputError(`${path}: differencing chain deeper than ${opts.maxChainDepth ?? 64} images`, path, 0);
  const format = opts.format ?? detectFormat(path);
  const readOnly = opts.readOnly ?? false;
  if (format === 'iso') return new IsoImage(path);
  if (format === 'raw') return new RawImage(path, { readOnly });
  const fd = openImageFile(path, true);
  let loc;
  try {
    loc = readVhdFooterStrict(fd, path, fileSize(fd));
  } finally {
    fs.closeSync(fd);
  }
  if (loc.footer.diskType === VhdDiskType.Fixed) return new VhdFixed(path, { readOnly, footerLoc: loc });
  return new VhdDynamic(path, {
    readOnly,
    footerLoc: loc,
    durability: opts.durability ?? 'fsync',
    openParent: (child) => {
      const parentPath = resolveParentPath(path, child.header, child.layout.headerOffset);
      const parentReal = fs.realpathSync(parentPath);
      if (parentReal === real || seen.includes(parentReal)) {
        const at = child.layout.headerOffset + 64;
        throw new EngineInputError(
          `${path}: differencing chain is cyclic: ${[...seen, real, parentReal].join(' -> ')} (parent named by the dynamic header at offset 0x${at.toString(16)})`,
          path,
          at,
        );
      }
      const parent = openChain(parentPath, { ...opts, readOnly: true, format: 'vhd' }, [...seen, real], depthLeft - 1);
      const pf = vhdFooterOf(parent);
      const want = child.header.parentUniqueId;
      if (!pf || !pf.uniqueId.every((b, i) => b === want[i])) {
        parent.close();
        throw new EngineInputError(
          `${path}: parent ${parentPath} unique id ${pf ? uuidString(pf.uniqueId) : '(not a VHD)'} does not match the parent unique id ${uuidString(want)} in the dynamic header at offset 0x${(child.layout.headerOffset + 40).toString(16)}`,
          path,
          child.layout.headerOffset + 40,
        );
      }
      return parent;
    },
  });
}

export function uuidString(id: Uint8Array): string {
  const h = Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The files of a chain, child first: [path, parent, grandparent, ...]. */
export function chainOf(dev: BlockDevice): BlockDevice[] {
  const out: BlockDevice[] = [];
  let d: BlockDevice | null = dev;
  while (d) {
    out.push(d);
    d = d instanceof VhdDynamic ? d.parent : null;
  }
  return out;
}
