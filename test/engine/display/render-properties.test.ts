import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { programMode, setVideoMode } from '../../../engine/devices/vga/vga-modes.js';
import { ScreenRenderer, type Frame } from '../../../engine/display/render.js';
import { makeVga } from '../devices/vga/vga-fixture.js';

function rgbAt(f: Frame, x: number, y: number): number {
  const i = (y * f.width + x) * 4;
  return (f.data[i] << 16) | (f.data[i + 1] << 8) | f.data[i + 2];
}

/** 8-bit RGB the DAC produces for `index` (6-bit components scaled up). */
function dacRgb(dac: Uint8Array, index: number): number {
  const c = (k: number): number => (dac[index * 3 + k] << 2) | (dac[index * 3 + k] >> 4);
  return (c(0) << 16) | (c(1) << 8) | c(2);
}

const point = (w: number, h: number) => fc.record({ x: fc.integer({ min: 0, max: w - 1 }), y: fc.integer({ min: 0, max: h - 1 }), c: fc.integer({ min: 0, max: 255 }) });

describe('host addressing and CRTC scan-out agree (properties)', () => {
  const fx = makeVga({ vramBytes: 256 * 1024 });
  const renderer = new ScreenRenderer();

  it('mode 13h: the byte at A0000 + 320y + x is the pixel (x, y)', () => {
    setVideoMode(fx.io, fx.memory, 0x13);
    fc.assert(
      fc.property(fc.array(point(320, 200), { minLength: 1, maxLength: 20 }), (pts) => {
        for (const p of pts) fx.memory.write8(0xa0000 + p.y * 320 + p.x, p.c);
        const f = renderer.render(fx.vga);
        // Last write to a position wins.
        const last = new Map(pts.map((p) => [p.y * 320 + p.x, p]));
        for (const p of last.values()) expect(rgbAt(f, p.x, p.y)).toBe(dacRgb(fx.vga.dac, p.c));
      }),
      { numRuns: 60 },
    );
  });

  it('mode X: plane x&3, offset 80y + x/4 is the pixel (x, y)', () => {
    programMode(fx.io, 0x13);
    fx.io.write16(0x3c4, 0x0604);
    fx.io.write16(0x3d4, 0x0014);
    fx.io.write16(0x3d4, 0xe317);
    fc.assert(
      fc.property(fc.array(point(320, 200), { minLength: 1, maxLength: 20 }), (pts) => {
        for (const p of pts) {
          fx.io.write16(0x3c4, ((1 << (p.x & 3)) << 8) | 0x02);
          fx.memory.write8(0xa0000 + p.y * 80 + (p.x >> 2), p.c);
        }
        const f = renderer.render(fx.vga);
        const last = new Map(pts.map((p) => [p.y * 320 + p.x, p]));
        for (const p of last.values()) expect(rgbAt(f, p.x, p.y)).toBe(dacRgb(fx.vga.dac, p.c));
      }),
      { numRuns: 60 },
    );
  });

  it('mode 12h: a write-mode-2 pixel shows its colour through the attribute palette', () => {
    setVideoMode(fx.io, fx.memory, 0x12);
    fx.io.write16(0x3ce, 0x0205);
    const attrPalette = Array.from(fx.vga.attr.subarray(0, 16));
    fc.assert(
      fc.property(fc.array(point(640, 480), { minLength: 1, maxLength: 20 }), (pts) => {
        for (const p of pts) {
          fx.io.write16(0x3ce, ((0x80 >> (p.x & 7)) << 8) | 0x08);
          const a = 0xa0000 + p.y * 80 + (p.x >> 3);
          fx.memory.read8(a);
          fx.memory.write8(a, p.c);
        }
        const f = renderer.render(fx.vga);
        const last = new Map(pts.map((p) => [p.y * 640 + p.x, p]));
        for (const p of last.values()) expect(rgbAt(f, p.x, p.y)).toBe(dacRgb(fx.vga.dac, attrPalette[p.c & 15]));
      }),
      { numRuns: 40 },
    );
  });

  it('text mode: screenText shows the character written at B8000 + 2(80r + c)', async () => {
    const { screenText } = await import('../../../engine/display/screen-text.js');
    const { CP437_TO_UNICODE } = await import('../../../engine/display/cp437.js');
    setVideoMode(fx.io, fx.memory, 0x03);
    fc.assert(
      fc.property(fc.array(fc.record({ r: fc.integer({ min: 0, max: 24 }), c: fc.integer({ min: 0, max: 79 }), ch: fc.integer({ min: 0x21, max: 0xfe }) }), { minLength: 1, maxLength: 20 }), (cells) => {
        for (const k of cells) fx.memory.write16(0xb8000 + 2 * (80 * k.r + k.c), 0x0700 | k.ch);
        const rows = screenText(fx.vga).split('\n');
        for (const k of new Map(cells.map((k) => [k.r * 80 + k.c, k])).values()) {
          expect(Array.from(rows[k.r])[k.c]).toBe(CP437_TO_UNICODE[k.ch]);
        }
      }),
      { numRuns: 60 },
    );
  });
});
