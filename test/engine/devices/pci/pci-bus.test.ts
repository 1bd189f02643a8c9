import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PciBus } from '../../../../engine/devices/pci/pci-bus.js';
import { addI440fx } from '../../../../engine/devices/pci/i440fx.js';
import { Piix3Isa } from '../../../../engine/devices/pci/piix3-isa.js';
import { PiixIde } from '../../../../engine/devices/ide/piix-ide.js';
import { makeMachine } from '../helpers.js';
import { MemoryBlockDevice } from '../memory-block-device.js';

function board() {
  const m = makeMachine();
  const pci = new PciBus(m.ctx);
  const pam: [number, number][] = [];
  const pirq: [number, number | null][] = [];
  addI440fx(pci, { onPamChange: (i, v) => pam.push([i, v]) });
  const isa = new Piix3Isa(pci, { onPirqChange: (p, irq) => pirq.push([p, irq]) });
  const ide = new PiixIde(m.ctx, { pci, primaryMaster: { type: 'hd', disk: new MemoryBlockDevice(64) } });
  return { ...m, pci, isa, ide, pam, pirq };
}
type Board = ReturnType<typeof board>;

/** Mechanism #1 dword read as firmware does it. */
function cfgRead(b: Board, dev: number, fn: number, reg: number): number {
  b.io.write32(0xcf8, (0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0);
  return b.io.read32(0xcfc);
}

function cfgWrite(b: Board, dev: number, fn: number, reg: number, v: number): void {
  b.io.write32(0xcf8, (0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0);
  b.io.write32(0xcfc, v);
}

describe('PCI configuration mechanism #1', () => {
  it('enumerates the host bridge, ISA bridge and IDE function with their IDs and classes', () => {
    const b = board();
    const found: string[] = [];
    for (let dev = 0; dev < 32; dev++) {
      for (let fn = 0; fn < 8; fn++) {
        const id = cfgRead(b, dev, fn, 0);
        if (id === 0xffffffff) continue;
        const cls = cfgRead(b, dev, fn, 8) >>> 8;
        const hdr = (cfgRead(b, dev, fn, 0x0c) >>> 16) & 0xff;
        found.push(`${dev}.${fn} ${id.toString(16)} ${cls.toString(16).padStart(6, '0')} ${hdr.toString(16)}`);
      }
    }
    expect(found).toEqual(['0.0 12378086 060000 0', '1.0 70008086 060100 80', '1.1 70108086 010180 0']);
    expect(cfgRead(b, 0, 0, 0x04) & 0xffff).toBe(0x0006);
    expect(cfgRead(b, 0, 0, 0x2c)).toBe(0x11001af4); // QEMU subsystem: SeaBIOS's board detection
    expect(cfgRead(b, 1, 1, 0x20)).toBe(0x00000001); // BAR4: I/O, unassigned
    expect(cfgRead(b, 1, 0, 0x60)).toBe(0x80808080);
    expect(cfgRead(b, 0, 0, 0x60)).toBe(0x02020202);
  });

  it('supports byte and word access at every offset inside CONFIG_DATA', () => {
    const b = board();
    b.io.write32(0xcf8, 0x80000000);
    expect(b.io.read16(0xcfc)).toBe(0x8086);
    expect(b.io.read16(0xcfe)).toBe(0x1237);
    expect(b.io.read8(0xcfd)).toBe(0x80);
    expect(b.io.read8(0xcff)).toBe(0x12);
    // Without the enable bit nothing answers.
    b.io.write32(0xcf8, 0x00000000);
    expect(b.io.read32(0xcfc)).toBe(0xffffffff);
    b.io.write32(0xcf8, 0x80000000);
    expect(b.io.read32(0xcf8)).toBe(0x80000000);
  });

  it('sizes the IDE bus-master BAR by writing all-ones and moves its I/O block when the BAR changes', () => {
    const b = board();
    cfgWrite(b, 1, 1, 0x20, 0xffffffff);
    expect(cfgRead(b, 1, 1, 0x20)).toBe(0xfffffff1); // 16 bytes of I/O space
    // Unimplemented BARs read as zero even after writing ones.
    cfgWrite(b, 1, 1, 0x10, 0xffffffff);
    expect(cfgRead(b, 1, 1, 0x10)).toBe(0);
    cfgWrite(b, 1, 1, 0x20, 0xc001);
    expect(b.io.read8(0xc004)).toBe(0xff); // I/O decode still off
    cfgWrite(b, 1, 1, 0x04, 0x0005);
    b.io.write32(0xc004, 0x12345678);
    expect(b.io.read32(0xc004)).toBe(0x12345678 & ~3);
    cfgWrite(b, 1, 1, 0x20, 0xd001);
    expect(b.io.read8(0xc004)).toBe(0xff);
    expect(b.io.read32(0xd004)).toBe(0x12345678 & ~3);
    cfgWrite(b, 1, 1, 0x04, 0x0000);
    expect(b.io.read8(0xd004)).toBe(0xff);
  });

  it('keeps read-only registers read-only and clears write-1-to-clear status bits', () => {
    const b = board();
    cfgWrite(b, 0, 0, 0x00, 0);
    expect(cfgRead(b, 0, 0, 0x00)).toBe(0x12378086);
    b.ide.pciFunction.config[0x07] |= 0x20; // received master abort (bit 13)
    b.io.write32(0xcf8, 0x80000904);
    b.io.write16(0xcfe, 0x2000);
    expect(cfgRead(b, 1, 1, 0x04) >>> 16).toBe(0x0280);
  });

  it('routes PIRQs and reports PAM writes', () => {
    const b = board();
    b.io.write32(0xcf8, 0x80000860);
    b.io.write8(0xcfd, 0x0b); // PIRQB → IRQ 11
    expect(b.isa.pirqRoute(1)).toBe(11);
    expect(b.isa.pirqRoute(0)).toBeNull();
    b.io.write8(0xcfe, 0x02); // IRQ 2 is reserved
    expect(b.isa.pirqRoute(2)).toBeNull();
    expect(b.pirq).toEqual([[1, 11], [2, null]]);
    b.io.write32(0xcf8, 0x80000058);
    b.io.write8(0xcfd, 0x30);
    expect(b.pam).toEqual([[0, 0x30]]);
    expect(cfgRead(b, 0, 0, 0x58) >>> 8 & 0xff).toBe(0x30);
  });

  it('lets another module add a function with memory and ROM BARs (VGA at 02.0)', () => {
    const b = board();
    const maps: string[] = [];
    b.pci.addFunction({
      device: 2,
      function: 0,
      vendorId: 0x1234,
      deviceId: 0x1111,
      classCode: 0x030000,
      bars: [{ kind: 'mem', size: 16 << 20, prefetchable: true, onMap: (base) => maps.push(`lfb ${base?.toString(16)}`) }],
      rom: { size: 0x10000, onMap: (base) => maps.push(`rom ${base?.toString(16)}`) },
    });
    expect(() => b.pci.addFunction({ device: 2, function: 0, vendorId: 1, deviceId: 1, classCode: 0 })).toThrow(/twice/);
    cfgWrite(b, 2, 0, 0x10, 0xffffffff);
    expect(cfgRead(b, 2, 0, 0x10)).toBe(0xff000008);
    cfgWrite(b, 2, 0, 0x30, 0xffffffff);
    expect(cfgRead(b, 2, 0, 0x30)).toBe(0xffff0001);
    cfgWrite(b, 2, 0, 0x10, 0xfd000000);
    cfgWrite(b, 2, 0, 0x30, 0xfebe0001);
    cfgWrite(b, 2, 0, 0x04, 0x0002);
    expect(maps).toEqual(['lfb fd000000', 'rom febe0000']);
  });

  it('BAR read-back is always the written value masked to the BAR size (property)', () => {
    const b = board();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        cfgWrite(b, 1, 1, 0x20, v);
        expect(cfgRead(b, 1, 1, 0x20)).toBe(((v & 0xfffffff0) | 1) >>> 0);
      }),
    );
  });

  it('snapshot restores every config space and re-announces BAR mappings', () => {
    const a = board();
    cfgWrite(a, 1, 1, 0x20, 0xc001);
    cfgWrite(a, 1, 1, 0x04, 0x0005);
    a.io.write8(0xc000, 0x08);
    const b = board();
    b.pci.loadState(a.pci.saveState());
    b.ide.loadState(a.ide.saveState());
    expect(cfgRead(b, 1, 1, 0x20)).toBe(0xc001);
    expect(b.io.read8(0xc000)).toBe(0x08);
  });
});
