import { describe, expect, it } from 'vitest';
import type { AtapiCdrom } from '../../../../engine/devices/ide/atapi-cdrom.js';
import { MemoryBlockDevice } from '../memory-block-device.js';
import { BM_BASE, ataString, ideMachine, readWords, waitIrq, word, writePrd, type IdeMachine } from './ide-test-kit.js';

const S = 0x170;
const CTL = 0x376;

function cdMachine(media: MemoryBlockDevice | null = new MemoryBlockDevice(400).fillPattern()) {
  const m = ideMachine({ secondaryMaster: { type: 'cdrom', media, vendor: 'LABVEND', product: 'TEST CDROM' } });
  m.io.write8(S + 6, 0xa0);
  return { ...m, media, cd: m.ide.drive(1, 0) as AtapiCdrom };
}

interface PacketResult {
  data: Uint8Array;
  chunks: number[];
  status: number;
  error: number;
  reason: number;
}

function packet(m: IdeMachine, cdb: number[], limit = 0xfffe): PacketResult {
  m.io.write8(S + 1, 0);
  m.io.write8(S + 4, limit & 0xff);
  m.io.write8(S + 5, limit >>> 8);
  m.io.write8(S + 7, 0xa0);
  expect(m.io.read8(CTL) & 0x88).toBe(0x08);
  expect(m.io.read8(S + 2) & 3).toBe(1); // CoD: the device wants the command packet
  const bytes = [...cdb, ...new Array(12 - cdb.length).fill(0)];
  for (let i = 0; i < 12; i += 2) m.io.write16(S, bytes[i] | (bytes[i + 1] << 8));
  const parts: Uint8Array[] = [];
  const chunks: number[] = [];
  for (;;) {
    waitIrq(m, 15);
    const status = m.io.read8(S + 7);
    const reason = m.io.read8(S + 2) & 3;
    if ((status & 0x08) === 0) {
      const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      return { data, chunks, status, error: m.io.read8(S + 1), reason };
    }
    expect(reason).toBe(2); // I/O, data to host
    const n = m.io.read8(S + 4) | (m.io.read8(S + 5) << 8);
    chunks.push(n);
    parts.push(readWords(m, S, n >>> 1));
  }
}

