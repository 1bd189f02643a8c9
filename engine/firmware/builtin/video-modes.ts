/**
 * What the BIOS needs to know about each standard video mode (IBM VGA
 * Technical Reference, "BIOS video modes"): geometry, memory layout and
 * how characters are drawn. Register values live with the VGA device
 * (`devices/vga/vga-modes.ts`); this table is the BIOS's view.
 */
export type ModeKind = 'text' | 'cga2' | 'cga1' | 'planar' | 'linear8';

export interface BiosMode {
  readonly kind: ModeKind;
  readonly cols: number;
  readonly rows: number;
  /** Pixel size for graphics modes (text modes: 0). */
  readonly width: number;
  readonly height: number;
  readonly segment: number;
  readonly pageSize: number;
  readonly charHeight: number;
  readonly pages: number;
}

const text = (cols: number, segment = 0xb800): BiosMode => ({
  kind: 'text',
  cols,
  rows: 25,
  width: 0,
  height: 0,
  segment,
  pageSize: cols === 40 ? 0x800 : 0x1000,
  charHeight: 16,
  pages: cols === 40 ? 8 : segment === 0xb000 ? 1 : 8,
});

const gfx = (kind: ModeKind, width: number, height: number, segment: number, pageSize: number, charHeight: number, pages = 1): BiosMode => ({
  kind,
  cols: width / 8,
  rows: height / charHeight,
  width,
  height,
  segment,
  pageSize,
  charHeight,
  pages,
});

export const BIOS_MODES: ReadonlyMap<number, BiosMode> = new Map([
  [0x00, text(40)],
  [0x01, text(40)],
  [0x02, text(80)],
  [0x03, text(80)],
  [0x04, gfx('cga2', 320, 200, 0xb800, 0x4000, 8)],
  [0x05, gfx('cga2', 320, 200, 0xb800, 0x4000, 8)],
  [0x06, gfx('cga1', 640, 200, 0xb800, 0x4000, 8)],
  [0x07, text(80, 0xb000)],
  [0x0d, gfx('planar', 320, 200, 0xa000, 0x2000, 8, 8)],
  [0x0e, gfx('planar', 640, 200, 0xa000, 0x4000, 8, 4)],
  [0x0f, gfx('planar', 640, 350, 0xa000, 0x8000, 14, 2)],
  [0x10, gfx('planar', 640, 350, 0xa000, 0x8000, 14, 2)],
  [0x11, gfx('planar', 640, 480, 0xa000, 0xa000, 16)],
  [0x12, gfx('planar', 640, 480, 0xa000, 0xa000, 16)],
  [0x13, gfx('linear8', 320, 200, 0xa000, 0x10000, 8)],
]);

export interface VbeMode {
  readonly number: number;
  readonly width: number;
  readonly height: number;
  readonly bpp: number;
}

/** VESA-numbered modes (VBE 2.0 §4.1 table) plus 32-bpp modes at 140h–143h. */
export const VBE_MODES: readonly VbeMode[] = [
  [0x100, 640, 400, 8],
  [0x101, 640, 480, 8],
  [0x103, 800, 600, 8],
  [0x105, 1024, 768, 8],
  [0x107, 1280, 1024, 8],
  [0x110, 640, 480, 15],
  [0x111, 640, 480, 16],
  [0x112, 640, 480, 24],
  [0x113, 800, 600, 15],
  [0x114, 800, 600, 16],
  [0x115, 800, 600, 24],
  [0x116, 1024, 768, 15],
  [0x117, 1024, 768, 16],
  [0x118, 1024, 768, 24],
  [0x119, 1280, 1024, 15],
  [0x11a, 1280, 1024, 16],
  [0x11b, 1280, 1024, 24],
  [0x140, 640, 480, 32],
  [0x141, 800, 600, 32],
  [0x142, 1024, 768, 32],
  [0x143, 1280, 1024, 32],
].map(([number, width, height, bpp]) => ({ number, width, height, bpp }));
