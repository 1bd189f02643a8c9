/**
 * Bochs VBE "DISPI" extension registers (index port 0x1CE, data port 0x1CF),
 * as documented by the Bochs/QEMU "std VGA" interface: a 16-bit register file
 * selected by the index port.
 */

export const VBE_DISPI_INDEX_PORT = 0x1ce;
export const VBE_DISPI_DATA_PORT = 0x1cf;

export const enum DispiIndex {
  Id = 0,
  XRes = 1,
  YRes = 2,
  Bpp = 3,
  Enable = 4,
  Bank = 5,
  VirtWidth = 6,
  VirtHeight = 7,
  XOffset = 8,
  YOffset = 9,
  VideoMemory64K = 10,
}
export const DISPI_REGISTER_COUNT = 11;

export const VBE_DISPI_ID0 = 0xb0c0;
export const VBE_DISPI_ID5 = 0xb0c5;

/** ENABLE register bits. */
export const VBE_DISPI_ENABLED = 0x01;
export const VBE_DISPI_GETCAPS = 0x02;
export const VBE_DISPI_8BIT_DAC = 0x20;
export const VBE_DISPI_LFB_ENABLED = 0x40;
export const VBE_DISPI_NOCLEARMEM = 0x80;

/** Largest mode the adapter accepts; reported through GETCAPS. */
export const VBE_DISPI_MAX_XRES = 2560;
export const VBE_DISPI_MAX_YRES = 1600;
export const VBE_DISPI_MAX_BPP = 32;

export const VBE_SUPPORTED_BPP: readonly number[] = [4, 8, 15, 16, 24, 32];

/** Bytes per scan line for `width` pixels; for 4 bpp (planar) it is bytes per plane. */
export function vbePitch(width: number, bpp: number): number {
  if (bpp === 4) return width >>> 3;
  return width * ((bpp + 7) >>> 3);
}
