/**
 * What the CRT controller is told to scan out, decoded from the registers
 * (FreeVGA "CRT Controller Registers"). Shared by the renderer and the text
 * extractor so both agree on where the screen is in memory.
 */
import type { VgaAdapter } from '../devices/vga/vga.js';

export interface CrtcGeometry {
  /** Alphanumeric (text) mode: Graphics Miscellaneous bit 0 clear. */
  text: boolean;
  /** Character clocks per displayed line (Horizontal Display End + 1). */
  hChars: number;
  /** Dots per character clock in text mode (Clocking Mode bit 0: 8 or 9). */
  charWidth: number;
  /** Displayed scan lines (Vertical Display End + 1, with overflow bits). */
  displayLines: number;
  /** Maximum Scan Line + 1: scan lines per character row. */
  rowHeight: number;
  /** Maximum Scan Line bit 7: every scan line is shown twice. */
  doubleScan: boolean;
  /** Start Address plus the byte-pan bits of Preset Row Scan, in counter units. */
  start: number;
  presetRowScan: number;
  /** Counter advance per character row: Offset × 2. */
  rowAdvance: number;
  /** Line Compare (split screen), 10 bits. */
  lineCompare: number;
  /** 0 byte, 1 word, 2 doubleword addressing (Underline Location bit 6, Mode Control bit 6). */
  addressShift: number;
  /** Mode Control bit 5: in word mode, MA15 (true) or MA13 (false) appears at address bit 0. */
  wordWrapMa15: boolean;
  /** Mode Control bits 0 and 1 clear: row scan counter bits 0 / 1 replace address bits 13 / 14. */
  substituteMa13: boolean;
  substituteMa14: boolean;
}

export function crtcGeometry(vga: VgaAdapter): CrtcGeometry {
  const c = vga.crtc;
  const modeControl = c[0x17];
  return {
    text: (vga.gc[6] & 1) === 0,
    hChars: c[1] + 1,
    charWidth: (vga.seq[1] & 1) !== 0 ? 8 : 9,
    displayLines: (c[0x12] | ((c[7] & 0x02) << 7) | ((c[7] & 0x40) << 3)) + 1,
    rowHeight: (c[9] & 0x1f) + 1,
    doubleScan: (c[9] & 0x80) !== 0,
    start: ((c[0x0c] << 8) | c[0x0d]) + ((c[8] >> 5) & 3),
    presetRowScan: c[8] & 0x1f,
    rowAdvance: c[0x13] * 2,
    lineCompare: c[0x18] | ((c[7] & 0x10) << 4) | ((c[9] & 0x40) << 3),
    addressShift: (c[0x14] & 0x40) !== 0 ? 2 : (modeControl & 0x40) !== 0 ? 0 : 1,
    wordWrapMa15: (modeControl & 0x20) !== 0,
    substituteMa13: (modeControl & 0x01) === 0,
    substituteMa14: (modeControl & 0x02) === 0,
  };
}

/** Plane offset the CRTC reads for counter value `counter` on row scan line `rowScan`. */
export function crtcAddress(g: CrtcGeometry, counter: number, rowScan: number): number {
  let a: number;
  if (g.addressShift === 2) a = counter << 2;
  else if (g.addressShift === 1) a = (counter << 1) | ((counter >> (g.wordWrapMa15 ? 15 : 13)) & 1);
  else a = counter;
  if (g.substituteMa13) a = (a & ~0x2000) | ((rowScan & 1) << 13);
  if (g.substituteMa14) a = (a & ~0x4000) | ((rowScan & 2) << 13);
  return a & 0xffff;
}
