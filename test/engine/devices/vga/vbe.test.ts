import { describe, expect, it } from 'vitest';
import { render } from '../../../../engine/display/render.js';
import { screenText } from '../../../../engine/display/screen-text.js';
import { VGA_PCI_CLASS_CODE, VGA_PCI_DEVICE_ID, VGA_PCI_VENDOR_ID } from '../../../../engine/devices/vga/vga-pci.js';
import { makeVga } from './vga-fixture.js';
import type { IoBus } from '../../../../engine/bus/io-bus.js';

const LFB = 0xe0000000;

function dispi(io: IoBus, index: number, value?: number): number {
  io.write16(0x1ce, index);
  if (value !== undefined) io.write16(0x1cf, value);
  return io.read16(0x1cf);
}

function setMode(io: IoBus, x: number, y: number, bpp: number, flags = 0x41): void {
  dispi(io, 4, 0);
  dispi(io, 1, x);
  dispi(io, 2, y);
  dispi(io, 3, bpp);
  dispi(io, 4, flags);
}

function pixel(f: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return Array.from(f.data.subarray(i, i + 4));
}

describe('Bochs VBE DISPI interface', () => {
  it('negotiates the interface ID and reports memory size and capabilities', () => {
    const { io } = makeVga({ vramBytes: 16 * 1024 * 1024 });
    expect(dispi(io, 0)).toBe(0xb0c0);
    expect(dispi(io, 0, 0xb0c5)).toBe(0xb0c5);
    expect(dispi(io, 0, 0x1234)).toBe(0xb0c5);
    expect(dispi(io, 10)).toBe(256);
    dispi(io, 4, 0x02); // GETCAPS
    expect([dispi(io, 1), dispi(io, 2), dispi(io, 3)]).toEqual([2560, 1600, 32]);
    dispi(io, 4, 0);
    expect(dispi(io, 1)).toBe(0);
  });

  it('shows an 800×600×32 mode written through the linear framebuffer', () => {
    const { io, memory, vga } = makeVga();
    setMode(io, 800, 600, 32);
    expect(dispi(io, 4) & 1).toBe(1);
    expect(dispi(io, 6)).toBe(800);
    expect(dispi(io, 7)).toBe(Math.floor((4 * 1024 * 1024) / 3200));
    memory.write32(LFB + (10 * 800 + 20) * 4, 0x00ff8040); // B=0x40 G=0x80 R=0xFF
    memory.write32(LFB + (599 * 800 + 799) * 4, 0x000000ff);
    const f = render(vga);
    expect([f.width, f.height]).toEqual([800, 600]);
    expect(pixel(f, 20, 10)).toEqual([0xff, 0x80, 0x40, 255]);
    expect(pixel(f, 799, 599)).toEqual([0, 0, 0xff, 255]);
    expect(pixel(f, 21, 10)).toEqual([0, 0, 0, 255]);
    expect(memory.read32(LFB + (10 * 800 + 20) * 4)).toBe(0x00ff8040);
    expect(screenText(vga)).toBe('');
  });

  it('pans with X/Y offset and a wider virtual width', () => {
    const { io, memory, vga } = makeVga();
    setMode(io, 640, 480, 32);
    dispi(io, 6, 1024);
    expect(vga.vbePitch).toBe(4096);
    memory.write32(LFB + (100 * 1024 + 700) * 4, 0x0000ff00);
    dispi(io, 8, 600);
    dispi(io, 9, 50);
    expect(pixel(render(vga), 100, 50)).toEqual([0, 0xff, 0, 255]);
  });

  it('renders 8 bpp through the DAC (6- or 8-bit) and 15/16/24 bpp direct colour', () => {
    const { io, memory, vga } = makeVga();
    setMode(io, 320, 200, 8);
    io.write8(0x3c8, 9);
    for (const v of [63, 32, 0]) io.write8(0x3c9, v);
    memory.write8(LFB + 5, 9);
    expect(pixel(render(vga), 5, 0)).toEqual([255, 130, 0, 255]);
    setMode(io, 320, 200, 8, 0x61); // 8-bit DAC
    io.write8(0x3c8, 9);
    for (const v of [200, 100, 50]) io.write8(0x3c9, v);
    memory.write8(LFB + 5, 9);
    expect(pixel(render(vga), 5, 0)).toEqual([200, 100, 50, 255]);

    setMode(io, 320, 200, 16);
    memory.write16(LFB + 2 * 3, (31 << 11) | (63 << 5) | 0);
    expect(pixel(render(vga), 3, 0)).toEqual([255, 255, 0, 255]);
    setMode(io, 320, 200, 15);
    memory.write16(LFB + 2 * 3, (0 << 10) | (0 << 5) | 31);
    expect(pixel(render(vga), 3, 0)).toEqual([0, 0, 255, 255]);
    setMode(io, 320, 200, 24);
    memory.writeBytes(LFB + 3 * 7, Uint8Array.of(1, 2, 3));
    expect(pixel(render(vga), 7, 0)).toEqual([3, 2, 1, 255]);
  });

  it('clears memory on enable unless NOCLEARMEM is set', () => {
    const { io, memory } = makeVga();
    setMode(io, 320, 200, 8);
    memory.write8(LFB + 1, 0x55);
    setMode(io, 320, 200, 8, 0xc1);
    expect(memory.read8(LFB + 1)).toBe(0x55);
    setMode(io, 320, 200, 8, 0x41);
    expect(memory.read8(LFB + 1)).toBe(0);
  });

  it('maps a 64 KiB bank of VRAM at A0000', () => {
    const { io, memory, vga } = makeVga();
    setMode(io, 640, 480, 8, 0x01);
    dispi(io, 5, 2);
    memory.write8(0xa0000 + 0x1234, 0x77);
    expect(vga.vram[2 * 0x10000 + 0x1234]).toBe(0x77);
    expect(memory.read8(LFB + 2 * 0x10000 + 0x1234)).toBe(0x77);
    expect(memory.read8(0xb0000)).toBe(0xff);
  });

  it('keeps a mode that does not fit disabled and ignores geometry writes while enabled', () => {
    const { io } = makeVga();
    setMode(io, 2560, 1600, 32); // 16 MB > 4 MiB of VRAM
    expect(dispi(io, 4) & 1).toBe(0);
    setMode(io, 800, 600, 32);
    dispi(io, 1, 1024);
    expect(dispi(io, 1)).toBe(800);
  });

  it('describes its PCI function with BAR0 at the framebuffer', () => {
    const { vga } = makeVga();
    const pci = vga.pciFunction;
    expect([pci.vendorId, pci.deviceId, pci.classCode]).toEqual([VGA_PCI_VENDOR_ID, VGA_PCI_DEVICE_ID, VGA_PCI_CLASS_CODE]);
    expect([pci.vendorId, pci.deviceId, pci.classCode]).toEqual([0x1234, 0x1111, 0x030000]);
    expect(pci.bar0).toEqual({ kind: 'memory32', prefetchable: true, base: LFB, size: 4 * 1024 * 1024 });
  });

  it('moves the framebuffer when BAR0 is reprogrammed', () => {
    const { io, memory, vga } = makeVga();
    setMode(io, 320, 200, 32);
    vga.setLfbBase(0xd0000000);
    memory.write8(0xd0000000 + 8, 0x99);
    expect(vga.vram[8]).toBe(0x99);
    expect(memory.read8(LFB + 8)).toBe(0xff);
    expect(vga.pciFunction.bar0.base).toBe(0xd0000000);
  });
});
