import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dma8237 } from '../../../engine/devices/dma8237.js';
import { makeMachine } from './helpers.js';

function setup() {
  const m = makeMachine();
  const dma = new Dma8237(m.ctx);
  // As the BIOS does at POST: channel 4 in cascade mode and unmasked, so DMA1 reaches the bus.
  m.io.write8(0xd6, 0xc0);
  m.io.write8(0xd4, 0x00);
  return { ...m, dma };
}

/** Program an 8-bit channel the way a BIOS does: mask, flip-flop, mode, address, page, count, unmask. */
function program8(io: ReturnType<typeof setup>['io'], ch: number, mode: number, addr: number, count: number): void {
  const pages = [0x87, 0x83, 0x81, 0x82];
  io.write8(0x0a, 0x04 | ch);
  io.write8(0x0c, 0);
  io.write8(0x0b, mode | ch);
  io.write8(ch * 2, addr & 0xff);
  io.write8(ch * 2, (addr >>> 8) & 0xff);
  io.write8(pages[ch], (addr >>> 16) & 0xff);
  io.write8(ch * 2 + 1, count & 0xff);
  io.write8(ch * 2 + 1, (count >>> 8) & 0xff);
  io.write8(0x0a, ch);
}

describe('8237 DMA', () => {
  it('moves count+1 bytes into memory at page:address, then reports and latches terminal count', () => {
    const { io, dma, memory } = setup();
    program8(io, 2, 0x44, 0x012340, 99); // single mode, write (I/O → memory)
    const src = Uint8Array.from({ length: 200 }, (_, i) => i + 1);
    expect(dma.transferToMemory(2, src, 0, 200)).toBe(100);
    expect(dma.hitTerminalCount(2)).toBe(true);
    expect(memory.readBytes(0x012340, 100)).toEqual(src.subarray(0, 100));
    expect(memory.read8(0x012340 + 100)).toBe(0);
    expect(io.read8(0x08) & 0x04).toBe(0x04); // TC for channel 2
    expect(io.read8(0x08) & 0x04).toBe(0); // cleared by the read
    // Without auto-init the channel masked itself.
    expect(dma.isActive(2)).toBe(false);
    expect(io.read8(0x0f) & 0x04).toBe(0x04);
    expect(dma.transferToMemory(2, src, 0, 10)).toBe(0);
  });

  it('stops early without terminal count when the peripheral has fewer bytes', () => {
    const { io, dma } = setup();
    program8(io, 1, 0x44, 0x2000, 511);
    expect(dma.transferToMemory(1, new Uint8Array(256), 0, 256)).toBe(256);
    expect(dma.hitTerminalCount(1)).toBe(false);
    expect(dma.remainingBytes(1)).toBe(256);
    // Current address/count read back through the flip-flop.
    io.write8(0x0c, 0);
    expect(io.read8(0x02) | (io.read8(0x02) << 8)).toBe(0x2100);
    expect(io.read8(0x03) | (io.read8(0x03) << 8)).toBe(255);
  });

  it('auto-initialize reloads the base registers at terminal count and stays unmasked', () => {
    const { io, dma, memory } = setup();
    program8(io, 1, 0x58, 0x3000, 3); // single, read (memory → I/O), auto-init
    memory.writeBytes(0x3000, Uint8Array.of(9, 8, 7, 6));
    const dst = new Uint8Array(6);
    expect(dma.transferFromMemory(1, dst, 0, 6)).toBe(4);
    expect(dma.hitTerminalCount(1)).toBe(true);
    expect(dma.isActive(1)).toBe(true);
    expect(dma.transferFromMemory(1, dst, 4, 2)).toBe(2);
    expect([...dst]).toEqual([9, 8, 7, 6, 9, 8]);
  });

  it('address decrement mode walks downwards', () => {
    const { io, dma, memory } = setup();
    program8(io, 3, 0x64, 0x4003, 3);
    dma.transferToMemory(3, Uint8Array.of(1, 2, 3, 4), 0, 4);
    expect([...memory.readBytes(0x4000, 4)]).toEqual([4, 3, 2, 1]);
  });

  it('refuses the wrong direction and counts without storing in verify mode', () => {
    const { io, dma, memory } = setup();
    program8(io, 2, 0x48, 0x5000, 9); // read (memory → I/O)
    expect(dma.transferToMemory(2, new Uint8Array(4).fill(0xaa), 0, 4)).toBe(0);
    program8(io, 2, 0x40, 0x5000, 3); // verify
    expect(dma.transferToMemory(2, new Uint8Array(4).fill(0xaa), 0, 4)).toBe(4);
    expect(dma.hitTerminalCount(2)).toBe(true);
    expect(memory.read8(0x5000)).toBe(0);
  });

  it('16-bit channels count words and address page[7:1]<<17 | address<<1', () => {
    const { io, dma, memory } = setup();
    io.write8(0xd4, 0x04 | 1); // mask channel 5
    io.write8(0xd8, 0);
    io.write8(0xd6, 0x44 | 1);
    io.write8(0xc4, 0x00); // word address 0x0800 → byte 0x1000 within page
    io.write8(0xc4, 0x08);
    io.write8(0x8b, 0x01); // page 1 → bit 0 ignored for 16-bit channels
    io.write8(0xc6, 1); // two words
    io.write8(0xc6, 0);
    io.write8(0xd4, 1);
    io.write8(0xdc, 0); // clear all masks on DMA2 (cascade channel 4 unmasked)
    expect(dma.transferToMemory(5, Uint8Array.of(1, 2, 3, 4, 5, 6), 0, 6)).toBe(4);
    expect([...memory.readBytes(0x1000, 5)]).toEqual([1, 2, 3, 4, 0]);
    expect(dma.hitTerminalCount(5)).toBe(true);
  });

  it('DMA1 channels are cut off while cascade channel 4 is masked, and master clear masks everything', () => {
    const { io, dma } = setup();
    program8(io, 2, 0x44, 0x1000, 9);
    io.write8(0xd4, 0x04); // mask channel 4
    expect(dma.isActive(2)).toBe(false);
    io.write8(0xd4, 0x00);
    expect(dma.isActive(2)).toBe(true);
    io.write8(0x0d, 0);
    expect(dma.isActive(2)).toBe(false);
    expect(io.read8(0x0f) & 0x0f).toBe(0x0f);
  });

  it('address and count registers read back whatever was written (property)', () => {
    const { io } = setup();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (ch, addr, count) => {
        const ctl = ch >>> 2;
        const reg = (r: number): number => (ctl === 0 ? r : 0xc0 + r * 2);
        const a = reg((ch & 3) * 2);
        const c = reg((ch & 3) * 2 + 1);
        io.write8(reg(12), 0);
        io.write8(a, addr & 0xff);
        io.write8(a, addr >>> 8);
        io.write8(c, count & 0xff);
        io.write8(c, count >>> 8);
        io.write8(reg(12), 0);
        expect(io.read8(a) | (io.read8(a) << 8)).toBe(addr);
        expect(io.read8(c) | (io.read8(c) << 8)).toBe(count);
      }),
      { numRuns: 100 },
    );
  });

  it('snapshot round-trips mid-transfer state', () => {
    const a = setup();
    program8(a.io, 2, 0x44, 0x6000, 9);
    a.dma.transferToMemory(2, new Uint8Array(5).fill(1), 0, 5);
    const b = setup();
    b.dma.loadState(a.dma.saveState());
    expect(b.dma.remainingBytes(2)).toBe(5);
    b.dma.transferToMemory(2, new Uint8Array(5).fill(2), 0, 5);
    expect(b.dma.hitTerminalCount(2)).toBe(true);
    expect(b.memory.read8(0x6005)).toBe(2);
    expect(b.memory.read8(0x6004)).toBe(0);
  });
});
