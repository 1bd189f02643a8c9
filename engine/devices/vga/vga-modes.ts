/**
 * Standard VGA BIOS modes: register values (from the IBM VGA Technical
 * Reference's video parameter tables), default DAC palettes, and helpers that
 * program them through the I/O ports exactly as a BIOS INT 10h AH=00h/11h
 * would, so this code path is the one a guest uses.
 *
 * Text modes use the 400-line VGA variants (9×16 characters, 720×400).
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { PhysicalMemory } from '../../bus/physical-memory.js';

export type VgaModeKind = 'text' | 'cga' | 'planar' | 'chain4';

export interface VgaModeInfo {
  readonly mode: number;
  readonly kind: VgaModeKind;
  /** Logical resolution in pixels (text modes: characters × cell size). */
  readonly width: number;
  readonly height: number;
  /** Text columns and rows (for graphics modes, of the BIOS's 8×charHeight text). */
  readonly cols: number;
  readonly rows: number;
  readonly charHeight: number;
  /** Colours on screen (2, 4, 16 or 256); mono text modes report 2. */
  readonly colors: number;
  /** Physical address of the host window the BIOS uses for this mode. */
  readonly memoryBase: number;
  readonly misc: number;
  /** Sequencer registers 1–4 (register 0 is the reset register). */
  readonly seq: readonly number[];
  readonly crtc: readonly number[];
  readonly attr: readonly number[];
  readonly gc: readonly number[];
  readonly palette: 'ega' | 'cga' | 'mono' | 'vga256';
}

const h = (s: string): number[] => s.trim().split(/\s+/).map((x) => Number.parseInt(x, 16));

const TEXT_ATTR = h('00 01 02 03 04 05 14 07 38 39 3A 3B 3C 3D 3E 3F 0C 00 0F 08 00');
const TEXT_GC = h('00 00 00 00 00 10 0E 00 FF');
const EGA16_ATTR = h('00 01 02 03 04 05 14 07 38 39 3A 3B 3C 3D 3E 3F 01 00 0F 00 00');
const CGA16_ATTR = h('00 01 02 03 04 05 06 07 10 11 12 13 14 15 16 17 01 00 0F 00 00');
const PLANAR_GC = h('00 00 00 00 00 00 05 0F FF');
const CRTC_40 = h('2D 27 28 90 2B A0 BF 1F 00 4F 0D 0E 00 00 00 00 9C 8E 8F 14 1F 96 B9 A3 FF');
const CRTC_80 = h('5F 4F 50 82 55 81 BF 1F 00 4F 0D 0E 00 00 00 00 9C 8E 8F 28 1F 96 B9 A3 FF');
const CRTC_350 = h('5F 4F 50 82 54 80 BF 1F 00 40 00 00 00 00 00 00 83 85 5D 28 0F 63 BA E3 FF');

function text40(mode: number): VgaModeInfo {
  return {
    mode, kind: 'text', width: 360, height: 400, cols: 40, rows: 25, charHeight: 16, colors: 16,
    memoryBase: 0xb8000, misc: 0x67, seq: h('08 03 00 02'), crtc: CRTC_40, attr: TEXT_ATTR, gc: TEXT_GC,
    palette: 'ega',
  };
}

function text80(mode: number): VgaModeInfo {
  return {
    mode, kind: 'text', width: 720, height: 400, cols: 80, rows: 25, charHeight: 16, colors: 16,
    memoryBase: 0xb8000, misc: 0x67, seq: h('00 03 00 02'), crtc: CRTC_80, attr: TEXT_ATTR, gc: TEXT_GC,
    palette: 'ega',
  };
}

function cga4(mode: number): VgaModeInfo {
  return {
    mode, kind: 'cga', width: 320, height: 200, cols: 40, rows: 25, charHeight: 8, colors: 4,
    memoryBase: 0xb8000, misc: 0x63, seq: h('09 03 00 02'),
    crtc: h('2D 27 28 90 2B 80 BF 1F 00 C1 00 00 00 00 00 00 9C 8E 8F 14 00 96 B9 A2 FF'),
    attr: h('00 13 15 17 02 04 06 07 10 11 12 13 14 15 16 17 01 00 03 00 00'),
    gc: h('00 00 00 00 00 30 0F 00 FF'), palette: 'cga',
  };
}

