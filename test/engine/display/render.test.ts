import { describe, expect, it } from 'vitest';
import pngjs from 'pngjs';
import { cgaPalette, egaPalette, programMode, setVideoMode } from '../../../engine/devices/vga/vga-modes.js';
import { cp437Font } from '../../../engine/firmware/fonts/cp437-font.js';
import { render, ScreenRenderer, type Frame } from '../../../engine/display/render.js';
import { encodePng } from '../../../engine/display/png.js';
import { screenText } from '../../../engine/display/screen-text.js';
import { makeVga, type VgaFixture } from '../devices/vga/vga-fixture.js';

const FONT16 = cp437Font(16);

function pixel(f: Frame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return Array.from(f.data.subarray(i, i + 3));
}

/** RGB of EGA colour `n` (6-bit DAC values scaled to 8 bits as the DAC does). */
function ega(n: number): number[] {
  const p = egaPalette();
  return [0, 1, 2].map((k) => (p[n * 3 + k] << 2) | (p[n * 3 + k] >> 4));
}

/** RGB of DAC entry `n` of the 200-line (CGA-compatible) palette. */
function cga(n: number): number[] {
  const p = cgaPalette();
  return [0, 1, 2].map((k) => (p[n * 3 + k] << 2) | (p[n * 3 + k] >> 4));
}

/** Text-mode attribute palette of modes 00h–03h: colour c → EGA colour number. */
const TEXT_PALETTE = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f];

function textMode(): VgaFixture & { put: (row: number, col: number, s: string | number[], attr?: number) => void } {
  const fx = makeVga();
  setVideoMode(fx.io, fx.memory, 0x03, { font: FONT16 });
  const put = (row: number, col: number, s: string | number[], attr = 0x07): void => {
    const codes = typeof s === 'string' ? Array.from(s, (ch) => ch.charCodeAt(0)) : s;
    codes.forEach((ch, i) => fx.memory.write16(0xb8000 + (row * 80 + col + i) * 2, ch | (attr << 8)));
  };
  return { ...fx, put };
}

function hideCursor(fx: VgaFixture): void {
  fx.io.write16(0x3d4, 0x200a);
}

