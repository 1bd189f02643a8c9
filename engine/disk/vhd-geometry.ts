/**
 * CHS geometry for VHD images and raw disks.
 *
 * The algorithm is the one given in the "Virtual Hard Disk Image Format
 * Specification" v1.0, Appendix "CHS Calculation": it picks 17, 31, 63 or 255
 * sectors per track so that cylinders stay within what a BIOS of the era can
 * address, capping the disk at 65535 * 16 * 255 sectors.
 */
import type { ChsGeometry } from './block-device.js';

/** Largest sector count a VHD geometry can describe (65535 cylinders, 16 heads, 255 sectors). */
export const VHD_MAX_CHS_SECTORS = 65535 * 16 * 255;

/** Geometry for `totalSectors` (512-byte sectors) per the VHD spec appendix. */
export function vhdGeometryForSectors(totalSectors: number): ChsGeometry {
  let total = Math.floor(totalSectors);
  if (total > VHD_MAX_CHS_SECTORS) total = VHD_MAX_CHS_SECTORS;
  let spt: number;
  let heads: number;
  let cylTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    spt = 255;
    heads = 16;
    cylTimesHeads = Math.floor(total / spt);
  } else {
    spt = 17;
    cylTimesHeads = Math.floor(total / spt);
    heads = Math.floor((cylTimesHeads + 1023) / 1024);
    if (heads < 4) heads = 4;
    if (cylTimesHeads >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cylTimesHeads = Math.floor(total / spt);
    }
    if (cylTimesHeads >= heads * 1024) {
      spt = 63;
      heads = 16;
      cylTimesHeads = Math.floor(total / spt);
    }
  }
  return { cylinders: Math.floor(cylTimesHeads / heads), heads, sectorsPerTrack: spt };
}

/** Sectors a geometry addresses. */
export function chsSectors(g: ChsGeometry): number {
  return g.cylinders * g.heads * g.sectorsPerTrack;
}

/** True when the geometry is the VHD maximum, which means "trust current size" (see vhd-footer.ts). */
export function isMaxVhdGeometry(g: ChsGeometry): boolean {
  return g.cylinders === 65535 && g.heads === 16 && g.sectorsPerTrack === 255;
}

/**
 * Standard floppy formats: a raw image of exactly one of these sizes gets the
 * geometry the BIOS expects for that medium (INT 13h AH=08h), not a VHD-style one.
 */
const FLOPPY_GEOMETRIES: ReadonlyArray<readonly [number, ChsGeometry]> = [
  [160 * 1024, { cylinders: 40, heads: 1, sectorsPerTrack: 8 }],
  [180 * 1024, { cylinders: 40, heads: 1, sectorsPerTrack: 9 }],
  [320 * 1024, { cylinders: 40, heads: 2, sectorsPerTrack: 8 }],
  [360 * 1024, { cylinders: 40, heads: 2, sectorsPerTrack: 9 }],
  [720 * 1024, { cylinders: 80, heads: 2, sectorsPerTrack: 9 }],
  [1200 * 1024, { cylinders: 80, heads: 2, sectorsPerTrack: 15 }],
  [1440 * 1024, { cylinders: 80, heads: 2, sectorsPerTrack: 18 }],
  [1680 * 1024, { cylinders: 80, heads: 2, sectorsPerTrack: 21 }],
  [2880 * 1024, { cylinders: 80, heads: 2, sectorsPerTrack: 36 }],
];

/** Geometry for a raw image: a floppy format when the size matches one, else the VHD algorithm. */
export function geometryForRawSize(bytes: number): ChsGeometry {
  for (const [size, g] of FLOPPY_GEOMETRIES) {
    if (size === bytes) return { ...g };
  }
  return vhdGeometryForSectors(Math.floor(bytes / 512));
}

/**
 * The smallest sector count >= `sectors` that a VHD geometry describes
 * exactly, so CHS-based readers (Virtual PC, qemu-img) and current-size
 * readers (Hyper-V) agree on the disk size. Beyond the CHS range the size
 * is kept (the geometry is then the maximum and readers use current size).
 */
export function chsRoundedSectors(sectors: number): number {
  if (sectors >= VHD_MAX_CHS_SECTORS) return sectors;
  for (let extra = 0; ; extra++) {
    const covered = chsSectors(vhdGeometryForSectors(sectors + extra));
    if (covered >= sectors) return covered;
  }
}
