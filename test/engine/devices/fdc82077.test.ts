import { describe, expect, it } from 'vitest';
import { Dma8237 } from '../../../engine/devices/dma8237.js';
import { Fdc82077, FDC_IRQ } from '../../../engine/devices/fdc82077.js';
import { floppyFormats, floppyGeometryForSize } from '../../../engine/devices/floppy-geometry.js';
import { EngineInputError } from '../../../engine/errors.js';
import { makeMachine } from './helpers.js';
import { MemoryBlockDevice } from './memory-block-device.js';

const MSR = 0x3f4;
const FIFO = 0x3f5;
const DOR = 0x3f2;

function setup(sectors = 2880, readOnly = false) {
  const m = makeMachine();
  const dma = new Dma8237(m.ctx);
  m.io.write8(0xd6, 0xc0);
  m.io.write8(0xd4, 0x00);
  const disk = new MemoryBlockDevice(sectors, readOnly).fillPattern();
  const fdc = new Fdc82077(m.ctx, { dma, drives: [disk] });
  return { ...m, dma, fdc, disk };
}
type Setup = ReturnType<typeof setup>;

function command(s: Setup, bytes: number[]): void {
  for (const b of bytes) {
    expect(s.io.read8(MSR) & 0xc0).toBe(0x80); // RQM, host → controller
    s.io.write8(FIFO, b);
  }
}

function results(s: Setup): number[] {
  const out: number[] = [];
  while ((s.io.read8(MSR) & 0xc0) === 0xc0) out.push(s.io.read8(FIFO));
  return out;
}

/** Wait (in virtual time) for IRQ 6 like a BIOS would. */
function waitIrq(s: Setup): void {
  const edges = s.irq.edges[FDC_IRQ];
  for (let i = 0; i < 100 && s.irq.edges[FDC_IRQ] === edges; i++) s.advance(s.clock.msToTicks(1));
  expect(s.irq.edges[FDC_IRQ]).toBe(edges + 1);
}

function resetController(s: Setup): void {
  s.io.write8(DOR, 0x00);
  s.io.write8(DOR, 0x1c); // motor A on, DMA/IRQ gate, out of reset
  waitIrq(s);
  const edges = s.irq.edges[FDC_IRQ];
  for (let d = 0; d < 4; d++) {
    command(s, [0x08]);
    const r = results(s);
    expect(r.length).toBe(2);
    expect(r[0]).toBe(0xc0 | d);
  }
  expect(s.irq.level[FDC_IRQ]).toBe(false);
  expect(s.irq.edges[FDC_IRQ]).toBe(edges); // one reset interrupt, not four
  command(s, [0x03, 0xdf, 0x02]); // SPECIFY, DMA mode
  s.io.write8(0x3f7, 0); // CCR: 500 kbps for 1.44M media (reset default is 250 kbps)
}

function seek(s: Setup, cyl: number, head = 0): void {
  command(s, [0x0f, head << 2, cyl]);
  waitIrq(s);
  command(s, [0x08]);
  expect(results(s)).toEqual([0x20 | (head << 2), cyl]);
}

function programDma(s: Setup, mode: number, addr: number, bytes: number): void {
  s.io.write8(0x0a, 0x06);
  s.io.write8(0x0c, 0);
  s.io.write8(0x0b, mode);
  s.io.write8(0x04, addr & 0xff);
  s.io.write8(0x04, (addr >>> 8) & 0xff);
  s.io.write8(0x81, addr >>> 16);
  s.io.write8(0x05, (bytes - 1) & 0xff);
  s.io.write8(0x05, (bytes - 1) >>> 8);
  s.io.write8(0x0a, 0x02);
}

