/**
 * Fixed VHDs (VHD spec v1.0, "Fixed Hard Disk Image"): the raw disk data
 * followed by a 512-byte footer. Writes go straight to the data area; the
 * footer never changes.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { fileSize, openImageFile } from './file-io.js';
import { RawImage } from './raw-image.js';
import { VhdDiskType, vhdVirtualSize, type VhdFooter } from './vhd-footer.js';
import { readVhdFooterStrict, type FooterLocation } from './vhd-layout.js';

export class VhdFixed extends RawImage {
  readonly footer: VhdFooter;

  constructor(path: string, opts: { readOnly?: boolean; footerLoc?: FooterLocation } = {}) {
    const loc = opts.footerLoc ?? probeFooter(path);
    if (loc.footer.diskType !== VhdDiskType.Fixed) {
      throw new EngineInputError(`${path}: footer disk type ${loc.footer.diskType} is not fixed at offset 0x${(loc.offset + 60).toString(16)}`, path, loc.offset + 60);
    }
    const size = vhdVirtualSize(loc.footer);
    if (size > loc.offset) {
      throw new EngineInputError(
        `${path}: fixed VHD is truncated: virtual size ${size} exceeds the ${loc.offset} data bytes before the footer at offset 0x${loc.offset.toString(16)}`,
        path,
        loc.offset,
      );
    }
    super(path, { readOnly: opts.readOnly ?? false, dataBytes: size, geometry: { ...loc.footer.geometry } });
    this.footer = loc.footer;
  }
}

function probeFooter(path: string): FooterLocation {
  const fd = openImageFile(path, true);
  try {
    return readVhdFooterStrict(fd, path, fileSize(fd));
  } finally {
    fs.closeSync(fd);
  }
}
