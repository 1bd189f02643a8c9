import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ASCII_8X8_SOURCE, parseGlyphSource } from '../../../../engine/firmware/fonts/ascii-8x8.js';
import { cp437CodesWithGlyphs, cp437Font, type FontHeight } from '../../../../engine/firmware/fonts/cp437-font.js';

const HEIGHTS: FontHeight[] = [8, 14, 16];
const glyph = (h: FontHeight, c: number): Uint8Array => cp437Font(h).subarray(c * h, (c + 1) * h);
const bit = (row: number, x: number): boolean => ((row << x) & 0x80) !== 0;

describe('CP437 fonts', () => {
  it('have 256 glyphs of the requested height', () => {
    for (const h of HEIGHTS) expect(cp437Font(h).length).toBe(256 * h);
  });

  it('define every printable ASCII character, each distinct and non-empty (except space)', () => {
    const design = parseGlyphSource(ASCII_8X8_SOURCE);
    expect([...design.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 95 }, (_, i) => 0x20 + i));
    const seen = new Set<string>();
    for (let c = 0x21; c <= 0x7e; c++) {
      const g = glyph(16, c);
      expect(g.some((r) => r !== 0), `glyph 0x${c.toString(16)}`).toBe(true);
      seen.add(Array.from(g).join(','));
    }
    expect(seen.size).toBe(0x7e - 0x21 + 1);
  });

  it('scale the 8×8 design by the documented row maps', () => {
    const a8 = glyph(8, 0x41);
    const a16 = glyph(16, 0x41);
    const a14 = glyph(14, 0x41);
    expect(a16[0]).toBe(0);
    for (let r = 0; r < 7; r++) expect([a16[1 + 2 * r], a16[2 + 2 * r]]).toEqual([a8[r], a8[r]]);
    expect(a16[15]).toBe(a8[7]);
    expect(a14[0]).toBe(0);
    expect(a14[1]).toBe(a8[0]);
    expect(a14[12]).toBe(a8[6]);
    expect(a14[13]).toBe(a8[7]);
  });

  it('keep blanks blank and mark undefined codes with a visible placeholder', () => {
    for (const h of HEIGHTS) {
      for (const c of [0x00, 0x20, 0xff]) expect(glyph(h, c).every((r) => r === 0)).toBe(true);
      const ph = glyph(h, 0x05);
      expect(ph.some((r) => r !== 0)).toBe(true);
      expect(Array.from(glyph(h, 0x90))).toEqual(Array.from(ph));
      expect(cp437CodesWithGlyphs().length).toBeGreaterThan(180);
      for (const c of cp437CodesWithGlyphs()) {
        if (c !== 0x00 && c !== 0xff && c !== 0x20) expect(Array.from(glyph(h, c))).not.toEqual(Array.from(ph));
      }
    }
  });

  it('draw single lines through the cell centre and edge to edge', () => {
    for (const h of HEIGHTS) {
      const m = h >> 1;
      expect(glyph(h, 0xc4)[m]).toBe(0xff); // ─
      expect(glyph(h, 0xb3).every((r) => r === 0x10)).toBe(true); // │ is column 3
      expect(glyph(h, 0xcd)[m - 1]).toBe(0xff); // ═
      expect(glyph(h, 0xcd)[m + 1]).toBe(0xff);
      expect(glyph(h, 0xcd)[m]).toBe(0);
      expect(glyph(h, 0xdb).every((r) => r === 0xff)).toBe(true);
    }
  });

  it('box-drawing characters join their neighbours (property over random pairs)', () => {
    const box = Array.from({ length: 0xda - 0xb3 + 1 }, (_, i) => 0xb3 + i);
    fc.assert(
      fc.property(fc.constantFrom(...HEIGHTS), fc.constantFrom(...box), fc.constantFrom(...box), (h, left, right) => {
        // If left's right edge is lit on a row, right's left edge must be lit there too, or right has no left arm.
        const gl = glyph(h, left);
        const gr = glyph(h, right);
        const lEdge = Array.from(gl, (r) => bit(r, 7));
        const rEdge = Array.from(gr, (r) => bit(r, 0));
        if (lEdge.some(Boolean) && rEdge.some(Boolean)) {
          // Both have horizontal arms at the edge: same kind (single/double) means same rows.
          const rows = (e: boolean[]) => e.flatMap((v, i) => (v ? [i] : []));
          const kind = (e: boolean[]) => rows(e).length;
          if (kind(lEdge) === kind(rEdge)) expect(rows(lEdge)).toEqual(rows(rEdge));
        }
        const top = Array.from({ length: 8 }, (_, x) => bit(gr[0], x));
        const bottom = Array.from({ length: 8 }, (_, x) => bit(gl[h - 1], x));
        if (top.some(Boolean) && bottom.some(Boolean) && top.filter(Boolean).length === bottom.filter(Boolean).length) {
          expect(top).toEqual(bottom);
        }
      }),
    );
  });
});
