/**
 * What `lab image info` shows: format, size, geometry, creator, disk type,
 * the parent chain and allocation, for every file in the chain.
 */
import * as fs from 'node:fs';
import { SECTOR_SIZE, type BlockDevice, type ChsGeometry } from '../../engine/disk/block-device.js';
import { IsoImage } from '../../engine/disk/iso-image.js';
import { chainOf, detectFormat, openImage, uuidString } from '../../engine/disk/open-image.js';
import { VhdDynamic } from '../../engine/disk/vhd-dynamic.js';
import { VhdFixed } from '../../engine/disk/vhd-fixed.js';
import { VhdDiskType, type VhdFooter } from '../../engine/disk/vhd-footer.js';

export interface ImageLayerInfo {
  file: string;
  format: 'raw' | 'iso' | 'vhd';
  diskType?: 'fixed' | 'dynamic' | 'differencing';
  virtualSize: number;
  geometry: ChsGeometry;
  creator?: { app: string; version: string; hostOs: string };
  uniqueId?: string;
  currentSize?: number;
  blockSize?: number;
  allocatedBlocks?: number;
  totalBlocks?: number;
  allocatedPercent?: number;
  parentUniqueId?: string;
  fileSize: number;
}

export interface ImageInfo {
  file: string;
  format: 'raw' | 'iso' | 'vhd';
  virtualSize: number;
  geometry: ChsGeometry;
  chain: ImageLayerInfo[];
}

function hostOsName(code: number): string {
  const s = String.fromCharCode((code >>> 24) & 0xff, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff);
  if (s === 'Wi2k') return 'Windows (Wi2k)';
  if (s === 'Mac ') return 'Macintosh (Mac )';
  return JSON.stringify(s);
}

function diskTypeName(f: VhdFooter): 'fixed' | 'dynamic' | 'differencing' {
  return f.diskType === VhdDiskType.Fixed ? 'fixed' : f.diskType === VhdDiskType.Dynamic ? 'dynamic' : 'differencing';
}

function layerInfo(dev: BlockDevice, file: string): ImageLayerInfo {
  const base = { file, virtualSize: dev.sectorCount * SECTOR_SIZE, geometry: dev.geometry, fileSize: fs.statSync(file).size };
  if (dev instanceof IsoImage) return { ...base, format: 'iso' };
  if (dev instanceof VhdFixed || dev instanceof VhdDynamic) {
    const f = dev.footer;
    const info: ImageLayerInfo = {
      ...base,
      format: 'vhd',
      diskType: diskTypeName(f),
      creator: { app: JSON.stringify(f.creatorApp).slice(1, -1), version: `${f.creatorVersion >>> 16}.${f.creatorVersion & 0xffff}`, hostOs: hostOsName(f.creatorHostOs) },
      uniqueId: uuidString(f.uniqueId),
      currentSize: f.currentSize,
    };
    if (dev instanceof VhdDynamic) {
      const a = dev.allocation();
      info.blockSize = dev.blockSize();
      info.allocatedBlocks = a.allocated;
      info.totalBlocks = a.total;
      info.allocatedPercent = a.total === 0 ? 0 : Math.round((a.allocated / a.total) * 1000) / 10;
      if (f.diskType === VhdDiskType.Differencing) info.parentUniqueId = uuidString(dev.header.parentUniqueId);
    }
    return info;
  }
  return { ...base, format: 'raw' };
}

export function describeImage(path: string): ImageInfo {
  const format = detectFormat(path);
  const dev = openImage(path, { readOnly: true, format });
  try {
    const chain = chainOf(dev).map((d) => layerInfo(d, 'path' in d && typeof d.path === 'string' ? d.path : path));
    return { file: path, format, virtualSize: dev.sectorCount * SECTOR_SIZE, geometry: dev.geometry, chain };
  } finally {
    dev.close();
  }
}