describe('ATAPI CD-ROM on the secondary channel', () => {
  it('has the packet signature, aborts IDENTIFY DEVICE and answers IDENTIFY PACKET DEVICE', () => {
    const m = cdMachine();
    expect([m.io.read8(S + 2), m.io.read8(S + 3), m.io.read8(S + 4), m.io.read8(S + 5)]).toEqual([1, 1, 0x14, 0xeb]);
    m.io.write8(S + 7, 0xec);
    waitIrq(m, 15);
    expect(m.io.read8(S + 7) & 0x01).toBe(1);
    expect(m.io.read8(S + 1)).toBe(0x04);
    expect([m.io.read8(S + 4), m.io.read8(S + 5)]).toEqual([0x14, 0xeb]);
    m.io.write8(S + 7, 0xa1);
    waitIrq(m, 15);
    expect(m.io.read8(S + 7) & 0x08).toBe(0x08);
    const id = readWords(m, S, 256);
    expect(word(id, 0)).toBe(0x85c0);
    expect(ataString(id, 27, 20)).toBe('COMPAT-LAB CD-ROM');
    expect(id.reduce((a, b) => a + b, 0) & 0xff).toBe(0);
  });

  it('INQUIRY returns a removable CD-ROM with vendor and product, truncated to the allocation length', () => {
    const m = cdMachine();
    const r = packet(m, [0x12, 0, 0, 0, 36, 0]);
    expect(r.status & 0x01).toBe(0);
    expect(r.reason).toBe(3);
    expect(r.data.length).toBe(36);
    expect(r.data[0]).toBe(0x05);
    expect(r.data[1]).toBe(0x80);
    expect(String.fromCharCode(...r.data.subarray(8, 16))).toBe('LABVEND ');
    expect(String.fromCharCode(...r.data.subarray(16, 32))).toBe('TEST CDROM      ');
    expect(packet(m, [0x12, 0, 0, 0, 8, 0]).data.length).toBe(8);
  });

  it('READ(10) returns 2048-byte blocks built from four 512-byte sectors, split by the byte count limit', () => {
    const m = cdMachine();
    const r = packet(m, [0x28, 0, 0, 0, 0, 10, 0, 0, 3, 0], 2048);
    expect(r.chunks).toEqual([2048, 2048, 2048]);
    expect(r.data).toEqual(m.media!.data.subarray(10 * 2048, 13 * 2048));
    // An odd, non-block-sized limit still delivers every byte in order.
    const odd = packet(m, [0xa8, 0, 0, 0, 0, 99, 0, 0, 0, 1, 0, 0], 1001);
    expect(odd.chunks).toEqual([1000, 1000, 48]);
    expect(odd.data).toEqual(m.media!.data.subarray(99 * 2048, 100 * 2048));
  });

  it('READ CAPACITY, READ TOC in LBA and MSF form, MODE SENSE capabilities page', () => {
    const m = cdMachine();
    expect([...packet(m, [0x25]).data]).toEqual([0, 0, 0, 99, 0, 0, 8, 0]);
    const toc = packet(m, [0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0]).data;
    expect([...toc]).toEqual([0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x16, 0xaa, 0, 0, 0, 0, 100]);
    const msf = packet(m, [0x43, 2, 0, 0, 0, 0, 0, 0, 100, 0]).data;
    expect([...msf.subarray(8, 12)]).toEqual([0, 0, 2, 0]);
    expect([...msf.subarray(16, 20)]).toEqual([0, 0, 3, 25]); // 100 + 150 frames = 00:03:25
    const ms = packet(m, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64, 0]).data;
    expect(ms.length).toBe(28);
    expect((ms[0] << 8) | ms[1]).toBe(26);
    expect([ms[8], ms[9]]).toEqual([0x2a, 0x12]);
    const bad = packet(m, [0x5a, 0, 0x33, 0, 0, 0, 0, 0, 64, 0]);
    expect(bad.error >>> 4).toBe(5);
  });

  it('without media: NOT READY / medium not present; insert raises UNIT ATTENTION once and a media event', () => {
    const m = cdMachine(null);
    const tur = packet(m, [0x00]);
    expect(tur.status & 0x01).toBe(1);
    expect(tur.error >>> 4).toBe(2);
    const sense = packet(m, [0x03, 0, 0, 0, 18, 0]).data;
    expect([sense[0], sense[2], sense[12]]).toEqual([0x70, 2, 0x3a]);
    m.cd.insertMedia(new MemoryBlockDevice(40).fillPattern());
    const ev = packet(m, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
    expect([...ev]).toEqual([0, 4, 4, 0x10, 2, 2, 0, 0]);
    const ua = packet(m, [0x00]);
    expect(ua.error >>> 4).toBe(6);
    expect(packet(m, [0x03, 0, 0, 0, 18, 0]).data[12]).toBe(0x28);
    expect(packet(m, [0x00]).status & 0x01).toBe(0);
    expect(packet(m, [0x46, 0, 0, 0, 0, 0, 0, 0, 16, 0]).data.subarray(6, 8)).toEqual(Uint8Array.of(0, 8));
  });

  it('rejects reads past the end and unknown opcodes with ILLEGAL REQUEST; locked media cannot be ejected', () => {
    const m = cdMachine();
    const past = packet(m, [0x28, 0, 0, 0, 0, 99, 0, 0, 2, 0]);
    expect(past.error >>> 4).toBe(5);
    expect(past.error).toBe(0x50);
    const sense = packet(m, [0x03, 0, 0, 0, 18, 0]).data;
    expect([sense[0], sense[2], sense[3], sense[4], sense[5], sense[6], sense[12]]).toEqual([0xf0, 5, 0, 0, 0, 99, 0x21]);
    expect(packet(m, [0xff]).error >>> 4).toBe(5);
    packet(m, [0x1e, 0, 0, 0, 1, 0]);
    expect(packet(m, [0x1b, 0, 0, 0, 2, 0]).error >>> 4).toBe(5);
    packet(m, [0x1e, 0, 0, 0, 0, 0]);
    expect(packet(m, [0x1b, 0, 0, 0, 2, 0]).status & 1).toBe(0);
    expect(m.cd.hasMedia).toBe(false);
  });

  it('READ(10) by bus-master DMA', () => {
    const m = cdMachine();
    writePrd(m, 0x1000, [[0x50000, 4096]]);
    m.io.write32(BM_BASE + 8 + 4, 0x1000);
    m.io.write8(BM_BASE + 8, 0x09);
    m.io.write8(S + 1, 0x01); // DMA
    m.io.write8(S + 7, 0xa0);
    const cdb = [0x28, 0, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0];
    for (let i = 0; i < 12; i += 2) m.io.write16(S, cdb[i] | (cdb[i + 1] << 8));
    waitIrq(m, 15);
    expect(m.io.read8(S + 7) & 0x89).toBe(0);
    expect(m.io.read8(S + 2) & 3).toBe(3);
    expect(m.io.read8(BM_BASE + 10) & 0x07).toBe(0x04);
    expect(m.memory.readBytes(0x50000, 4096)).toEqual(m.media!.data.subarray(5 * 2048, 7 * 2048));
  });

  it('a snapshot taken between DRQ blocks continues the transfer', () => {
    const a = cdMachine();
    a.io.write8(S + 4, 0x00);
    a.io.write8(S + 5, 0x08);
    a.io.write8(S + 7, 0xa0);
    const cdb = [0x28, 0, 0, 0, 0, 20, 0, 0, 2, 0, 0, 0];
    for (let i = 0; i < 12; i += 2) a.io.write16(S, cdb[i] | (cdb[i + 1] << 8));
    waitIrq(a, 15);
    a.io.read8(S + 7);
    const first = readWords(a, S, 1024);
    const b = cdMachine();
    b.clock.ticks = a.clock.ticks;
    b.pci.loadState(a.pci.saveState());
    b.ide.loadState(a.ide.saveState());
    waitIrq(b, 15);
    b.io.read8(S + 7);
    const second = readWords(b, S, 1024);
    expect(first).toEqual(b.media!.data.subarray(20 * 2048, 21 * 2048));
    expect(second).toEqual(b.media!.data.subarray(21 * 2048, 22 * 2048));
  });
});
