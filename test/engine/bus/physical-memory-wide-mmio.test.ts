import { describe, expect, it } from 'vitest';
import { PhysicalMemory, type MmioHandler } from '../../../engine/bus/physical-memory.js';

/** A 4 KiB device that logs every call and stores bytes little-endian. */
function recordingDevice(wide: boolean) {
  const bytes = new Uint8Array(0x1000);
  const calls: string[] = [];
  const h: MmioHandler = {
    read8: (o) => (calls.push(`r8 ${o}`), bytes[o]),
    write8: (o, v) => {
      calls.push(`w8 ${o} ${v}`);
      bytes[o] = v;
    },
  };
  if (wide) {
    h.read16 = (o) => (calls.push(`r16 ${o}`), bytes[o] | (bytes[o + 1] << 8));
    h.write16 = (o, v) => {
      calls.push(`w16 ${o} ${v}`);
      bytes[o] = v;
      bytes[o + 1] = v >>> 8;
    };
    h.read32 = (o) => (calls.push(`r32 ${o}`), (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0);
    h.write32 = (o, v) => {
      calls.push(`w32 ${o} ${v}`);
      for (let i = 0; i < 4; i++) bytes[o + i] = v >>> (8 * i);
    };
  }
  return { h, calls, bytes };
}

describe('PhysicalMemory: wide MMIO dispatch', () => {
  it('sends naturally aligned 16/32-bit accesses to the wide handlers, once, with region offsets', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    const d = recordingDevice(true);
    mem.mapMmio('fb', 0xe0000000, 0x1000, d.h);
    mem.write32(0xe0000010, 0xdeadbeef);
    mem.write16(0xe0000022, 0xcafe);
    expect(mem.read32(0xe0000010)).toBe(0xdeadbeef);
    expect(mem.read16(0xe0000022)).toBe(0xcafe);
    expect(d.calls).toEqual([`w32 16 ${0xdeadbeef}`, `w16 34 ${0xcafe}`, 'r32 16', 'r16 34']);
    expect([...d.bytes.subarray(0x10, 0x14)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
  });

  it('splits unaligned accesses into byte accesses, little-endian', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    const d = recordingDevice(true);
    mem.mapMmio('fb', 0xe0000000, 0x1000, d.h);
    mem.write32(0xe0000001, 0x04030201);
    expect([...d.bytes.subarray(1, 5)]).toEqual([1, 2, 3, 4]);
    expect(d.calls.every((c) => c.startsWith('w8') || c.startsWith('w16'))).toBe(true);
    expect(d.calls.some((c) => c.startsWith('w32'))).toBe(false);
    d.calls.length = 0;
    expect(mem.read16(0xe0000003)).toBe(0x0403);
    expect(d.calls).toEqual(['r8 3', 'r8 4']);
  });

  it('falls back to byte accesses for devices without wide handlers', () => {
    const mem = new PhysicalMemory(1024 * 1024);
    const d = recordingDevice(false);
    mem.mapMmio('regs', 0xa0000, 0x1000, d.h);
    mem.write32(0xa0008, 0x11223344);
    expect(d.calls).toEqual(['w8 8 68', 'w8 9 51', 'w8 10 34', 'w8 11 17']);
    expect(mem.read32(0xa0008)).toBe(0x11223344);
  });

  it('applies the A20 mask before choosing the handler', () => {
    const mem = new PhysicalMemory(4 * 1024 * 1024);
    const d = recordingDevice(true);
    mem.mapMmio('win', 0xa0000, 0x1000, d.h);
    mem.setA20(false);
    mem.write32(0x1a0000, 0x55aa55aa); // wraps to 0A0000h
    expect(d.calls).toEqual([`w32 0 ${0x55aa55aa}`]);
  });
});
