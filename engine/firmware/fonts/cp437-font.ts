/**
 * Code page 437 bitmap fonts for the VGA BIOS: 8×8, 8×14 and 8×16, in the
 * layout INT 10h AH=11h and the VGA character generator use (256 glyphs,
 * `height` bytes each, bit 7 = leftmost pixel).
 *
 * Sources (all the project's own, see README.md):
 *   - printable ASCII from the 8×8 design in ascii-8x8.ts, scaled by ROW_MAPS;
 *   - box drawing, shades and blocks drawn natively per height (box-drawing.ts);
 *   - 0x00, 0x20 and 0xFF blank (CP437 NUL, space, non-breaking space);
 *   - a few symbols cheap to draw exactly (0xF9/0xFA middle dots, 0xFE small square);
 *   - every other code a visible hollow-box placeholder, so unsupported glyphs are
 *     noticed in screenshots rather than silently blank.
 */
import { ASCII_8X8_SOURCE, parseGlyphSource } from './ascii-8x8.js';
import { lineGraphicsGlyphs } from './box-drawing.js';

export type FontHeight = 8 | 14 | 16;

/**
 * Deterministic rescaling of the 8-row design: output row i shows design row
 * ROW_MAPS[h][i], or stays blank for -1. 16 rows: one blank row on top, design
 * rows 0–6 (capitals and lower-case body) doubled, the descender row once.
 * 14 rows: blank top, rows 0 and 6 once, rows 1–5 doubled, descender once.
 */
const ROW_MAPS: Record<FontHeight, readonly number[]> = {
  8: [0, 1, 2, 3, 4, 5, 6, 7],
  14: [-1, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7],
  16: [-1, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7],
};

function placeholder(height: number): Uint8Array {
  const rows = new Uint8Array(height);
  const top = Math.max(1, Math.round(height / 8));
  const bottom = height - 1 - top;
  for (let y = top; y <= bottom; y++) rows[y] = y === top || y === bottom ? 0x7c : 0x44;
  return rows;
}

function centredDot(height: number, bits: number, size: number): Uint8Array {
  const rows = new Uint8Array(height);
  const y0 = (height >> 1) - (size >> 1);
  for (let y = y0; y < y0 + size; y++) rows[y] = bits;
  return rows;
}

const cache = new Map<FontHeight, Uint8Array>();

/** The font for `height` as 256 × height bytes. The returned array is shared: do not modify it. */
export function cp437Font(height: FontHeight): Uint8Array {
  const cached = cache.get(height);
  if (cached !== undefined) return cached;
  const rowMap = ROW_MAPS[height];
  if (rowMap === undefined) throw new Error(`no CP437 font of height ${String(height)}`);
  const font = new Uint8Array(256 * height);
  const blank = new Set([0x00, 0x20, 0xff]);
  const ph = placeholder(height);
  for (let c = 0; c < 256; c++) if (!blank.has(c)) font.set(ph, c * height);
  for (const c of blank) font.fill(0, c * height, (c + 1) * height);
  for (const [code, design] of parseGlyphSource(ASCII_8X8_SOURCE)) {
    for (let y = 0; y < height; y++) font[code * height + y] = rowMap[y] < 0 ? 0 : design[rowMap[y]];
  }
  for (const [code, rows] of lineGraphicsGlyphs(height)) font.set(rows, code * height);
  font.set(centredDot(height, 0x18, 2), 0xf9 * height);
  font.set(centredDot(height, 0x18, 2), 0xfa * height);
  font.set(centredDot(height, 0x3c, height >= 14 ? 6 : 4), 0xfe * height);
  cache.set(height, font);
  return font;
}

/** Codes that have a real glyph (not the placeholder), for tests and diagnostics. */
export function cp437CodesWithGlyphs(): number[] {
  const codes = [0x00, 0xf9, 0xfa, 0xfe, 0xff];
  for (let c = 0x20; c <= 0x7e; c++) codes.push(c);
  for (let c = 0xb0; c <= 0xdf; c++) codes.push(c);
  return codes.sort((a, b) => a - b);
}
