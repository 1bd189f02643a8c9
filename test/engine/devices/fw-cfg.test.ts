import { describe, expect, it } from 'vitest';
import { FwCfg, FW_CFG_FILE_DIR, FW_CFG_ID, FW_CFG_RAM_SIZE, FW_CFG_NB_CPUS, FW_CFG_MAX_CPUS } from '../../../engine/devices/fw-cfg.js';
import { makeMachine } from './helpers.js';

function setup(dma = true) {
  const m = makeMachine();
  const fw = new FwCfg(m.ctx, { ramBytes: 0x1_2000_0000, cpus: 2, maxCpus: 4, dma });
  return { ...m, fw };
}
type Setup = ReturnType<typeof setup>;

function readItem(s: Setup, key: number, n: number): number[] {
  s.io.write16(0x510, key);
  return Array.from({ length: n }, () => s.io.read8(0x511));
}

function parseDir(s: Setup): { size: number; select: number; name: string }[] {
  s.io.write16(0x510, FW_CFG_FILE_DIR);
  const b = (): number => s.io.read8(0x511);
  const be = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b();
    return v;
  };
  const count = be(4);
  const out = [];
  for (let i = 0; i < count; i++) {
    const size = be(4);
    const select = be(2);
    be(2);
    const name = Array.from({ length: 56 }, b);
    out.push({ size, select, name: String.fromCharCode(...name.slice(0, name.indexOf(0))) });
  }
  return out;
}

describe('fw_cfg', () => {
  it('has the QEMU signature and advertises DMA in FW_CFG_ID only when enabled', () => {
    const s = setup();
    expect(String.fromCharCode(...readItem(s, 0, 4))).toBe('QEMU');
    expect(readItem(s, FW_CFG_ID, 4)).toEqual([3, 0, 0, 0]);
    expect(readItem(setup(false), FW_CFG_ID, 4)).toEqual([1, 0, 0, 0]);
    // Reads past the end of an item return 0; reselecting rewinds.
    expect(readItem(s, 0, 6)).toEqual([0x51, 0x45, 0x4d, 0x55, 0, 0]);
    expect(s.io.read32(0x514)).toBe(0x554d4551);
    expect(setup(false).io.read32(0x514)).toBe(0xffffffff);
  });

  it('reports RAM size as LE64 and the CPU counts as LE16', () => {
    const s = setup();
    expect(readItem(s, FW_CFG_RAM_SIZE, 8)).toEqual([0, 0, 0, 0x20, 1, 0, 0, 0]);
    expect(readItem(s, FW_CFG_NB_CPUS, 2)).toEqual([2, 0]);
    expect(readItem(s, FW_CFG_MAX_CPUS, 2)).toEqual([4, 0]);
  });

  it('lists added files in a big-endian directory sorted by name, each readable by its selector', () => {
    const s = setup();
    const bootorder = new TextEncoder().encode('/pci@i0cf8/ide@1,1/drive@0/disk@0\n\0');
    expect(s.fw.addFile('etc/e820', new Uint8Array(40).fill(7))).toBe(0x20);
    expect(s.fw.addFile('bootorder', bootorder)).toBe(0x21);
    s.fw.addFile('etc/boot-fail-wait', Uint8Array.of(5, 0, 0, 0));
    const dir = parseDir(s);
    expect(dir).toEqual([
      { size: bootorder.length, select: 0x21, name: 'bootorder' },
      { size: 4, select: 0x22, name: 'etc/boot-fail-wait' },
      { size: 40, select: 0x20, name: 'etc/e820' },
    ]);
    expect(readItem(s, 0x21, bootorder.length)).toEqual([...bootorder]);
    expect(() => s.fw.addFile('bootorder', new Uint8Array(1))).toThrow(/twice/);
    expect(() => s.fw.addFile('x'.repeat(56), new Uint8Array(1))).toThrow(/1–55/);
  });

  it('DMA interface: select + read into guest memory, skip, and error for writes', () => {
    const s = setup();
    s.fw.addFile('etc/table', Uint8Array.from({ length: 16 }, (_, i) => i + 1));
    const desc = 0x4000;
    const writeBe32 = (addr: number, v: number): void => {
      s.memory.writeBytes(addr, Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
    };
    const run = (control: number, length: number, target: number): number => {
      writeBe32(desc, control);
      writeBe32(desc + 4, length);
      writeBe32(desc + 8, 0);
      writeBe32(desc + 12, target);
      const bswap = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
      s.io.write32(0x514, 0);
      s.io.write32(0x518, bswap(desc));
      const c = s.memory.readBytes(desc, 4);
      return ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | c[3]) >>> 0;
    };
    expect(run((0x20 << 16) | 0x08 | 0x04, 4, 0)).toBe(0); // select etc/table, skip 4
    expect(run(0x02, 20, 0x5000)).toBe(0);
    expect([...s.memory.readBytes(0x5000, 14)]).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0]);
    expect(run((0x0000 << 16) | 0x08 | 0x02, 4, 0x6000)).toBe(0);
    expect(String.fromCharCode(...s.memory.readBytes(0x6000, 4))).toBe('QEMU');
    expect(run(0x10, 4, 0x6000)).toBe(1);
  });

  it('restores selector and offset from a snapshot', () => {
    const a = setup();
    a.io.write16(0x510, 0);
    a.io.read8(0x511);
    const b = setup();
    b.fw.loadState(a.fw.saveState());
    expect(b.io.read8(0x511)).toBe(0x45);
  });
});