describe('text mode rendering (mode 03h)', () => {
  it('draws glyphs from plane 2 with foreground and background colours at 720×400', () => {
    const fx = textMode();
    hideCursor(fx);
    fx.put(2, 5, 'A', 0x1e);
    const f = render(fx.vga);
    expect([f.width, f.height]).toEqual([720, 400]);
    const glyph = FONT16.subarray(0x41 * 16, 0x42 * 16);
    const fg = ega(TEXT_PALETTE[0xe]);
    const bg = ega(TEXT_PALETTE[1]);
    for (let r = 0; r < 16; r++) {
      for (let b = 0; b < 9; b++) {
        const on = b < 8 && ((glyph[r] << b) & 0x80) !== 0;
        expect(pixel(f, 5 * 9 + b, 2 * 16 + r), `row ${r} dot ${b}`).toEqual(on ? fg : bg);
      }
    }
    expect(pixel(f, 0, 0)).toEqual([0, 0, 0]);
    expect(fg).toEqual([255, 255, 85]);
  });

  it('extends line-graphics characters into the ninth dot only for C0–DF', () => {
    const fx = textMode();
    hideCursor(fx);
    fx.put(0, 0, [0xc4, 0xb0, 0xdb]);
    const f = render(fx.vga);
    expect(pixel(f, 8, 8)).toEqual(ega(7)); // ─ continues into dot 9
    expect(pixel(f, 2 * 9 + 8, 3)).toEqual(ega(7)); // █
    expect(pixel(f, 9 + 8, 0)).toEqual([0, 0, 0]); // ░ is outside C0–DF
    fx.io.read8(0x3da);
    fx.io.write8(0x3c0, 0x30); // Attribute Mode Control, PAS kept set
    fx.io.write8(0x3c0, 0x08); // line graphics off
    expect(pixel(render(fx.vga), 8, 8)).toEqual([0, 0, 0]);
  });

  it('returns the screen text with CP437 mapped to Unicode and trailing spaces trimmed', () => {
    const fx = textMode();
    fx.put(0, 0, 'C:\\> dir   ');
    fx.put(1, 3, [0xc9, 0xcd, 0xbb, 0x20, 0x81, 0xe1, 0x03, 0x00, 0x2e]);
    const lines = screenText(fx.vga).split('\n');
    expect(lines).toHaveLength(25);
    expect(lines[0]).toBe('C:\\> dir');
    expect(lines[1]).toBe('   ╔═╗ üß♥ .');
    expect(lines[24]).toBe('');
  });

  it('follows the CRTC start address (scrolling / page flipping)', () => {
    const fx = textMode();
    fx.put(1, 0, 'second row');
    fx.io.write16(0x3d4, 0x000c);
    fx.io.write16(0x3d4, (80 << 8) | 0x0d); // start one row (80 words) further
    expect(screenText(fx.vga).split('\n')[0]).toBe('second row');
  });

  it('blinks the cursor with virtual time using the CRTC cursor shape', () => {
    const fx = textMode();
    fx.io.write16(0x3d4, 0x000e);
    fx.io.write16(0x3d4, ((3 * 80 + 4) << 8) | 0x0f); // row 3, column 4
    const x = 4 * 9 + 2;
    const frameNs = fx.vga.timing().frameNs;
    fx.clock.ticks = 0;
    let f = render(fx.vga);
    expect(pixel(f, x, 3 * 16 + 13)).toEqual(ega(7)); // cursor lines 0Dh–0Eh
    expect(pixel(f, x, 3 * 16 + 14)).toEqual(ega(7));
    expect(pixel(f, x, 3 * 16 + 12)).toEqual([0, 0, 0]);
    expect(pixel(f, 4 * 9 + 8, 3 * 16 + 13)).toEqual(ega(7)); // the cursor covers the ninth dot
    fx.clock.ticks = fx.clock.nsToTicks(frameNs * 8.5); // second half of the 16-frame period
    f = render(fx.vga);
    expect(pixel(f, x, 3 * 16 + 13)).toEqual([0, 0, 0]);
    fx.clock.ticks = fx.clock.nsToTicks(frameNs * 16.5);
    expect(pixel(render(fx.vga), x, 3 * 16 + 13)).toEqual(ega(7));
    fx.io.write16(0x3d4, 0x0b0a); // start line 11
    expect(pixel(render(fx.vga), x, 3 * 16 + 11)).toEqual(ega(7));
    hideCursor(fx);
    expect(pixel(render(fx.vga), x, 3 * 16 + 13)).toEqual([0, 0, 0]);
  });

  it('blinks attribute bit 7 characters, or uses it as background intensity', () => {
    const fx = textMode();
    hideCursor(fx);
    fx.put(0, 0, [0xdb], 0x8f);
    const frameNs = fx.vga.timing().frameNs;
    expect(pixel(render(fx.vga), 3, 3)).toEqual(ega(0x3f));
    fx.clock.ticks = fx.clock.nsToTicks(frameNs * 16.5);
    expect(pixel(render(fx.vga), 3, 3)).toEqual([0, 0, 0]);
    fx.io.read8(0x3da);
    fx.io.write8(0x3c0, 0x30);
    fx.io.write8(0x3c0, 0x04); // blink off: bit 7 selects bright backgrounds
    fx.put(0, 1, ' ', 0x8f);
    const f = render(fx.vga);
    expect(pixel(f, 3, 3)).toEqual(ega(0x3f));
    expect(pixel(f, 9 + 3, 3)).toEqual(ega(0x38));
  });

  it('renders 40-column text at 360×400', () => {
    const fx = makeVga();
    setVideoMode(fx.io, fx.memory, 0x01, { font: FONT16 });
    fx.memory.write16(0xb8000 + 39 * 2, 0x0f41);
    const f = render(fx.vga);
    expect([f.width, f.height]).toEqual([360, 400]);
    expect(screenText(fx.vga).split('\n')[0]).toBe(' '.repeat(39) + 'A');
  });

  it('blanks the screen while the palette address source is clear', () => {
    const fx = textMode();
    fx.put(0, 0, [0xdb], 0x0f);
    fx.io.read8(0x3da);
    fx.io.write8(0x3c0, 0x00);
    const f = render(fx.vga);
    expect(f.data.every((v, i) => (i % 4 === 3 ? v === 255 : v === 0))).toBe(true);
  });
});