export const VGA_MODES: ReadonlyMap<number, VgaModeInfo> = new Map<number, VgaModeInfo>([
  [0x00, text40(0x00)],
  [0x01, text40(0x01)],
  [0x02, text80(0x02)],
  [0x03, text80(0x03)],
  [0x04, cga4(0x04)],
  [0x05, cga4(0x05)],
  [0x06, {
    mode: 0x06, kind: 'cga', width: 640, height: 200, cols: 80, rows: 25, charHeight: 8, colors: 2,
    memoryBase: 0xb8000, misc: 0x63, seq: h('01 01 00 06'),
    crtc: h('5F 4F 50 82 54 80 BF 1F 00 C1 00 00 00 00 00 00 9C 8E 8F 28 00 96 B9 C2 FF'),
    attr: h('00 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 01 00 01 00 00'),
    gc: h('00 00 00 00 00 00 0D 00 FF'), palette: 'cga',
  }],
  [0x07, {
    mode: 0x07, kind: 'text', width: 720, height: 400, cols: 80, rows: 25, charHeight: 16, colors: 2,
    memoryBase: 0xb0000, misc: 0x66, seq: h('00 03 00 02'),
    crtc: h('5F 4F 50 82 55 81 BF 1F 00 4F 0D 0E 00 00 00 00 9C 8E 8F 28 0F 96 B9 A3 FF'),
    attr: h('00 08 08 08 08 08 08 08 10 18 18 18 18 18 18 18 0E 00 0F 08 00'),
    gc: h('00 00 00 00 00 10 0A 00 FF'), palette: 'mono',
  }],
  [0x0d, {
    mode: 0x0d, kind: 'planar', width: 320, height: 200, cols: 40, rows: 25, charHeight: 8, colors: 16,
    memoryBase: 0xa0000, misc: 0x63, seq: h('09 0F 00 06'),
    crtc: h('2D 27 28 90 2B 80 BF 1F 00 C0 00 00 00 00 00 00 9C 8E 8F 14 00 96 B9 E3 FF'),
    attr: CGA16_ATTR, gc: PLANAR_GC, palette: 'cga',
  }],
  [0x0e, {
    mode: 0x0e, kind: 'planar', width: 640, height: 200, cols: 80, rows: 25, charHeight: 8, colors: 16,
    memoryBase: 0xa0000, misc: 0x63, seq: h('01 0F 00 06'),
    crtc: h('5F 4F 50 82 54 80 BF 1F 00 C0 00 00 00 00 00 00 9C 8E 8F 28 00 96 B9 E3 FF'),
    attr: CGA16_ATTR, gc: PLANAR_GC, palette: 'cga',
  }],
  [0x0f, {
    mode: 0x0f, kind: 'planar', width: 640, height: 350, cols: 80, rows: 25, charHeight: 14, colors: 2,
    memoryBase: 0xa0000, misc: 0xa2, seq: h('01 0F 00 06'), crtc: CRTC_350,
    attr: h('00 08 00 00 18 18 00 00 00 08 00 00 00 18 00 00 01 00 01 00 00'),
    gc: h('00 00 00 00 00 00 05 05 FF'), palette: 'mono',
  }],
  [0x10, {
    mode: 0x10, kind: 'planar', width: 640, height: 350, cols: 80, rows: 25, charHeight: 14, colors: 16,
    memoryBase: 0xa0000, misc: 0xa3, seq: h('01 0F 00 06'), crtc: CRTC_350,
    attr: EGA16_ATTR, gc: PLANAR_GC, palette: 'ega',
  }],
  [0x11, {
    mode: 0x11, kind: 'planar', width: 640, height: 480, cols: 80, rows: 30, charHeight: 16, colors: 2,
    memoryBase: 0xa0000, misc: 0xe3, seq: h('01 0F 00 06'),
    crtc: h('5F 4F 50 82 54 80 0B 3E 00 40 00 00 00 00 00 00 EA 8C DF 28 00 E7 04 C3 FF'),
    attr: h('00 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 3F 01 00 0F 00 00'),
    gc: PLANAR_GC, palette: 'ega',
  }],
  [0x12, {
    mode: 0x12, kind: 'planar', width: 640, height: 480, cols: 80, rows: 30, charHeight: 16, colors: 16,
    memoryBase: 0xa0000, misc: 0xe3, seq: h('01 0F 00 06'),
    crtc: h('5F 4F 50 82 54 80 0B 3E 00 40 00 00 00 00 00 00 EA 8C DF 28 00 E7 04 E3 FF'),
    attr: EGA16_ATTR, gc: PLANAR_GC, palette: 'ega',
  }],
  [0x13, {
    mode: 0x13, kind: 'chain4', width: 320, height: 200, cols: 40, rows: 25, charHeight: 8, colors: 256,
    memoryBase: 0xa0000, misc: 0x63, seq: h('01 0F 00 0E'),
    crtc: h('5F 4F 50 82 54 80 BF 1F 00 41 00 00 00 00 00 00 9C 8E 8F 28 40 96 B9 A3 FF'),
    attr: h('00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 41 00 0F 00 00'),
    gc: h('00 00 00 00 00 40 05 0F FF'), palette: 'vga256',
  }],
]);

