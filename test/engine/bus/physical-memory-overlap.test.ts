import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';

describe('PhysicalMemory: a region mapped over another and unmapped again', () => {
  it('uncovers the BIOS ROM at the top of 4 GiB when a framebuffer BAR moves off it (BAR sizing)', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    const rom = new Uint8Array(0x40000).fill(0x55);
    mem.mapRom('bios-high', 0xfffc0000, rom);
    // Firmware writes all-ones to size a 16 MiB BAR: the framebuffer decodes FF000000–FFFFFFFF for a moment.
    mem.mapMmio('lfb', 0xff000000, 0x1000000, { read8: () => 0x11, write8: () => {} });
    expect(mem.read8(0xfffeba09)).toBe(0x11);
    mem.unmap(0xff000000, 0x1000000);
    expect(mem.read8(0xfffeba09)).toBe(0x55);
    expect(mem.read8(0xfffffff0)).toBe(0x55);
    expect(mem.read8(0xfe000000)).toBe(0xff); // nothing there before either
  });

  it('uncovers RAM and earlier MMIO in mapping order, and forgets unmapped regions for good', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    mem.write8(0xc0000, 0x77);
    mem.mapMmio('a', 0xc0000, 0x4000, { read8: () => 0xa1, write8: () => {} });
    mem.mapMmio('b', 0xc0000, 0x1000, { read8: () => 0xb2, write8: () => {} });
    expect(mem.read8(0xc0000)).toBe(0xb2);
    expect(mem.read8(0xc1000)).toBe(0xa1);
    // Both share the base: unmapping the page range of 'b' removes 'b' and the page of 'a' under it.
    mem.unmap(0xc0000, 0x1000);
    expect(mem.read8(0xc0000)).toBe(0x77);
    expect(mem.read8(0xc1000)).toBe(0xa1);
    mem.unmap(0xc0000, 0x4000);
    expect(mem.read8(0xc1000)).toBe(0x00);
    // A later unrelated unmap over the range must not resurrect either region.
    mem.mapMmio('c', 0xc0000, 0x4000, { read8: () => 0xc3, write8: () => {} });
    mem.unmap(0xc0000, 0x4000);
    expect(mem.read8(0xc0000)).toBe(0x77);
    expect(mem.read8(0xc2000)).toBe(0x00);
  });
});
