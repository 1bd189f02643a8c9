/**
 * Floppy media formats, recognised by image size.
 *
 * A raw floppy image has no header, so its byte length is the only clue to the
 * physical format. The table is the set of IBM PC formats (plus Microsoft's
 * 1.68 MB DMF distribution format); data rates are the ones the 765/82077
 * must be programmed for (CCR/DSR bits 1–0) to find the sectors.
 */
import { EngineInputError } from '../errors.js';

/** CCR/DSR data-rate codes (82077AA datasheet, table "Data Rates"). */
export const enum DataRate {
  Kbps500 = 0,
  Kbps300 = 1,
  Kbps250 = 2,
  Mbps1 = 3,
}

export interface FloppyGeometry {
  readonly label: string;
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  /** Data-rate codes at which a drive reads this media. */
  readonly rates: readonly DataRate[];
}

const FORMATS: readonly FloppyGeometry[] = [
  { label: '160K', cylinders: 40, heads: 1, sectorsPerTrack: 8, rates: [DataRate.Kbps250, DataRate.Kbps300] },
  { label: '180K', cylinders: 40, heads: 1, sectorsPerTrack: 9, rates: [DataRate.Kbps250, DataRate.Kbps300] },
  { label: '320K', cylinders: 40, heads: 2, sectorsPerTrack: 8, rates: [DataRate.Kbps250, DataRate.Kbps300] },
  { label: '360K', cylinders: 40, heads: 2, sectorsPerTrack: 9, rates: [DataRate.Kbps250, DataRate.Kbps300] },
  { label: '720K', cylinders: 80, heads: 2, sectorsPerTrack: 9, rates: [DataRate.Kbps250] },
  { label: '1.2M', cylinders: 80, heads: 2, sectorsPerTrack: 15, rates: [DataRate.Kbps500] },
  { label: '1.44M', cylinders: 80, heads: 2, sectorsPerTrack: 18, rates: [DataRate.Kbps500] },
  { label: '1.68M DMF', cylinders: 80, heads: 2, sectorsPerTrack: 21, rates: [DataRate.Kbps500] },
  { label: '2.88M', cylinders: 80, heads: 2, sectorsPerTrack: 36, rates: [DataRate.Mbps1] },
];

export function floppyFormats(): readonly FloppyGeometry[] {
  return FORMATS;
}

/** The format whose capacity is exactly `bytes`, or EngineInputError naming the size. */
export function floppyGeometryForSize(bytes: number, file?: string): FloppyGeometry {
  for (const f of FORMATS) {
    if (f.cylinders * f.heads * f.sectorsPerTrack * 512 === bytes) return f;
  }
  const known = FORMATS.map((f) => `${f.label}=${f.cylinders * f.heads * f.sectorsPerTrack * 512}`).join(', ');
  throw new EngineInputError(`floppy image size ${bytes} bytes matches no floppy format (${known})`, file);
}