describe('graphics mode rendering', () => {
  it('mode 13h: 320×200, chain-4 pixels through the DAC', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x13);
    memory.write8(0xa0000 + 199 * 320 + 319, 200);
    memory.write8(0xa0000 + 10 * 320 + 3, 1);
    io.write8(0x3c8, 200);
    for (const v of [63, 0, 32]) io.write8(0x3c9, v);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([320, 200]);
    expect(pixel(f, 319, 199)).toEqual([255, 0, 130]);
    expect(pixel(f, 3, 10)).toEqual([0, 0, 170]); // default palette entry 1
    expect(pixel(f, 4, 10)).toEqual([0, 0, 0]);
    io.write8(0x3c6, 0x0f); // pixel mask: 200 & 15 = 8 (dark grey)
    expect(pixel(render(vga), 319, 199)).toEqual([85, 85, 85]);
    expect(screenText(vga)).toBe('');
  });

  it('mode X: unchained 256 colours with page flipping via the start address', () => {
    const { io, memory, vga } = makeVga();
    programMode(io, 0x13);
    io.write16(0x3c4, 0x0604); // chain-4 off
    io.write16(0x3d4, 0x0014); // doubleword off
    io.write16(0x3d4, 0xe317); // byte mode
    const plot = (x: number, y: number, c: number, page = 0): void => {
      io.write16(0x3c4, ((1 << (x & 3)) << 8) | 0x02);
      memory.write8(0xa0000 + page * 16000 + y * 80 + (x >> 2), c);
    };
    plot(0, 0, 4);
    plot(5, 1, 2);
    plot(319, 199, 15);
    plot(6, 7, 14, 1);
    let f = render(vga);
    expect([f.width, f.height]).toEqual([320, 200]);
    expect(pixel(f, 0, 0)).toEqual(ega(0x04));
    expect(pixel(f, 5, 1)).toEqual(ega(0x02));
    expect(pixel(f, 4, 1)).toEqual([0, 0, 0]);
    expect(pixel(f, 319, 199)).toEqual(ega(0x3f));
    io.write16(0x3d4, ((16000 >> 8) << 8) | 0x0c);
    io.write16(0x3d4, ((16000 & 0xff) << 8) | 0x0d);
    f = render(vga);
    expect(pixel(f, 6, 7)).toEqual([255, 255, 85]);
    expect(pixel(f, 0, 0)).toEqual([0, 0, 0]);
  });

  it('mode 12h: 640×480 planar pixels set with write mode 2', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x12);
    io.write16(0x3ce, 0x0205);
    const plot = (x: number, y: number, c: number): void => {
      io.write16(0x3ce, ((0x80 >> (x & 7)) << 8) | 0x08);
      const a = 0xa0000 + y * 80 + (x >> 3);
      memory.read8(a);
      memory.write8(a, c);
    };
    plot(9, 3, 0x0c);
    plot(10, 3, 0x01);
    plot(639, 479, 0x0e);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([640, 480]);
    expect(pixel(f, 9, 3)).toEqual(ega(0x3c));
    expect(pixel(f, 10, 3)).toEqual(ega(0x01));
    expect(pixel(f, 8, 3)).toEqual([0, 0, 0]);
    expect(pixel(f, 639, 479)).toEqual(ega(0x3e));
  });

  it('mode 0Dh: 320×200 16 colours with double scan', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x0d);
    io.write16(0x3c4, 0x0402); // plane 2 only → colour 4
    memory.write8(0xa0000 + 199 * 40 + 39, 0x01);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([320, 200]);
    expect(pixel(f, 319, 199)).toEqual(cga(0x04));
    expect(pixel(f, 318, 199)).toEqual([0, 0, 0]);
  });

  it('mode 04h: CGA 4-colour pixels with the 8 KiB odd-line interleave', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x04);
    memory.write8(0xb8000, 0b11_10_01_00);
    memory.write8(0xb8001, 0b01_00_00_00);
    memory.write8(0xb8000 + 0x2000 + 80, 0b10_00_00_00); // line 3
    const f = render(vga);
    expect([f.width, f.height]).toEqual([320, 200]);
    expect([0, 1, 2, 3, 4].map((x) => pixel(f, x, 0))).toEqual([cga(0x17), cga(0x15), cga(0x13), cga(0), cga(0x13)]);
    // Palette 1 with intensity: bright cyan, bright magenta, white.
    expect([cga(0x13), cga(0x15), cga(0x17)]).toEqual([[85, 255, 255], [255, 85, 255], [255, 255, 255]]);
    expect(pixel(f, 0, 3)).toEqual(cga(0x15));
    expect(pixel(f, 0, 2)).toEqual(cga(0));
  });

  it('mode 06h: CGA 640×200 monochrome', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x06);
    memory.write8(0xb8000 + 0x2000, 0x81); // line 1
    const f = render(vga);
    expect([f.width, f.height]).toEqual([640, 200]);
    expect(pixel(f, 0, 1)).toEqual(cga(0x17));
    expect(pixel(f, 7, 1)).toEqual(cga(0x17));
    expect(pixel(f, 1, 1)).toEqual([0, 0, 0]);
    expect(pixel(f, 0, 0)).toEqual([0, 0, 0]);
  });

  it('split screen: rows after line compare come from address 0', () => {
    const { io, memory, vga } = makeVga();
    setVideoMode(io, memory, 0x12);
    memory.write8(0xa0000, 0xff); // first byte of memory, all planes (colour 15)
    io.write16(0x3d4, ((8000 >> 8) << 8) | 0x0c); // start at line 100
    io.write16(0x3d4, ((8000 & 0xff) << 8) | 0x0d);
    io.write16(0x3d4, (200 << 8) | 0x18); // line compare 200 (bits 8/9 are already 1 in mode 12h)
    io.write16(0x3d4, ((vga.crtc[7] & ~0x10) << 8) | 0x07); // clear bit 8 (writable despite protect)
    io.write16(0x3d4, ((vga.crtc[9] & ~0x40) << 8) | 0x09); // clear bit 9
    const f = render(vga);
    expect(pixel(f, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(f, 0, 200)).toEqual(ega(0x3f));
    expect(pixel(f, 0, 201)).toEqual([0, 0, 0]);
    expect(pixel(f, 0, 199)).toEqual([0, 0, 0]);
  });
});

