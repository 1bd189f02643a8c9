import { describe, expect, it } from 'vitest';
import { programMode, egaPalette, vga256Palette, fontMapOffset } from '../../../../engine/devices/vga/vga-modes.js';
import { makeVga, statesEqual } from './vga-fixture.js';

describe('VGA register file', () => {
  it('decodes the CRTC at 3Dx or 3Bx as Miscellaneous Output bit 0 selects', () => {
    const { io } = makeVga();
    io.write8(0x3c2, 0x67);
    io.write8(0x3d4, 0x0e);
    io.write8(0x3d5, 0x12);
    expect(io.read8(0x3d5)).toBe(0x12);
    expect(io.read8(0x3b5)).toBe(0xff);
    expect(io.read8(0x3cc)).toBe(0x67);
    io.write8(0x3c2, 0x66);
    expect(io.read8(0x3d5)).toBe(0xff);
    io.write8(0x3b4, 0x0e);
    expect(io.read8(0x3b5)).toBe(0x12);
    io.write8(0x3d5, 0x99); // not decoded: ignored
    expect(io.read8(0x3b5)).toBe(0x12);
  });

  it('honours the CRTC protect bit except for line compare bit 8', () => {
    const { io, vga } = makeVga();
    programMode(io, 0x03);
    const before = vga.crtc[0];
    io.write16(0x3d4, 0x8011); // protect on (index 11h, value 80h)
    io.write16(0x3d4, 0x1200); // try to change horizontal total
    expect(vga.crtc[0]).toBe(before);
    const overflow = vga.crtc[7];
    io.write16(0x3d4, ((overflow ^ 0x11) << 8) | 0x07);
    expect(vga.crtc[7]).toBe(overflow ^ 0x10);
    io.write16(0x3d4, 0x0011);
    io.write16(0x3d4, 0x1200);
    expect(vga.crtc[0]).toBe(0x12);
  });

  it('runs the attribute controller flip-flop, reset by reading Input Status 1', () => {
    const { io, vga } = makeVga();
    io.write8(0x3c2, 0x67);
    io.read8(0x3da);
    io.write8(0x3c0, 0x05);
    io.write8(0x3c0, 0x2a);
    expect(vga.attr[5]).toBe(0x2a);
    io.write8(0x3c0, 0x06); // address again
    io.read8(0x3da); // back to address state
    io.write8(0x3c0, 0x31); // index 0x11 with PAS set
    io.write8(0x3c0, 0x07);
    expect(vga.attr[0x11]).toBe(0x07);
    expect(io.read8(0x3c0)).toBe(0x31);
    expect(io.read8(0x3c1)).toBe(0x07);
    expect(vga.attr[6]).toBe(0);
  });

  it('reads and writes DAC entries through the index/data ports with auto-increment', () => {
    const { io, vga } = makeVga();
    io.write8(0x3c8, 0xfe);
    for (const v of [1, 2, 3, 0x3f, 0x40 | 5, 6]) io.write8(0x3c9, v);
    expect(io.read8(0x3c7)).toBe(0); // DAC state: write mode
    expect(io.read8(0x3c8)).toBe(0x00); // wrapped past 0xFF
    expect(Array.from(vga.dac.subarray(0xfe * 3, 0xfe * 3 + 6))).toEqual([1, 2, 3, 0x3f, 5, 6]);
    io.write8(0x3c7, 0xfe);
    expect(io.read8(0x3c7)).toBe(3); // read mode
    expect([0, 1, 2, 3, 4, 5].map(() => io.read8(0x3c9))).toEqual([1, 2, 3, 0x3f, 5, 6]);
    // An entry is only taken once all three components are written.
    io.write8(0x3c8, 0x10);
    io.write8(0x3c9, 9);
    io.write8(0x3c9, 9);
    expect(vga.dac[0x10 * 3]).toBe(0);
    io.write8(0x3c9, 9);
    expect(vga.dac[0x10 * 3]).toBe(9);
  });

  it('loads the documented default palettes', () => {
    const { io, vga } = makeVga();
    programMode(io, 0x03);
    expect(Array.from(vga.dac.subarray(0x14 * 3, 0x14 * 3 + 3))).toEqual([0x2a, 0x15, 0x00]); // brown
    expect(Array.from(vga.dac.subarray(0x3f * 3, 0x3f * 3 + 3))).toEqual([0x3f, 0x3f, 0x3f]);
    expect(egaPalette().length).toBe(192);
    programMode(io, 0x04);
    expect(Array.from(vga.dac.subarray(0x13 * 3, 0x13 * 3 + 3))).toEqual([0x15, 0x3f, 0x3f]);
    expect(Array.from(vga.dac.subarray(0x06 * 3, 0x06 * 3 + 3))).toEqual([0x2a, 0x15, 0x00]);
    expect(Array.from(vga.dac.subarray(0x3e * 3, 0x3e * 3 + 3))).toEqual([0x3f, 0x3f, 0x15]);
    programMode(io, 0x13);
    const p = vga256Palette();
    expect(Array.from(vga.dac)).toEqual(Array.from(p));
    expect(Array.from(p.subarray(6 * 3, 6 * 3 + 3))).toEqual([0x2a, 0x15, 0x00]);
    expect(Array.from(p.subarray(31 * 3, 32 * 3))).toEqual([63, 63, 63]);
    expect(Array.from(p.subarray(32 * 3, 33 * 3))).toEqual([0, 0, 63]);
    expect(Array.from(p.subarray(248 * 3))).toEqual(new Array(24).fill(0));
  });

  it('places character maps per FreeVGA', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(fontMapOffset)).toEqual([
      0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000,
    ]);
  });

  it('derives vertical retrace from virtual time only', () => {
    const { io, vga, clock } = makeVga();
    programMode(io, 0x03);
    const t = vga.timing();
    expect(1e9 / t.frameNs).toBeGreaterThan(69);
    expect(1e9 / t.frameNs).toBeLessThan(71);
    // Without virtual time passing, polling sees the same value forever.
    const first = io.read8(0x3da);
    for (let i = 0; i < 100; i++) expect(io.read8(0x3da)).toBe(first);
    // Over one virtual frame, retrace is seen for about retraceLines / totalLines of the samples.
    const samples = 4000;
    let retrace = 0;
    let blank = 0;
    const frameTicks = clock.nsToTicks(t.frameNs);
    for (let i = 0; i < samples; i++) {
      clock.ticks = Math.floor((i * frameTicks) / samples);
      const v = io.read8(0x3da);
      if (v & 0x08) retrace++;
      if (v & 0x01) blank++;
      if (v & 0x08) expect(v & 0x01).toBe(1);
    }
    expect(retrace / samples).toBeCloseTo(t.retraceLines / t.totalLines, 2);
    expect(blank).toBeGreaterThan(retrace);
    expect(blank).toBeLessThan(samples / 2);
  });

  it('saves and restores every register, the DAC, latches and VRAM', () => {
    const a = makeVga();
    programMode(a.io, 0x12);
    a.memory.write8(0xa0010, 0x5a);
    a.memory.read8(0xa0010); // loads the latches
    a.io.write8(0x3c8, 7);
    a.io.write8(0x3c9, 0x11); // half-written DAC entry
    a.io.write16(0x01ce, 0x0005);
    const state = a.vga.saveState();
    const b = makeVga();
    b.vga.loadState(state);
    expect(statesEqual(b.vga.saveState(), state)).toBe(true);
    expect(statesEqual(b.vga.saveState(), makeVga().vga.saveState())).toBe(false);
    a.io.write8(0x3c9, 0x22);
    a.io.write8(0x3c9, 0x33);
    b.io.write8(0x3c9, 0x22);
    b.io.write8(0x3c9, 0x33);
    expect(Array.from(b.vga.dac.subarray(21, 24))).toEqual([0x11, 0x22, 0x33]);
    expect(b.memory.read8(0xa0010)).toBe(0x5a);
    expect(() => b.vga.loadState({ ...state, seq: new Uint8Array(2) })).toThrow(/seq/);
  });

  it('returns to power-on state on reset', () => {
    const { io, vga, memory } = makeVga();
    programMode(io, 0x13);
    memory.write8(0xa0000, 9);
    vga.reset();
    expect(vga.vram.every((b) => b === 0)).toBe(true);
    expect(vga.misc).toBe(0);
    expect(vga.pelMask).toBe(0xff);
    expect(io.read8(0x3d5)).toBe(0xff); // I/O select back to mono
  });
});

