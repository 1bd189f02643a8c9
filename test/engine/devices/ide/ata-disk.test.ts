import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlockDevice, SparseBlockDevice } from '../memory-block-device.js';
import { BM_BASE, ataString, ideMachine, readWords, waitIrq, word, writePrd, writeWords, type IdeMachine } from './ide-test-kit.js';

const P = 0x1f0;
const CTL = 0x3f6;

function diskMachine(sectors = 4096) {
  const disk = new MemoryBlockDevice(sectors, false, { cylinders: Math.floor(sectors / (4 * 16)), heads: 4, sectorsPerTrack: 16 }).fillPattern();
  const m = ideMachine({ primaryMaster: { type: 'hd', disk, model: 'TEST DISK', serial: 'SN123', firmware: 'FW1' } });
  return { ...m, disk };
}

function lba28(m: IdeMachine, cmd: number, lba: number, count: number): void {
  m.io.write8(P + 6, 0xe0 | ((lba >>> 24) & 0x0f));
  m.io.write8(P + 2, count);
  m.io.write8(P + 3, lba & 0xff);
  m.io.write8(P + 4, (lba >>> 8) & 0xff);
  m.io.write8(P + 5, (lba >>> 16) & 0xff);
  m.io.write8(P + 7, cmd);
}

function identify(m: IdeMachine): Uint8Array {
  m.io.write8(P + 6, 0xa0);
  m.io.write8(P + 7, 0xec);
  expect(m.io.read8(CTL) & 0x80).toBe(0x80); // BSY until the data is ready
  waitIrq(m, 14);
  expect(m.io.read8(P + 7)).toBe(0x58); // DRDY DSC DRQ
  expect(m.irq.level[14]).toBe(false); // status read acknowledges INTRQ
  return readWords(m, P, 256);
}