/** Scan lines of the text modes: 400 (VGA default, 9×16 cells) or 350 (EGA-compatible, 9×14 cells). */
export type TextScanLines = 350 | 400;

/**
 * Register values of `mode`. For text modes, `lines` = 350 selects the
 * EGA-compatible variant (what INT 10h AH=12h BL=30h AL=01h asks for before
 * a mode set): 350-line vertical timing, 14-line cells, sync polarity for 350
 * lines in Miscellaneous Output. Graphics modes ignore `lines`.
 */
export function vgaModeInfo(mode: number, lines: TextScanLines = 400): VgaModeInfo {
  const info = VGA_MODES.get(mode & 0x7f);
  if (info === undefined) throw new RangeError(`VGA mode 0x${mode.toString(16)} is not a standard mode`);
  if (lines === 400 || info.kind !== 'text') return info;
  const crtc = info.crtc.slice();
  crtc[0x09] = 0x4d;
  crtc[0x0a] = 0x0b;
  crtc[0x0b] = 0x0c;
  crtc[0x10] = 0x83;
  crtc[0x11] = 0x85;
  crtc[0x12] = 0x5d;
  crtc[0x15] = 0x63;
  crtc[0x16] = 0xba;
  if (info.mode === 0x07) crtc[0x14] = 0x0d;
  return { ...info, height: 350, charHeight: 14, misc: (info.misc & 0x3f) | 0x80, crtc };
}

// ----------------------------------------------------------------- palettes

/**
 * The 64 EGA colours as 6-bit DAC values. An EGA colour number is rgbRGB:
 * bits 2–0 are the 2/3-intensity red, green, blue, bits 5–3 the 1/3-intensity ones.
 */
export function egaPalette(): Uint8Array {
  const out = new Uint8Array(64 * 3);
  for (let i = 0; i < 64; i++) {
    const level = (primary: number, secondary: number): number =>
      ((i >> primary) & 1) * 0x2a + ((i >> secondary) & 1) * 0x15;
    out[i * 3] = level(2, 5);
    out[i * 3 + 1] = level(1, 4);
    out[i * 3 + 2] = level(0, 3);
  }
  return out;
}

/**
 * The palette the VGA BIOS loads for the 200-line (CGA-compatible) modes:
 * the attribute values are read as a CGA monitor would, bits 2–0 red, green,
 * blue at 2/3 intensity and bit 4 adding 1/3 to all three (bits 3 and 5 are
 * ignored); colour 6 is brown (green at 1/3) as on the IBM CGA monitor.
 */
export function cgaPalette(): Uint8Array {
  const out = new Uint8Array(64 * 3);
  for (let i = 0; i < 64; i++) {
    const intensity = ((i >> 4) & 1) * 0x15;
    out[i * 3] = ((i >> 2) & 1) * 0x2a + intensity;
    out[i * 3 + 1] = (i & 0x17) === 0x06 ? 0x15 : ((i >> 1) & 1) * 0x2a + intensity;
    out[i * 3 + 2] = (i & 1) * 0x2a + intensity;
  }
  return out;
}

/** Monochrome modes: attribute values use bit 3 for "video" and bit 4 for "intensity". */
export function monoPalette(): Uint8Array {
  const out = new Uint8Array(64 * 3);
  for (let i = 0; i < 64; i++) {
    const v = ((i >> 3) & 1) * 0x2a + ((i >> 4) & 1) * 0x15;
    out.fill(v, i * 3, i * 3 + 3);
  }
  return out;
}

/**
 * Default 256-colour palette for mode 13h, with the layout of the IBM
 * default: 0–15 the 16 CGA colours, 16–31 a grey ramp, 32–247 nine runs of
 * 24 hues (3 intensities × 3 saturations), 248–255 black. The hue runs are
 * generated here (a hexagon walk with 4 steps per edge) rather than copied.
 */
