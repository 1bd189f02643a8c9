/**
 * The drives the BIOS presents: floppies (00h, 01h), hard disks (80h, 81h)
 * and an El Torito CD-ROM (E0h), each with the CHS geometry INT 13h reports.
 */
import type { BlockDevice } from '../../disk/block-device.js';

export type DriveKind = 'floppy' | 'hd' | 'cd';

export interface BiosDrive {
  readonly number: number;
  readonly kind: DriveKind;
  readonly dev: BlockDevice;
  readonly cylinders: number;
  readonly heads: number;
  readonly spt: number;
  /** CMOS/INT 13h AH=08h drive type for floppies (1 = 360K … 5 = 2.88M). */
  readonly floppyType: number;
}

/** Standard diskette formats by size in bytes: [cylinders, heads, sectors per track, drive type]. */
const FLOPPY_FORMATS: [number, number, number, number, number][] = [
  [163840, 40, 1, 8, 1],
  [184320, 40, 1, 9, 1],
  [327680, 40, 2, 8, 1],
  [368640, 40, 2, 9, 1],
  [737280, 80, 2, 9, 3],
  [1228800, 80, 2, 15, 2],
  [1474560, 80, 2, 18, 4],
  [1720320, 80, 2, 21, 4],
  [2949120, 80, 2, 36, 5],
];

export function floppyGeometry(bytes: number): { cylinders: number; heads: number; spt: number; type: number } | undefined {
  const f = FLOPPY_FORMATS.find((x) => x[0] === bytes);
  return f && { cylinders: f[1], heads: f[2], spt: f[3], type: f[4] };
}

export function floppyDrive(number: number, dev: BlockDevice): BiosDrive | undefined {
  const g = floppyGeometry(dev.sectorCount * 512);
  if (g === undefined) return undefined;
  return { number, kind: 'floppy', dev, cylinders: g.cylinders, heads: g.heads, spt: g.spt, floppyType: g.type };
}

/**
 * Hard disk geometry as INT 13h AH=08h reports it. Disks that fit in
 * 1024 cylinders keep their own geometry; larger ones use the LBA-assisted
 * translation (63 sectors, heads 16→255 doubled until cylinders ≤ 1024),
 * the common BIOS convention documented in the Phoenix EDD specification.
 */
export function hardDrive(number: number, dev: BlockDevice): BiosDrive {
  let { cylinders, heads, sectorsPerTrack: spt } = dev.geometry;
  if (cylinders > 1024 || heads > 255 || spt > 63 || spt === 0 || heads === 0) {
    spt = 63;
    heads = 16;
    const total = dev.sectorCount;
    while (heads < 255 && Math.floor(total / (heads * spt)) > 1024) heads = heads === 128 ? 255 : heads * 2;
    cylinders = Math.min(1024, Math.max(1, Math.floor(total / (heads * spt))));
  }
  return { number, kind: 'hd', dev, cylinders, heads, spt, floppyType: 0 };
}

export function cdDrive(number: number, dev: BlockDevice): BiosDrive {
  return { number, kind: 'cd', dev, cylinders: 0, heads: 0, spt: 0, floppyType: 0 };
}