describe('82077 floppy controller', () => {
  it('reports four reset interrupts, VERSION and invalid commands', () => {
    const s = setup();
    expect(s.io.read8(MSR)).toBe(0); // held in reset at power-on (DOR = 0)
    resetController(s);
    command(s, [0x08]);
    expect(results(s)).toEqual([0x80]); // no interrupt pending
    command(s, [0x10]);
    expect(results(s)).toEqual([0x90]);
    command(s, [0x1f]);
    expect(results(s)).toEqual([0x80]);
  });

  it('reads three sectors across both heads by DMA with multi-track, ending at terminal count', () => {
    const s = setup();
    resetController(s);
    command(s, [0x07, 0x00]);
    waitIrq(s);
    command(s, [0x08]);
    expect(results(s)).toEqual([0x20, 0]);
    seek(s, 1);
    programDma(s, 0x46, 0x10000, 3 * 512); // single, write to memory, channel 2
    command(s, [0xe6, 0x00, 1, 0, 17, 2, 18, 0x1b, 0xff]); // READ DATA MT MFM SK: C1 H0 R17..EOT18
    expect(s.io.read8(MSR) & 0x90).toBe(0x10); // busy, no RQM during execution
    waitIrq(s);
    // Normal termination; the ID points past the last sector read (C1 H1 R1 → next R2).
    expect(results(s)).toEqual([0x04, 0x00, 0x00, 1, 1, 2, 2]);
    expect(s.irq.level[FDC_IRQ]).toBe(false);
    const first = (1 * 2 + 0) * 18 + 16;
    expect(s.memory.readBytes(0x10000, 3 * 512)).toEqual(s.disk.data.subarray(first * 512, (first + 3) * 512));
    expect(s.io.read8(0x08) & 0x04).toBe(0x04); // DMA TC on channel 2
  });

  it('ends with end-of-cylinder when the track runs out before terminal count', () => {
    const s = setup();
    resetController(s);
    programDma(s, 0x46, 0x8000, 4 * 512);
    command(s, [0x46, 0x00, 0, 0, 17, 2, 18, 0x1b, 0xff]);
    waitIrq(s);
    expect(results(s)).toEqual([0x40, 0x80, 0x00, 1, 0, 1, 2]);
    expect(s.memory.readBytes(0x8000, 1024)).toEqual(s.disk.data.subarray(16 * 512, 18 * 512));
  });

  it('writes through DMA and rejects writes to protected media', () => {
    const s = setup();
    resetController(s);
    const payload = Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) & 0xff);
    s.memory.writeBytes(0x9000, payload);
    programDma(s, 0x4a, 0x9000, 1024); // read from memory
    command(s, [0xc5, 0x04, 0, 1, 1, 2, 18, 0x1b, 0xff]); // head 1 R1–2
    waitIrq(s);
    expect(results(s)).toEqual([0x04, 0, 0, 0, 1, 3, 2]);
    expect(s.disk.data.subarray(18 * 512, 20 * 512)).toEqual(payload);

    const ro = setup(2880, true);
    resetController(ro);
    programDma(ro, 0x4a, 0x9000, 512);
    command(ro, [0xc5, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff]);
    waitIrq(ro);
    expect(results(ro).slice(0, 3)).toEqual([0x40, 0x02, 0x00]);
  });

  it('flags missing sectors, wrong cylinders, wrong data rate and an empty drive', () => {
    const s = setup();
    resetController(s);
    programDma(s, 0x46, 0x8000, 512);
    command(s, [0x46, 0x00, 0, 0, 19, 2, 19, 0x1b, 0xff]); // R19 on an 18-sector track
    waitIrq(s);
    expect(results(s).slice(0, 3)).toEqual([0x40, 0x04, 0x00]);
    command(s, [0x46, 0x00, 5, 0, 1, 2, 18, 0x1b, 0xff]); // head is on cylinder 0
    waitIrq(s);
    expect(results(s).slice(0, 3)).toEqual([0x40, 0x04, 0x10]);
    s.io.write8(0x3f7, 2); // 250 kbps: a 1.44M disk cannot be read
    command(s, [0x46, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff]);
    waitIrq(s);
    expect(results(s).slice(0, 3)).toEqual([0x40, 0x01, 0x00]);
    s.io.write8(0x3f7, 0);
    command(s, [0x46, 0x01, 0, 0, 1, 2, 18, 0x1b, 0xff]); // drive B: is empty
    waitIrq(s);
    expect(results(s).slice(0, 2)).toEqual([0x49, 0x01]);
  });

  it('reads a sector in non-DMA mode through the FIFO', () => {
    const s = setup();
    resetController(s);
    command(s, [0x03, 0xdf, 0x03]); // SPECIFY with ND
    command(s, [0x46, 0x00, 0, 0, 18, 2, 18, 0x1b, 0xff]);
    waitIrq(s);
    expect(s.io.read8(MSR) & 0xf0).toBe(0xf0); // RQM DIO NDMA CB
    const got = new Uint8Array(512);
    for (let i = 0; i < 512; i++) got[i] = s.io.read8(FIFO);
    expect(got).toEqual(s.disk.data.subarray(17 * 512, 18 * 512));
    // No terminal count in PIO mode: the command stops at EOT with EN.
    expect(results(s)).toEqual([0x40, 0x80, 0x00, 1, 0, 1, 2]);
  });

  it('writes a sector in non-DMA mode through the FIFO', () => {
    const s = setup();
    resetController(s);
    command(s, [0x03, 0xdf, 0x03]);
    command(s, [0x45, 0x04, 0, 1, 18, 2, 18, 0x1b, 0xff]); // head 1, sector 18
    waitIrq(s);
    expect(s.io.read8(MSR) & 0xf0).toBe(0xb0); // RQM NDMA CB, host → controller
    for (let i = 0; i < 512; i++) s.io.write8(FIFO, (i * 5) & 0xff);
    expect(results(s)).toEqual([0x44, 0x80, 0x00, 1, 1, 1, 2]);
    const lba = 18 + 17;
    expect(s.disk.data.subarray(lba * 512, lba * 512 + 512)).toEqual(Uint8Array.from({ length: 512 }, (_, i) => (i * 5) & 0xff));
  });

  it('READ ID, SENSE DRIVE STATUS, DUMPREG, CONFIGURE and LOCK', () => {
    const s = setup();
    resetController(s);
    seek(s, 3);
    command(s, [0x4a, 0x04]);
    waitIrq(s);
    expect(results(s)).toEqual([0x04, 0, 0, 3, 1, 1, 2]);
    command(s, [0x04, 0x04]);
    expect(results(s)).toEqual([0x20 | 0x08 | 0x04]); // ready, two-sided, head 1, not track 0, writable
    command(s, [0x13, 0x00, 0x57, 0x05]); // CONFIGURE: EIS, FIFO on, threshold 7, PRETRK 5
    command(s, [0x94]);
    expect(results(s)).toEqual([0x10]);
    command(s, [0x0e]);
    expect(results(s)).toEqual([3, 0, 0, 0, 0xdf, 0x02, 0x00, 0x80, 0x57, 0x05]);
    // Locked configuration survives a reset.
    resetController(s);
    command(s, [0x0e]);
    expect(results(s).slice(7)).toEqual([0x80, 0x57, 0x05]);
  });

  it('formats a track with the filler byte from DMA-supplied IDs', () => {
    const s = setup();
    resetController(s);
    seek(s, 2);
    const ids: number[] = [];
    for (let r = 1; r <= 18; r++) ids.push(2, 1, r, 2);
    s.memory.writeBytes(0xa000, Uint8Array.from(ids));
    programDma(s, 0x4a, 0xa000, ids.length);
    command(s, [0x4d, 0x04, 2, 18, 0x54, 0xe5]);
    waitIrq(s);
    expect(results(s).slice(0, 3)).toEqual([0x04, 0, 0]);
    const track = (2 * 2 + 1) * 18;
    expect(s.disk.data.subarray(track * 512, (track + 18) * 512).every((b) => b === 0xe5)).toBe(true);
    expect(s.disk.data[(track - 1) * 512]).not.toBe(0xe5);
  });

  it('raises the disk-change line on insert and clears it after a step', () => {
    const s = setup();
    resetController(s);
    expect(s.io.read8(0x3f7) & 0x80).toBe(0x80); // power-on
    seek(s, 1);
    expect(s.io.read8(0x3f7) & 0x80).toBe(0);
    s.fdc.insertMedia(0, new MemoryBlockDevice(1440));
    expect(s.fdc.mediaGeometry(0)?.label).toBe('720K');
    expect(s.io.read8(0x3f7) & 0x80).toBe(0x80);
    seek(s, 0);
    expect(s.io.read8(0x3f7) & 0x80).toBe(0);
  });

  it('overlapping seeks on both drives each report through SENSE INTERRUPT STATUS', () => {
    const s = setup();
    s.fdc.insertMedia(1, new MemoryBlockDevice(2880));
    resetController(s);
    command(s, [0x0f, 0x00, 10]);
    command(s, [0x0f, 0x01, 20]);
    expect(s.io.read8(MSR) & 0x03).toBe(0x03); // both drives busy seeking
    waitIrq(s);
    s.advance(s.clock.msToTicks(5));
    command(s, [0x08]);
    expect(results(s)).toEqual([0x20, 10]);
    expect(s.irq.level[FDC_IRQ]).toBe(true); // drive 1 still has a status to report
    command(s, [0x08]);
    expect(results(s)).toEqual([0x21, 20]);
    command(s, [0x08]);
    expect(results(s)).toEqual([0x80]);
    command(s, [0x07, 0x03]); // drive 3 is not fitted: equipment check
    waitIrq(s);
    command(s, [0x08]);
    expect(results(s)).toEqual([0x73, 0]);
  });

  it('derives every supported geometry from the image size and names unknown sizes', () => {
    const sizes = floppyFormats().map((f) => [f.label, f.cylinders * f.heads * f.sectorsPerTrack * 512]);
    expect(sizes).toEqual([
      ['160K', 163840], ['180K', 184320], ['320K', 327680], ['360K', 368640], ['720K', 737280],
      ['1.2M', 1228800], ['1.44M', 1474560], ['1.68M DMF', 1720320], ['2.88M', 2949120],
    ]);
    expect(floppyGeometryForSize(1474560)).toMatchObject({ cylinders: 80, heads: 2, sectorsPerTrack: 18 });
    expect(() => floppyGeometryForSize(1000000, 'x.img')).toThrow(EngineInputError);
    expect(() => floppyGeometryForSize(1000000)).toThrow(/1000000/);
  });

  it('continues a read identically after a snapshot taken during execution', () => {
    const a = setup();
    resetController(a);
    programDma(a, 0x46, 0x10000, 1024);
    command(a, [0x46, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff]);
    const b = setup();
    b.clock.ticks = a.clock.ticks;
    b.dma.loadState(a.dma.saveState());
    b.fdc.loadState(a.fdc.saveState());
    waitIrq(b);
    expect(results(b)).toEqual([0x00, 0, 0, 0, 0, 3, 2]);
    expect(b.memory.readBytes(0x10000, 1024)).toEqual(b.disk.data.subarray(0, 1024));
  });
});
