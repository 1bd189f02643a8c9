/**
 * Code page 437 bitmap fonts for the VGA BIOS: 8×8, 8×14 and 8×16, in the
 * layout INT 10h AH=11h and the VGA character generator use (256 glyphs,
 * `height` bytes each, bit 7 = leftmost pixel).
 *
 * Sources (all the project's own, see README.md):
 *   - printable ASCII from the 8×8 design in ascii-8x8.ts and common symbols
 *     from symbols-8x8.ts, scaled by ROW_MAPS;
 *   - accented lower-case letters (and Ç) composed from those designs: the
 *     letter's rows 2–7 under a two-row accent (ACCENTED);
 *   - box drawing, shades and blocks drawn natively per height (box-drawing.ts);
 *   - 0x00, 0x20 and 0xFF blank (CP437 NUL, space, non-breaking space);
 *   - a few symbols cheap to draw exactly (0xF9/0xFA middle dots, 0xFE small square);
 *   - every other code a visible hollow-box placeholder, so unsupported glyphs are
 *     noticed in screenshots rather than silently blank.
 */
import { ASCII_8X8_SOURCE, parseGlyphSource } from './ascii-8x8.js';
import { lineGraphicsGlyphs } from './box-drawing.js';
import { SYMBOLS_8X8_SOURCE } from './symbols-8x8.js';

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

/** Two-row accents drawn above a lower-case body (design rows 0–1). */
const ACCENTS: Record<string, readonly [string, string]> = {
  acute: ['....##..', '...##...'],
  grave: ['.##.....', '..##....'],
  circumflex: ['..###...', '.##.##..'],
  diaeresis: ['.##.##..', '........'],
  ring: ['..###...', '..#.#...'],
  tilde: ['.###.##.', '##.###..'],
};

/** CP437 accented letters: code → [base letter, accent]. ı stands for a dotless i. */
const ACCENTED: ReadonlyArray<readonly [number, string, keyof typeof ACCENTS]> = [
  [0x81, 'u', 'diaeresis'], [0x82, 'e', 'acute'], [0x83, 'a', 'circumflex'], [0x84, 'a', 'diaeresis'],
  [0x85, 'a', 'grave'], [0x86, 'a', 'ring'], [0x88, 'e', 'circumflex'], [0x89, 'e', 'diaeresis'],
  [0x8a, 'e', 'grave'], [0x8b, 'i', 'diaeresis'], [0x8c, 'i', 'circumflex'], [0x8d, 'i', 'grave'],
  [0x93, 'o', 'circumflex'], [0x94, 'o', 'diaeresis'], [0x95, 'o', 'grave'], [0x96, 'u', 'circumflex'],
  [0x97, 'u', 'grave'], [0x98, 'y', 'diaeresis'], [0xa0, 'a', 'acute'], [0xa1, 'i', 'acute'],
  [0xa2, 'o', 'acute'], [0xa3, 'u', 'acute'], [0xa4, 'n', 'tilde'],
];

function rowBits(row: string): number {
  let bits = 0;
  for (let c = 0; c < 8; c++) if (row[c] === '#') bits |= 0x80 >> c;
  return bits;
}

/** The full 8×8 design: ASCII, symbols and composed accented letters. */
function design8x8(): Map<number, Uint8Array> {
  const glyphs = parseGlyphSource(ASCII_8X8_SOURCE);
  for (const [code, rows] of parseGlyphSource(SYMBOLS_8X8_SOURCE)) {
    if (glyphs.has(code)) throw new Error(`glyph 0x${code.toString(16)} is designed twice`);
    glyphs.set(code, rows);
  }
  for (const [code, letter, accent] of ACCENTED) {
    const base = glyphs.get(letter.charCodeAt(0))!;
    const rows = base.slice();
    rows[0] = rowBits(ACCENTS[accent][0]);
    rows[1] = rowBits(ACCENTS[accent][1]);
    glyphs.set(code, rows);
  }
  // Cedillas: a hook under the letter's bottom row.
  for (const [code, letter] of [[0x80, 'C'], [0x87, 'c']] as const) {
    const rows = glyphs.get(letter.charCodeAt(0))!.slice();
    rows[7] = rowBits('...##...');
    glyphs.set(code, rows);
  }
  return glyphs;
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
  for (const [code, design] of design8x8()) {
    for (let y = 0; y < height; y++) font[code * height + y] = rowMap[y] < 0 ? 0 : design[rowMap[y]];
  }
  for (const [code, rows] of lineGraphicsGlyphs(height)) font.set(rows, code * height);
  font.set(centredDot(height, 0x18, 2), 0xf9 * height);
  font.set(centredDot(height, 0x18, 2), 0xfa * height);
  font.set(centredDot(height, 0x3c, height >= 14 ? 6 : 4), 0xfe * height);
  cache.set(height, font);
  return font;
}

/** Codes that have a real glyph or are blank on purpose (not the placeholder), for tests and diagnostics. */
export function cp437CodesWithGlyphs(): number[] {
  const codes = new Set([0x00, 0xf9, 0xfa, 0xfe, 0xff, ...design8x8().keys(), ...lineGraphicsGlyphs(8).keys()]);
  return [...codes].sort((a, b) => a - b);
}