describe('VGA port claims', () => {
  it('leaves 3BC–3BF to a parallel port and answers the CRTC aliases', () => {
    const { io } = makeVga();
    expect(io.ownerOf(0x3bc)).toBeUndefined();
    expect(io.ownerOf(0x3bf)).toBeUndefined();
    expect(io.ownerOf(0x3b4)).toBe('vga');
    expect(io.ownerOf(0x3df)).toBe('vga');
    io.register('lpt', 0x3bc, 3, { read8: () => 0x12 });
    expect(io.read8(0x3bc)).toBe(0x12);
    io.write8(0x3c2, 0x67);
    io.write8(0x3d0, 0x0f); // alias of 3D4
    io.write8(0x3d1, 0x42); // alias of 3D5
    expect(io.read8(0x3d4)).toBe(0x0f);
    expect(io.read8(0x3d5)).toBe(0x42);
  });
});

describe('CRTC diagnostic registers', () => {
  it('reads the latch, the attribute flip-flop and the attribute index', () => {
    const { io, memory, vga } = makeVga();
    programMode(io, 0x12);
    vga.vram[4 * 3 + 2] = 0x6b; // plane 2, offset 3
    memory.read8(0xa0003);
    io.write16(0x3ce, 0x0204); // read map 2
    io.write8(0x3d4, 0x22);
    expect(io.read8(0x3d5)).toBe(0x6b);
    io.read8(0x3da);
    io.write8(0x3c0, 0x34);
    io.write8(0x3d4, 0x24);
    expect(io.read8(0x3d5)).toBe(0x80);
    io.write8(0x3d4, 0x26);
    expect(io.read8(0x3d5)).toBe(0x34);
    io.read8(0x3da);
    io.write8(0x3d4, 0x24);
    expect(io.read8(0x3d5)).toBe(0x00);
  });
});
