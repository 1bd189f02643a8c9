import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IoBus } from '../../../engine/bus/io-bus.js';

describe('IoBus', () => {
  it('reads 0xFF from unclaimed ports and ignores writes', () => {
    const bus = new IoBus();
    bus.write8(0x1234, 0x55);
    expect(bus.read8(0x1234)).toBe(0xff);
    expect(bus.read16(0x1234)).toBe(0xffff);
    expect(bus.read32(0x1234)).toBe(0xffffffff);
  });

  it('routes byte accesses to the owning device', () => {
    const bus = new IoBus();
    const regs = new Uint8Array(4);
    bus.register('dev', 0x300, 4, {
      read8: (p) => regs[p - 0x300],
      write8: (p, v) => {
        regs[p - 0x300] = v;
      },
    });
    bus.write8(0x302, 0x1ab);
    expect(regs[2]).toBe(0xab);
    expect(bus.read8(0x302)).toBe(0xab);
  });

  it('splits wide accesses into little-endian byte accesses for 8-bit devices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const bus = new IoBus();
        const regs = new Uint8Array(4);
        bus.register('dev', 0x100, 4, {
          read8: (p) => regs[p - 0x100],
          write8: (p, v) => {
            regs[p - 0x100] = v;
          },
        });
        bus.write32(0x100, value);
        expect(Array.from(regs)).toEqual([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]);
        expect(bus.read32(0x100)).toBe(value >>> 0);
        expect(bus.read16(0x102)).toBe(value >>> 16);
      }),
    );
  });

  it('prefers a device’s wide handler when it has one', () => {
    const bus = new IoBus();
    const seen: string[] = [];
    bus.register('ide', 0x1f0, 1, {
      read16: () => 0xbeef,
      write16: (_p, v) => seen.push(`w16 ${v.toString(16)}`),
      read8: () => 0x11,
    });
    expect(bus.read16(0x1f0)).toBe(0xbeef);
    bus.write16(0x1f0, 0x1234);
    expect(seen).toEqual(['w16 1234']);
  });

  it('refuses two devices on one port, naming both', () => {
    const bus = new IoBus();
    bus.register('uart', 0x3f8, 8, { read8: () => 0 });
    expect(() => bus.register('other', 0x3fc, 1, { read8: () => 0 })).toThrow(/0x3fc is claimed by both uart and other/);
  });

  it('reports every written byte to the write tap', () => {
    const bus = new IoBus();
    const log: [number, number, number][] = [];
    bus.setWriteTap((p, v, s) => log.push([p, v, s]));
    bus.write8(0xe9, 0x41);
    bus.write16(0x80, 0x0102);
    expect(log).toEqual([
      [0xe9, 0x41, 1],
      [0x80, 0x02, 1],
      [0x81, 0x01, 1],
    ]);
  });
});