describe('ATA disk on the PIIX IDE primary channel', () => {
  it('shows the ATA signature and answers IDENTIFY DEVICE with geometry, capacity, modes and a valid checksum', () => {
    const m = diskMachine(4096);
    expect([m.io.read8(P + 2), m.io.read8(P + 3), m.io.read8(P + 4), m.io.read8(P + 5)]).toEqual([1, 1, 0, 0]);
    const id = identify(m);
    expect(m.io.read8(P + 7) & 0x08).toBe(0);
    expect(ataString(id, 27, 20)).toBe('TEST DISK');
    expect(ataString(id, 10, 10)).toBe('SN123');
    expect(ataString(id, 23, 4)).toBe('FW1');
    expect([word(id, 1), word(id, 3), word(id, 6)]).toEqual([64, 4, 16]);
    expect(word(id, 60) | (word(id, 61) << 16)).toBe(4096);
    expect([word(id, 100), word(id, 101), word(id, 102), word(id, 103)]).toEqual([4096, 0, 0, 0]);
    expect(word(id, 49) & 0x0300).toBe(0x0300); // LBA and DMA
    expect(word(id, 83) & 0x0400).toBe(0x0400); // 48-bit feature set
    expect(word(id, 88) & 0x3f).toBe(0x3f);
    expect(word(id, 47) & 0xff).toBe(16);
    expect(id[510]).toBe(0xa5);
    expect(id.reduce((a, b) => a + b, 0) & 0xff).toBe(0);
  });

  it('reads sectors by PIO, one interrupt per sector, through 16- and 32-bit data port access', () => {
    const m = diskMachine();
    lba28(m, 0x20, 100, 3);
    const got = new Uint8Array(3 * 512);
    for (let s = 0; s < 3; s++) {
      waitIrq(m, 14);
      expect(m.io.read8(P + 7) & 0x89).toBe(0x08);
      if (s === 1) {
        for (let i = 0; i < 128; i++) {
          const d = m.io.read32(P);
          got.set([d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24], 512 + i * 4);
        }
      } else {
        got.set(readWords(m, P, 256), s * 512);
      }
    }
    expect(got).toEqual(m.disk.data.subarray(100 * 512, 103 * 512));
    expect(m.io.read8(P + 7)).toBe(0x50); // done, no DRQ
    m.advance(100_000);
    expect(m.irq.edges[14]).toBe(3); // no interrupt after the last block of a PIO read
  });

  it('writes sectors by PIO: first block without interrupt, then one per block', () => {
    const m = diskMachine();
    const payload = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31 + 7) & 0xff);
    lba28(m, 0x30, 7, 2);
    expect(m.io.read8(P + 7) & 0x88).toBe(0x08);
    writeWords(m, P, payload.subarray(0, 512));
    expect(m.io.read8(CTL) & 0x80).toBe(0x80);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7) & 0x08).toBe(0x08);
    writeWords(m, P, payload.subarray(512));
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect(m.disk.data.subarray(7 * 512, 9 * 512)).toEqual(payload);
  });

  it('reads and writes with 48-bit LBAs above 2^32 and reads back HOB registers', () => {
    const disk = new SparseBlockDevice(2 ** 34);
    const m = ideMachine({ primaryMaster: { type: 'hd', disk } });
    const id = identify(m);
    expect(word(id, 60) | (word(id, 61) << 16)).toBe(0x0fffffff);
    expect(word(id, 100) + word(id, 101) * 0x10000 + word(id, 102) * 2 ** 32).toBe(2 ** 34);
    const lba = 0x2_3456_789a;
    const setExt = (count: number): void => {
      m.io.write8(P + 6, 0x40);
      m.io.write8(P + 2, count >>> 8);
      m.io.write8(P + 3, Math.floor(lba / 2 ** 24) & 0xff);
      m.io.write8(P + 4, Math.floor(lba / 2 ** 32) & 0xff);
      m.io.write8(P + 5, 0);
      m.io.write8(P + 2, count & 0xff);
      m.io.write8(P + 3, lba & 0xff);
      m.io.write8(P + 4, (lba >>> 8) & 0xff);
      m.io.write8(P + 5, (lba >>> 16) & 0xff);
    };
    setExt(2);
    m.io.write8(CTL, 0x80);
    expect([m.io.read8(P + 3), m.io.read8(P + 4)]).toEqual([0x34, 0x02]);
    m.io.write8(CTL, 0x00);
    m.io.write8(P + 7, 0x24); // READ SECTORS EXT
    const got = new Uint8Array(1024);
    for (let s = 0; s < 2; s++) {
      waitIrq(m, 14);
      m.io.read8(P + 7);
      got.set(readWords(m, P, 256), s * 512);
    }
    for (let i = 0; i < 1024; i++) expect(got[i]).toBe(SparseBlockDevice.patternByte(lba + (i >> 9), i & 511));

    setExt(1);
    m.io.write8(P + 7, 0x34); // WRITE SECTORS EXT
    writeWords(m, P, new Uint8Array(512).fill(0x5a));
    waitIrq(m, 14);
    const back = new Uint8Array(512);
    disk.read(lba, 1, back);
    expect(back.every((b) => b === 0x5a)).toBe(true);
  });

  it('aborts unknown commands and reports IDNF past the end of the disk', () => {
    const m = diskMachine(1000);
    m.io.write8(P + 6, 0xe0);
    m.io.write8(P + 7, 0xa1); // IDENTIFY PACKET DEVICE on a disk
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x41);
    expect(m.io.read8(P + 1)).toBe(0x04);
    lba28(m, 0x20, 999, 2);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7) & 0x01).toBe(1);
    expect(m.io.read8(P + 1)).toBe(0x10);
    lba28(m, 0xc4, 0, 1); // READ MULTIPLE before SET MULTIPLE MODE
    waitIrq(m, 14);
    expect(m.io.read8(P + 1)).toBe(0x04);
  });

  it('READ MULTIPLE moves SET MULTIPLE MODE blocks per interrupt; WRITE MULTIPLE likewise', () => {
    const m = diskMachine();
    m.io.write8(P + 6, 0xe0);
    m.io.write8(P + 2, 4);
    m.io.write8(P + 7, 0xc6);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect(word(identify(m), 59)).toBe(0x0104);
    lba28(m, 0xc4, 20, 6); // blocks of 4 then 2
    waitIrq(m, 14);
    m.io.read8(P + 7);
    const a = readWords(m, P, 4 * 256);
    waitIrq(m, 14);
    m.io.read8(P + 7);
    const b = readWords(m, P, 2 * 256);
    expect(a).toEqual(m.disk.data.subarray(20 * 512, 24 * 512));
    expect(b).toEqual(m.disk.data.subarray(24 * 512, 26 * 512));
    expect(m.io.read8(P + 7)).toBe(0x50);

    lba28(m, 0xc5, 40, 4);
    writeWords(m, P, new Uint8Array(2048).fill(0x77));
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect(m.disk.data.subarray(40 * 512, 44 * 512).every((x) => x === 0x77)).toBe(true);
  });

  it('addresses CHS through the translation set by INITIALIZE DEVICE PARAMETERS', () => {
    const m = diskMachine();
    m.io.write8(P + 6, 0xa0 | 7); // 8 heads
    m.io.write8(P + 2, 32); // 32 sectors per track
    m.io.write8(P + 7, 0x91);
    waitIrq(m, 14);
    m.io.read8(P + 7);
    // C=2 H=3 S=5 → (2*8+3)*32+4 = 612
    m.io.write8(P + 6, 0xa0 | 3);
    m.io.write8(P + 2, 1);
    m.io.write8(P + 3, 5);
    m.io.write8(P + 4, 2);
    m.io.write8(P + 5, 0);
    m.io.write8(P + 7, 0x20);
    waitIrq(m, 14);
    m.io.read8(P + 7);
    expect(readWords(m, P, 256)).toEqual(m.disk.data.subarray(612 * 512, 613 * 512));
    m.io.write8(P + 3, 33); // sector beyond the translation
    m.io.write8(P + 7, 0x20);
    waitIrq(m, 14);
    expect(m.io.read8(P + 1)).toBe(0x10);
  });

  it('reads and writes by bus-master DMA through a two-entry PRD table', () => {
    const m = diskMachine();
    writePrd(m, 0x1000, [[0x20000, 1024], [0x30000, 512]]);
    m.io.write32(BM_BASE + 4, 0x1000);
    m.io.write8(BM_BASE + 2, 0x06); // clear interrupt and error
    m.io.write8(BM_BASE, 0x08); // direction: to memory
    lba28(m, 0xc8, 50, 3); // READ DMA
    m.advance(10_000);
    expect(m.irq.edges[14]).toBe(0); // waits for the bus master
    m.io.write8(BM_BASE, 0x09);
    waitIrq(m, 14);
    expect(m.io.read8(BM_BASE + 2) & 0x07).toBe(0x04); // interrupt, not active (table used up), no error
    expect(m.io.read8(P + 7)).toBe(0x50);
    m.io.write8(BM_BASE, 0x08);
    m.io.write8(BM_BASE + 2, 0x04);
    expect(m.memory.readBytes(0x20000, 1024)).toEqual(m.disk.data.subarray(50 * 512, 52 * 512));
    expect(m.memory.readBytes(0x30000, 512)).toEqual(m.disk.data.subarray(52 * 512, 53 * 512));

    // WRITE DMA EXT of one sector from a larger buffer: active stays set (table longer than the transfer).
    m.memory.writeBytes(0x40000, new Uint8Array(512).fill(0xc3));
    writePrd(m, 0x1000, [[0x40000, 4096]]);
    m.io.write8(P + 6, 0x40);
    m.io.write8(P + 2, 0);
    m.io.write8(P + 3, 0);
    m.io.write8(P + 4, 0);
    m.io.write8(P + 5, 0);
    m.io.write8(P + 2, 1);
    m.io.write8(P + 3, 9);
    m.io.write8(P + 4, 0);
    m.io.write8(P + 5, 0);
    m.io.write8(BM_BASE, 0x00);
    m.io.write8(BM_BASE, 0x01);
    m.io.write8(P + 7, 0x35);
    waitIrq(m, 14);
    expect(m.io.read8(BM_BASE + 2) & 0x07).toBe(0x05);
    expect(m.disk.data.subarray(9 * 512, 10 * 512).every((b) => b === 0xc3)).toBe(true);
  });

  it('the bus-master interrupt bit latches INTRQ, so it stays clear with nIEN set', () => {
    const m = diskMachine();
    writePrd(m, 0x1000, [[0x20000, 512]]);
    m.io.write32(BM_BASE + 4, 0x1000);
    m.io.write8(CTL, 0x02);
    m.io.write8(BM_BASE, 0x09);
    lba28(m, 0xc8, 3, 1);
    m.advance(20_000);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect(m.io.read8(BM_BASE + 2) & 0x07).toBe(0x00); // done, table used up, no interrupt
    expect(m.memory.readBytes(0x20000, 512)).toEqual(m.disk.data.subarray(3 * 512, 4 * 512));
    m.io.write8(CTL, 0x00);
    lba28(m, 0x20, 0, 1); // a PIO command's interrupt also sets it
    waitIrq(m, 14);
    expect(m.io.read8(BM_BASE + 2) & 0x04).toBe(0x04);
  });

  it('fails a DMA read whose PRD table is too short', () => {
    const m = diskMachine();
    writePrd(m, 0x1000, [[0x20000, 512]]);
    m.io.write32(BM_BASE + 4, 0x1000);
    m.io.write8(BM_BASE, 0x09);
    lba28(m, 0xc8, 0, 2);
    waitIrq(m, 14);
    expect(m.io.read8(BM_BASE + 2) & 0x07).toBe(0x06);
    expect(m.io.read8(P + 7) & 0x01).toBe(1);
  });

  it('FLUSH CACHE reaches the block device; power commands and SET FEATURES transfer mode', () => {
    const m = diskMachine();
    m.io.write8(P + 6, 0xe0);
    m.io.write8(P + 7, 0xe7);
    waitIrq(m, 14);
    expect(m.disk.flushes).toBe(1);
    m.io.write8(P + 7, 0xe0); // STANDBY IMMEDIATE
    waitIrq(m, 14);
    m.io.write8(P + 7, 0xe5);
    waitIrq(m, 14);
    expect(m.io.read8(P + 2)).toBe(0x00);
    m.io.write8(P + 1, 0x03);
    m.io.write8(P + 2, 0x45); // UDMA 5
    m.io.write8(P + 7, 0xef);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect(word(identify(m), 88)).toBe(0x203f);
    m.io.write8(P + 1, 0x03);
    m.io.write8(P + 2, 0x47); // UDMA 7 is not supported
    m.io.write8(P + 7, 0xef);
    waitIrq(m, 14);
    expect(m.io.read8(P + 1)).toBe(0x04);
  });

  it('software reset shows BSY, then the signature, without an interrupt; nIEN masks INTRQ', () => {
    const m = diskMachine();
    lba28(m, 0x20, 5, 1);
    m.io.write8(CTL, 0x04);
    expect(m.io.read8(CTL) & 0x80).toBe(0x80);
    m.io.write8(CTL, 0x00);
    m.advance(10_000);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect([m.io.read8(P + 1), m.io.read8(P + 2), m.io.read8(P + 3)]).toEqual([1, 1, 1]);
    expect(m.irq.edges[14]).toBe(0);
    m.io.write8(CTL, 0x02);
    lba28(m, 0x20, 5, 1);
    m.advance(10_000);
    expect(m.irq.edges[14]).toBe(0);
    expect(m.io.read8(CTL) & 0x08).toBe(0x08);
  });

  it('an empty slave position reads status 00h while the master is fitted', () => {
    const m = diskMachine();
    m.io.write8(P + 6, 0xb0);
    expect(m.io.read8(P + 7)).toBe(0x00);
    expect(m.io.read8(0x177)).toBe(0x00); // secondary channel: nothing fitted, BSY clear
    m.io.write8(0x172, 0x55);
    expect(m.io.read8(0x172)).toBe(0x00); // no device latches the probe pattern
  });

  it('keeps per-device registers: ATA master and ATAPI slave show their own signatures after a diagnostic', () => {
    const disk = new MemoryBlockDevice(64);
    const m = ideMachine({ primaryMaster: { type: 'hd', disk }, primarySlave: { type: 'cdrom', media: null } });
    m.io.write8(P + 4, 0x55);
    m.io.write8(P + 7, 0x90); // EXECUTE DEVICE DIAGNOSTIC
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    expect([m.io.read8(P + 1), m.io.read8(P + 4), m.io.read8(P + 5)]).toEqual([1, 0, 0]);
    m.io.write8(P + 6, 0xb0);
    expect([m.io.read8(P + 1), m.io.read8(P + 4), m.io.read8(P + 5)]).toEqual([1, 0x14, 0xeb]);
    expect(m.io.read8(P + 7)).toBe(0x00); // packet device: DRDY clear after reset
  });

  it('aborts writes to a read-only disk without touching it', () => {
    const disk = new MemoryBlockDevice(64, true);
    const m = ideMachine({ primaryMaster: { type: 'hd', disk } });
    lba28(m, 0x30, 1, 1);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x41);
    expect(m.io.read8(P + 1)).toBe(0x04);
    expect(m.io.read8(P + 7) & 0x08).toBe(0);
  });

  it('READ VERIFY checks the range without a data phase; SET MULTIPLE MODE rejects non-powers of two', () => {
    const m = diskMachine(100);
    lba28(m, 0x40, 90, 10);
    waitIrq(m, 14);
    expect(m.io.read8(P + 7)).toBe(0x50);
    lba28(m, 0x40, 95, 10);
    waitIrq(m, 14);
    expect(m.io.read8(P + 1)).toBe(0x10);
    m.io.write8(P + 2, 3);
    m.io.write8(P + 7, 0xc6);
    waitIrq(m, 14);
    expect(m.io.read8(P + 1)).toBe(0x04);
  });

  it('PIO reads return exactly the disk contents at any LBA and count (property)', () => {
    const m = diskMachine(512);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 8 }), (lba, count) => {
        fc.pre(lba + count <= 512);
        lba28(m, 0x20, lba, count);
        for (let s = 0; s < count; s++) {
          waitIrq(m, 14);
          m.io.read8(P + 7);
          expect(readWords(m, P, 256)).toEqual(m.disk.data.subarray((lba + s) * 512, (lba + s + 1) * 512));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a snapshot taken between PIO blocks continues identically', () => {
    const a = diskMachine();
    lba28(a, 0x20, 30, 2);
    waitIrq(a, 14);
    a.io.read8(P + 7);
    readWords(a, P, 100);
    const b = diskMachine();
    b.clock.ticks = a.clock.ticks;
    b.pci.loadState(a.pci.saveState());
    b.ide.loadState(a.ide.saveState());
    const rest = readWords(b, P, 156);
    expect(rest).toEqual(b.disk.data.subarray(30 * 512 + 200, 31 * 512));
    waitIrq(b, 14);
    b.io.read8(P + 7);
    expect(readWords(b, P, 256)).toEqual(b.disk.data.subarray(31 * 512, 32 * 512));
  });
});