export function vga256Palette(): Uint8Array {
  const out = new Uint8Array(256 * 3);
  const ega = egaPalette();
  // The 16 CGA colours in EGA numbering (brown is EGA 0x14).
  const cga = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f];
  cga.forEach((e, i) => out.set(ega.subarray(e * 3, e * 3 + 3), i * 3));
  const greys = [0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63];
  greys.forEach((g, i) => out.fill(g, (16 + i) * 3, (17 + i) * 3));
  let n = 32;
  for (const [max, mins] of [[63, [0, 31, 45]], [28, [0, 14, 20]], [16, [0, 8, 11]]] as const) {
    for (const min of mins) {
      const lv = (k: number): number => Math.round(min + ((max - min) * k) / 4);
      for (let step = 0; step < 24; step++) {
        const edge = step >> 2;
        const k = step & 3;
        // Walk blue → magenta → red → yellow → green → cyan → blue.
        const rgb: [number, number, number] = [
          [lv(k), lv(0), lv(4)],
          [lv(4), lv(0), lv(4 - k)],
          [lv(4), lv(k), lv(0)],
          [lv(4 - k), lv(4), lv(0)],
          [lv(0), lv(4), lv(k)],
          [lv(0), lv(4 - k), lv(4)],
        ][edge] as [number, number, number];
        out.set(rgb, n * 3);
        n++;
      }
    }
  }
  return out;
}

// -------------------------------------------------------------- programming

function crtcPorts(misc: number): { index: number; status: number } {
  return (misc & 1) !== 0 ? { index: 0x3d4, status: 0x3da } : { index: 0x3b4, status: 0x3ba };
}

/** Load `rgb` (6-bit triples) into the DAC from entry `first`, through 3C8/3C9. */
export function loadDac(io: IoBus, rgb: Uint8Array, first = 0): void {
  io.write8(0x3c8, first);
  for (let i = 0; i < rgb.length; i++) io.write8(0x3c9, rgb[i]);
}

/**
 * Program the adapter's registers for standard mode `mode` through the I/O
 * ports and load its default DAC palette. Does not touch video memory (see
 * `setVideoMode` for the BIOS's full mode set).
 */
export function programMode(io: IoBus, mode: number, lines: TextScanLines = 400): VgaModeInfo {
  const m = vgaModeInfo(mode, lines);
  // Synchronous reset while the clocking changes (FreeVGA "Reset Register").
  io.write8(0x3c4, 0x00);
  io.write8(0x3c5, 0x01);
  io.write8(0x3c2, m.misc);
  for (let i = 0; i < 4; i++) {
    io.write8(0x3c4, i + 1);
    io.write8(0x3c5, m.seq[i]);
  }
  io.write8(0x3c4, 0x00);
  io.write8(0x3c5, 0x03);

  const { index, status } = crtcPorts(m.misc);
  // Clear the protect bit first so registers 0–7 take their new values.
  io.write8(index, 0x11);
  io.write8(index + 1, m.crtc[0x11] & 0x7f);
  for (let i = 0; i < m.crtc.length; i++) {
    io.write8(index, i);
    io.write8(index + 1, m.crtc[i]);
  }

  for (let i = 0; i < m.gc.length; i++) {
    io.write8(0x3ce, i);
    io.write8(0x3cf, m.gc[i]);
  }

  io.read8(status); // reset the attribute flip-flop to "address"
  for (let i = 0; i < m.attr.length; i++) {
    io.write8(0x3c0, i);
    io.write8(0x3c0, m.attr[i]);
  }
  io.write8(0x3c0, 0x20); // Palette Address Source: give the palette back to the display

  io.write8(0x3c6, 0xff);
  const palette =
    m.palette === 'vga256' ? vga256Palette() : m.palette === 'mono' ? monoPalette() : m.palette === 'cga' ? cgaPalette() : egaPalette();
  loadDac(io, palette);
  return m;
}

/**
 * Offsets in plane 2 of the eight character maps (FreeVGA "Character Map
 * Select"): maps 0–3 at 0/16/32/48 KiB, maps 4–7 at 8/24/40/56 KiB.
 */
export function fontMapOffset(map: number): number {
  return ((map & 3) << 14) | ((map & 4) << 11);
}

/**
 * Load `font` (256 glyphs of `height` bytes) into character map `map` of
 * plane 2, using the standard sequence: select plane 2 for writes and reads,
 * disable odd/even, map the window at A0000, write 32 bytes per glyph, then
 * restore text-mode addressing (B0000 or B8000 per the I/O address select).
 */
