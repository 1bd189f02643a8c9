import { describe, expect, it } from 'vitest';
import { egaPalette, loadFont, setCharHeight, setVideoMode, VGA_MODES } from '../../../engine/devices/vga/vga-modes.js';
import { cp437Font } from '../../../engine/firmware/fonts/cp437-font.js';
import { render, type Frame } from '../../../engine/display/render.js';
import { screenText } from '../../../engine/display/screen-text.js';
import { makeVga } from '../devices/vga/vga-fixture.js';

function pixel(f: Frame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return Array.from(f.data.subarray(i, i + 3));
}

function ega(n: number): number[] {
  const p = egaPalette();
  return [0, 1, 2].map((k) => (p[n * 3 + k] << 2) | (p[n * 3 + k] >> 4));
}

describe('mode geometry', () => {
  it('renders every standard mode at its documented logical resolution', () => {
    const fx = makeVga();
    for (const [mode, info] of VGA_MODES) {
      setVideoMode(fx.io, fx.memory, mode, { font: info.kind === 'text' ? cp437Font(16) : undefined });
      const f = render(fx.vga);
      expect([f.width, f.height], `mode ${mode.toString(16)}`).toEqual([info.width, info.height]);
      if (info.kind === 'text') expect(screenText(fx.vga).split('\n')).toHaveLength(info.rows);
      else expect(screenText(fx.vga)).toBe('');
    }
  });
});

describe('mode set', () => {
  it('clears all four planes when entering a graphics mode, even in chain-4', () => {
    const { io, memory, vga } = makeVga();
    vga.vram.fill(0x5a, 0, 256 * 1024);
    setVideoMode(io, memory, 0x13);
    expect(vga.vram.subarray(0, 256 * 1024).every((b) => b === 0)).toBe(true);
    expect([vga.seq[2], vga.seq[4]]).toEqual([0x0f, 0x0e]);
  });

  it('keeps memory with noClear and fills text memory with grey spaces otherwise', () => {
    const { io, memory } = makeVga();
    setVideoMode(io, memory, 0x03, { font: cp437Font(16) });
    expect(memory.read16(0xb8000 + 2 * 1999)).toBe(0x0720);
    memory.write16(0xb8000, 0x1f41);
    setVideoMode(io, memory, 0x03, { noClear: true });
    expect(memory.read16(0xb8000)).toBe(0x1f41);
  });

  it('sets the 14-line cell shape used by 43-line EGA text', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x03, { font: cp437Font(16) });
    setCharHeight(io, 14);
    expect([vga.crtc[9] & 0x1f, vga.crtc[0x0a] & 0x1f, vga.crtc[0x0b] & 0x1f]).toEqual([13, 11, 12]);
    expect(vga.crtc[9] & 0xe0).toBe(0x40);
  });
});