describe('frames, PNG and snapshots', () => {
  function busyScreen(): ReturnType<typeof textMode> {
    const fx = textMode();
    fx.put(0, 0, 'Deterministic screenshot', 0x1f);
    fx.put(10, 10, [0xc9, 0xcd, 0xcd, 0xbb], 0x4e);
    fx.clock.ticks = 123456;
    return fx;
  }

  it('encodes a PNG that decodes to the same pixels', () => {
    const fx = busyScreen();
    const f = render(fx.vga);
    const png = encodePng(f);
    const decoded = pngjs.PNG.sync.read(png);
    expect([decoded.width, decoded.height]).toEqual([720, 400]);
    expect(Buffer.from(decoded.data).equals(Buffer.from(f.data))).toBe(true);
  });

  it('is deterministic: same state → identical frame and PNG bytes', () => {
    const a = busyScreen();
    const b = busyScreen();
    const fa = Buffer.from(render(a.vga).data);
    expect(Buffer.from(render(a.vga).data).equals(fa)).toBe(true);
    expect(Buffer.from(new ScreenRenderer().render(b.vga).data).equals(fa)).toBe(true);
    expect(encodePng(render(a.vga)).equals(encodePng(render(b.vga)))).toBe(true);
  });

  it('renders identically after a snapshot is loaded into a fresh adapter', () => {
    const a = busyScreen();
    const before = Buffer.from(render(a.vga).data);
    const state = a.vga.saveState();
    a.put(0, 0, 'changed after the snapshot');
    const b = makeVga();
    b.clock.ticks = a.clock.ticks;
    b.vga.loadState(state);
    expect(Buffer.from(render(b.vga).data).equals(before)).toBe(true);
    expect(Buffer.from(render(a.vga).data).equals(before)).toBe(false);
  });
});