export function loadFont(io: IoBus, memory: PhysicalMemory, font: Uint8Array, height: number, map = 0, first = 0, count = 256): void {
  if (height < 1 || height > 32 || font.length < count * height) {
    throw new RangeError(`font of ${font.length} bytes does not hold ${count} glyphs of height ${height}`);
  }
  const seq = (i: number, v: number): void => {
    io.write8(0x3c4, i);
    io.write8(0x3c5, v);
  };
  const gc = (i: number, v: number): void => {
    io.write8(0x3ce, i);
    io.write8(0x3cf, v);
  };
  seq(0x02, 0x04);
  seq(0x04, 0x07);
  gc(0x04, 0x02);
  gc(0x05, 0x00);
  gc(0x06, 0x04);
  const base = 0xa0000 + fontMapOffset(map);
  for (let c = 0; c < count; c++) {
    const at = base + (first + c) * 32;
    for (let y = 0; y < 32; y++) memory.write8(at + y, y < height ? font[c * height + y] : 0);
  }
  seq(0x02, 0x03);
  seq(0x04, 0x02);
  gc(0x04, 0x00);
  gc(0x05, 0x10);
  const mono = (io.read8(0x3cc) & 1) === 0;
  gc(0x06, mono ? 0x0a : 0x0e);
}

/**
 * Switch the character cell height of the current text mode, as INT 10h
 * AX=1111h/1112h/1114h do after loading a font: Maximum Scan Line, the cursor
 * shape (the two lines above the bottom line, or the bottom two for 8-line
 * cells) and the underline location. The number of rows follows from the
 * unchanged vertical display end (400 lines / 8 = 50 rows, 350 / 8 = 43).
 */
export function setCharHeight(io: IoBus, height: number): void {
  if (height < 1 || height > 32) throw new RangeError(`character height ${height} is not 1–32`);
  const crtc = (io.read8(0x3cc) & 1) !== 0 ? 0x3d4 : 0x3b4;
  const read = (i: number): number => {
    io.write8(crtc, i);
    return io.read8(crtc + 1);
  };
  const write = (i: number, v: number): void => {
    io.write8(crtc, i);
    io.write8(crtc + 1, v);
  };
  write(0x09, (read(0x09) & 0xe0) | (height - 1));
  const end = height <= 8 ? height - 1 : height - 2;
  write(0x0a, (read(0x0a) & 0xe0) | Math.max(0, end - 1));
  write(0x0b, (read(0x0b) & 0xe0) | end);
  write(0x14, (read(0x14) & 0xe0) | (height - 1));
}

/**
 * Zero all four planes through the ports: unchained, all planes enabled,
 * then the previous Map Mask and Memory Mode are put back. Clearing through
 * a chain-4 or odd/even window would only reach part of each plane.
 */
function clearPlanes(io: IoBus, memory: PhysicalMemory, base: number, size: number): void {
  io.write8(0x3c4, 0x02);
  const mapMask = io.read8(0x3c5);
  io.write8(0x3c4, 0x04);
  const memMode = io.read8(0x3c5);
  io.write8(0x3c5, (memMode | 0x04) & ~0x08);
  io.write8(0x3c4, 0x02);
  io.write8(0x3c5, 0x0f);
  for (let i = 0; i < size; i++) memory.write8(base + i, 0);
  io.write8(0x3c5, mapMask);
  io.write8(0x3c4, 0x04);
  io.write8(0x3c5, memMode);
}

export interface SetModeOptions {
  /** Keep video memory (INT 10h AH=00h with bit 7 of the mode set). */
  noClear?: boolean;
  /** Font for text modes, loaded into map 0: 256 glyphs of the mode's charHeight (16, or 14 for 350 lines). */
  font?: Uint8Array;
  /** Text modes only: 400 (default) or 350 scan lines. */
  lines?: TextScanLines;
}

/**
 * What INT 10h AH=00h does: program the mode, load the text font into map 0
 * for text modes, and clear the screen (text: space on light grey, i.e.
 * 0x0720 words; graphics: zero).
 */
export function setVideoMode(io: IoBus, memory: PhysicalMemory, mode: number, options: SetModeOptions = {}): VgaModeInfo {
  const m = programMode(io, mode, options.lines ?? 400);
  if (m.kind === 'text') {
    if (options.font !== undefined) {
      if (options.font.length !== 256 * m.charHeight) {
        throw new RangeError(`mode 0x${mode.toString(16)} needs a font of height ${m.charHeight} (${256 * m.charHeight} bytes)`);
      }
      loadFont(io, memory, options.font, m.charHeight);
    }
    if (!options.noClear) {
      for (let i = 0; i < 0x4000; i++) memory.write16(m.memoryBase + i * 2, 0x0720);
    }
  } else if (!options.noClear) {
    clearPlanes(io, memory, m.memoryBase, m.memoryBase === 0xb8000 ? 0x8000 : 0x10000);
  }
  return m;
}
