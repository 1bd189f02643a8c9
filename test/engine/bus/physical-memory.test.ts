import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';

describe('PhysicalMemory', () => {
  it('round-trips RAM accesses of every width at any alignment, including page crossings', () => {
    const mem = new PhysicalMemory(64 * 1024);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 * 1024 - 4 }), fc.integer({ min: 0, max: 0xffffffff }), (addr, v) => {
        mem.write32(addr, v);
        expect(mem.read32(addr)).toBe(v >>> 0);
        expect(mem.read16(addr)).toBe(v & 0xffff);
        expect(mem.read8(addr + 3)).toBe(v >>> 24);
      }),
    );
  });

  it('reads 0xFF above RAM and ignores writes there', () => {
    const mem = new PhysicalMemory(4096);
    mem.write8(0x5000, 1);
    expect(mem.read8(0x5000)).toBe(0xff);
    mem.write16(0xffe, 0x1234);
    expect(mem.read32(0xffe)).toBe(0xffff1234);
  });

  it('maps ROM read-only', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    mem.mapRom('bios', 0xf0000, Uint8Array.of(0xea, 0x5b, 0xe0));
    expect(mem.read8(0xf0000)).toBe(0xea);
    mem.write8(0xf0000, 0);
    expect(mem.read8(0xf0000)).toBe(0xea);
    // Bytes past the image in its last page read as erased flash.
    expect(mem.read8(0xf0003)).toBe(0xff);
  });

  it('routes MMIO with offsets relative to the region', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    const writes: [number, number][] = [];
    mem.mapMmio('vga', 0xa0000, 0x20000, { read8: (o) => o & 0xff, write8: (o, v) => writes.push([o, v]) });
    mem.write16(0xa0010, 0xbbaa);
    expect(writes).toEqual([
      [0x10, 0xaa],
      [0x11, 0xbb],
    ]);
    expect(mem.read8(0xa0123)).toBe(0x23);
    mem.unmap(0xa0000, 0x20000);
    mem.write8(0xa0000, 7);
    expect(mem.read8(0xa0000)).toBe(7);
  });

  it('wraps at 1 MiB when A20 is off and at the bus width of the CPU model', () => {
    const mem = new PhysicalMemory(2 * 1024 * 1024);
    mem.write8(0x100005, 0x42);
    mem.write8(0x000005, 0x17);
    mem.setA20(false);
    expect(mem.read8(0x100005)).toBe(0x17);
    mem.setA20(true);
    expect(mem.read8(0x100005)).toBe(0x42);
    mem.setAddressBusBits(20);
    expect(mem.read8(0x100005)).toBe(0x17);
  });

  it('tells the translator about writes to code pages only', () => {
    const mem = new PhysicalMemory(64 * 1024);
    const hits: number[] = [];
    mem.onCodeWrite = (a) => hits.push(a);
    mem.codePages[2] = 1;
    mem.write8(0x1fff, 1);
    mem.write32(0x2004, 1);
    expect(hits).toEqual([0x2004]);
  });

  it('rejects bad sizes and unaligned regions with a clear message', () => {
    expect(() => new PhysicalMemory(1000)).toThrow(/multiple of 4 KiB/);
    const mem = new PhysicalMemory(4096);
    expect(() => mem.mapMmio('x', 0x100, 0x1000, { read8: () => 0, write8: () => {} })).toThrow(/x: region 0x100/);
  });
});

describe('PhysicalMemory at the top of 4 GiB', () => {
  it('maps a ROM that ends exactly at 4 GiB (the 386 reset vector)', () => {
    const mem = new PhysicalMemory(4096);
    const rom = new Uint8Array(0x10000);
    rom[0xfff0] = 0xea;
    mem.mapRom('bios-high', 0x100000000 - rom.length, rom);
    expect(mem.read8(0xfffffff0)).toBe(0xea);
  });
});

describe('PhysicalMemory.unmap', () => {
  it('removes only the regions that start inside the range', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    mem.mapMmio('vga', 0xa0000, 0x20000, { read8: () => 0x11, write8: () => {} });
    mem.mapRom('bios', 0xf0000, Uint8Array.of(0x22));
    // A framebuffer that was (wrongly) at 0 moves away: the VGA window and the BIOS stay.
    mem.mapMmio('lfb', 0, 0x1000, { read8: () => 0x33, write8: () => {} });
    mem.unmap(0, 0x1000000);
    expect(mem.read8(0)).toBe(0);
    expect(mem.read8(0xa0000)).toBe(0x11);
    expect(mem.read8(0xf0000)).toBe(0x22);
  });
});