describe('text mode variants', () => {
  it('shows 80×43 text in the 350-line variant with the 8×8 font, and 25 rows with 8×14', () => {
    const { io, memory, vga } = makeVga();
    const info = setVideoMode(io, memory, 0x03, { font: cp437Font(14), lines: 350 });
    expect([info.height, info.charHeight]).toEqual([350, 14]);
    let f = render(vga);
    expect([f.width, f.height]).toEqual([720, 350]);
    expect(screenText(vga).split('\n')).toHaveLength(25);
    expect(vga.timing().displayLines).toBe(350);
    loadFont(io, memory, cp437Font(8), 8);
    setCharHeight(io, 8);
    memory.write16(0xb8000 + 42 * 160, 0x0f21);
    const lines = screenText(vga).split('\n');
    expect(lines).toHaveLength(43);
    expect(lines[42]).toBe('!');
    f = render(vga);
    expect(pixel(f, 3, 42 * 8)).toEqual(ega(0x3f)); // '!' top row is lit at dots 2–3
    expect(() => setVideoMode(io, memory, 0x03, { font: cp437Font(16), lines: 350 })).toThrow(/height 14/);
  });

  it('shows 80×50 text with the 8×8 font (maximum scan line 7)', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x03, { font: cp437Font(16) });
    loadFont(io, memory, cp437Font(8), 8);
    setCharHeight(io, 8);
    expect([vga.crtc[9] & 0x1f, vga.crtc[0x0a] & 0x1f, vga.crtc[0x0b] & 0x1f]).toEqual([7, 6, 7]);
    memory.write16(0xb8000 + 49 * 160 + 2 * 79, 0x0f5a);
    const lines = screenText(vga).split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[49]).toBe(' '.repeat(79) + 'Z');
    const f = render(vga);
    expect([f.width, f.height]).toEqual([720, 400]);
    const z = cp437Font(8).subarray(0x5a * 8, 0x5b * 8);
    for (let r = 0; r < 8; r++) {
      for (let b = 0; b < 8; b++) {
        expect(pixel(f, 79 * 9 + b, 49 * 8 + r)).toEqual((z[r] << b) & 0x80 ? ega(0x3f) : [0, 0, 0]);
      }
    }
  });

  it('selects character map A or B with attribute bit 3', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x03, { font: cp437Font(16) });
    const solid = new Uint8Array(256 * 16).fill(0xff);
    loadFont(io, memory, solid, 16, 1); // map 1 (16 KiB) all lit
    io.write16(0x3c4, 0x0403); // Character Map Select: A = map 1, B = map 0
    io.write16(0x3d4, 0x200a); // no cursor
    memory.write16(0xb8000, 0x0720); // bit 3 clear: map B (space is blank)
    memory.write16(0xb8002, 0x0f20); // bit 3 set: map A (solid)
    const f = render(vga);
    expect(pixel(f, 3, 5)).toEqual([0, 0, 0]);
    expect(pixel(f, 9 + 3, 5)).toEqual(ega(0x3f));
  });

  it('shifts the picture with the horizontal pel panning register', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x03, { font: cp437Font(16) });
    io.write16(0x3d4, 0x200a);
    memory.write16(0xb8002, 0x0fdb); // █ in column 1 (dots 9–17)
    expect(pixel(render(vga), 9, 4)).toEqual(ega(0x3f));
    io.read8(0x3da);
    io.write8(0x3c0, 0x33); // Horizontal Pel Panning, PAS set
    io.write8(0x3c0, 0x02); // 9-dot text: value 2 shifts by 3 dots
    const f = render(vga);
    expect(pixel(f, 6, 4)).toEqual(ega(0x3f));
    expect(pixel(f, 5, 4)).toEqual([0, 0, 0]);
  });

  it('shows monochrome mode 07h text from B0000 with underline', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x07, { font: cp437Font(16) });
    io.write16(0x3b4, 0x200a);
    memory.write16(0xb0000, 0x0748);
    memory.write16(0xb0002, 0x0149); // attribute 01h: underlined
    expect(screenText(vga).split('\n')[0]).toBe('HI');
    expect(memory.read8(0xb8000)).toBe(0xff);
    const f = render(vga);
    const underlineRow = vga.crtc[0x14] & 0x1f;
    expect(pixel(f, 9 + 7, underlineRow)).not.toEqual([0, 0, 0]);
    expect(pixel(f, 7, underlineRow)).toEqual([0, 0, 0]);
  });
});

describe('tweaked modes', () => {
  it('renders the 320×240 mode X tweak (480 lines, each row scanned twice)', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x13);
    io.write16(0x3c4, 0x0604);
    io.write8(0x3c2, 0xe3);
    io.write16(0x3d4, 0x0011); // unprotect
    for (const [i, v] of [[0x06, 0x0d], [0x07, 0x3e], [0x09, 0x41], [0x10, 0xea], [0x11, 0xac], [0x12, 0xdf], [0x14, 0x00], [0x15, 0xe7], [0x16, 0x06], [0x17, 0xe3]]) {
      io.write16(0x3d4, (v << 8) | i);
    }
    io.write16(0x3c4, 0x0802); // plane 3
    memory.write8(0xa0000 + 239 * 80 + 79, 9);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([320, 240]);
    expect(pixel(f, 319, 239)).toEqual(ega(0x39));
    expect(1e9 / vga.timing().frameNs).toBeCloseTo(59.9, 0);
  });
});

describe('VBE 4 bpp planar', () => {
  it('renders planar pixels written through the A0000 window', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x12);
    const dispi = (i: number, v: number): void => {
      io.write16(0x1ce, i);
      io.write16(0x1cf, v);
    };
    dispi(4, 0);
    dispi(1, 800);
    dispi(2, 600);
    dispi(3, 4);
    dispi(4, 0x01);
    io.write16(0x3c4, 0x0502); // planes 0 and 2 → colour 5
    memory.write8(0xa0000 + 599 * 100 + 99, 0x01);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([800, 600]);
    expect(pixel(f, 799, 599)).toEqual(ega(0x05));
    expect(pixel(f, 798, 599)).toEqual([0, 0, 0]);
  });
});
