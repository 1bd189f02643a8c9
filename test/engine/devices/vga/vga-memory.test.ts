import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IoBus } from '../../../../engine/bus/io-bus.js';
import { programMode } from '../../../../engine/devices/vga/vga-modes.js';
import { makeVga } from './vga-fixture.js';

/**
 * Reference model of the graphics controller for planar (unchained) memory,
 * written bit by bit from the FreeVGA description of write modes 0–3 and
 * read modes 0–1, independently of the adapter's byte-wide implementation.
 */
class RefPlanes {
  readonly planes = [0, 1, 2, 3].map(() => new Uint8Array(256));
  readonly latch = [0, 0, 0, 0];
  setReset = 0;
  enableSetReset = 0;
  colorCompare = 0;
  rotate = 0;
  func = 0;
  readMap = 0;
  writeMode = 0;
  readMode = 0;
  dontCare = 0x0f;
  bitMask = 0xff;
  mapMask = 0x0f;

  read(off: number): number {
    for (let p = 0; p < 4; p++) this.latch[p] = this.planes[p][off];
    if (this.readMode === 0) return this.latch[this.readMap];
    let out = 0;
    for (let b = 0; b < 8; b++) {
      let match = true;
      for (let p = 0; p < 4; p++) {
        if (((this.dontCare >> p) & 1) === 0) continue;
        if (((this.latch[p] >> b) & 1) !== ((this.colorCompare >> p) & 1)) match = false;
      }
      if (match) out |= 1 << b;
    }
    return out;
  }

  write(off: number, value: number): void {
    const rotated = ((value >> this.rotate) | (value << (8 - this.rotate))) & 0xff;
    for (let p = 0; p < 4; p++) {
      if (((this.mapMask >> p) & 1) === 0) continue;
      let out = 0;
      for (let b = 0; b < 8; b++) {
        const l = (this.latch[p] >> b) & 1;
        let src: number;
        let mask = (this.bitMask >> b) & 1;
        if (this.writeMode === 1) {
          out |= l << b;
          continue;
        } else if (this.writeMode === 0) {
          src = (this.enableSetReset >> p) & 1 ? (this.setReset >> p) & 1 : (rotated >> b) & 1;
        } else if (this.writeMode === 2) {
          src = (value >> p) & 1;
        } else {
          src = (this.setReset >> p) & 1;
          mask &= (rotated >> b) & 1;
        }
        const alu = [src, src & l, src | l, src ^ l][this.func];
        out |= (mask ? alu : l) << b;
      }
      this.planes[p][off] = out;
    }
  }

  program(io: IoBus): void {
    const gc = (i: number, v: number): void => {
      io.write8(0x3ce, i);
      io.write8(0x3cf, v);
    };
    gc(0, this.setReset);
    gc(1, this.enableSetReset);
    gc(2, this.colorCompare);
    gc(3, (this.func << 3) | this.rotate);
    gc(4, this.readMap);
    gc(5, (this.readMode << 3) | this.writeMode);
    gc(7, this.dontCare);
    gc(8, this.bitMask);
    io.write8(0x3c4, 2);
    io.write8(0x3c5, this.mapMask);
  }
}

interface Regs {
  setReset: number;
  enableSetReset: number;
  colorCompare: number;
  rotate: number;
  func: number;
  readMap: number;
  writeMode: number;
  readMode: number;
  dontCare: number;
  bitMask: number;
  mapMask: number;
}

const nibble = fc.integer({ min: 0, max: 15 });
const byte = fc.integer({ min: 0, max: 255 });
const regsArb = (writeModes: number[]): fc.Arbitrary<Regs> =>
  fc.record({
    setReset: nibble,
    enableSetReset: nibble,
    colorCompare: nibble,
    rotate: fc.integer({ min: 0, max: 7 }),
    func: fc.integer({ min: 0, max: 3 }),
    readMap: fc.integer({ min: 0, max: 3 }),
    writeMode: fc.constantFrom(...writeModes),
    readMode: fc.constantFrom(0, 1),
    dontCare: nibble,
    bitMask: byte,
    mapMask: nibble,
  });

type Op = { kind: 'regs'; regs: Regs } | { kind: 'read'; off: number } | { kind: 'write'; off: number; value: number };
const off = fc.integer({ min: 0, max: 15 });
const opArb = (writeModes: number[]): fc.Arbitrary<Op> =>
  fc.oneof(
    regsArb(writeModes).map((regs): Op => ({ kind: 'regs', regs })),
    off.map((o): Op => ({ kind: 'read', off: o })),
    fc.tuple(off, byte).map(([o, value]): Op => ({ kind: 'write', off: o, value })),
  );

// One adapter for all runs (building a machine per run dominates the test time); reset per run.
const shared = makeVga({ vramBytes: 256 * 1024 });

function runAgainstModel(seed: Uint8Array, ops: Op[]): void {
  const { io, memory, vga } = shared;
  vga.reset();
  programMode(io, 0x12);
  const ref = new RefPlanes();
  // Seed both with the same plane contents (written straight into VRAM and the model).
  for (let p = 0; p < 4; p++) {
    for (let o = 0; o < 16; o++) {
      vga.vram[o * 4 + p] = seed[p * 16 + o];
      ref.planes[p][o] = seed[p * 16 + o];
    }
  }
  ref.program(io);
  for (const op of ops) {
    if (op.kind === 'regs') {
      Object.assign(ref, op.regs);
      ref.program(io);
    } else if (op.kind === 'read') {
      expect(memory.read8(0xa0000 + op.off)).toBe(ref.read(op.off));
    } else {
      memory.write8(0xa0000 + op.off, op.value);
      ref.write(op.off, op.value);
    }
  }
  for (let p = 0; p < 4; p++) {
    for (let o = 0; o < 16; o++) expect(vga.planeByte(p, o), `plane ${p} offset ${o}`).toBe(ref.planes[p][o]);
  }
}

describe('VGA planar memory (mode 12h) against a reference model', () => {
  it('write mode 0 with random set/reset, rotate, function, bit mask and map mask', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.array(opArb([0]), { minLength: 1, maxLength: 30 }), runAgainstModel),
      { numRuns: 300 },
    );
  });

  it('write modes 0–3 and read modes 0–1 interleaved', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.array(opArb([0, 1, 2, 3]), { minLength: 1, maxLength: 40 }), runAgainstModel),
      { numRuns: 300 },
    );
  });

  it('copies a byte of all four planes through the latches with write mode 1', () => {
    const { io, memory, vga } = makeVga({ vramBytes: 256 * 1024 });
    programMode(io, 0x12);
    for (let p = 0; p < 4; p++) vga.vram[100 * 4 + p] = 0x11 * (p + 1);
    io.write16(0x3ce, 0x0105); // write mode 1
    memory.read8(0xa0000 + 100);
    memory.write8(0xa0000 + 200, 0x00);
    expect([0, 1, 2, 3].map((p) => vga.planeByte(p, 200))).toEqual([0x11, 0x22, 0x33, 0x44]);
  });

  it('finds a colour with read mode 1', () => {
    const { io, memory } = makeVga({ vramBytes: 256 * 1024 });
    programMode(io, 0x12);
    io.write16(0x3ce, 0x0205); // write mode 2: one colour per bit
    io.write16(0x3ce, 0x8008); // bit mask: leftmost pixel
    memory.read8(0xa0000);
    memory.write8(0xa0000, 0x0c);
    io.write16(0x3ce, 0x0108); // second pixel from the right
    memory.read8(0xa0000);
    memory.write8(0xa0000, 0x0c);
    io.write16(0x3ce, 0x0805); // read mode 1
    io.write16(0x3ce, 0x0c02); // colour compare 12
    io.write16(0x3ce, 0x0f07); // all planes matter
    expect(memory.read8(0xa0000)).toBe(0x81);
    io.write16(0x3ce, 0x0007); // no plane matters: everything matches
    expect(memory.read8(0xa0000)).toBe(0xff);
  });
});

describe('VGA host addressing modes', () => {
  it('chain-4 (mode 13h): A[1:0] select the plane, the CRTC-visible offset is A & ~3', () => {
    const { io, memory, vga } = makeVga();
    programMode(io, 0x13);
    for (let a = 0; a < 8; a++) memory.write8(0xa0000 + a, 0x10 + a);
    expect(vga.planeByte(1, 4)).toBe(0x15);
    expect(vga.planeByte(3, 0)).toBe(0x13);
    expect(vga.planeByte(0, 1)).toBe(0);
    for (let a = 0; a < 8; a++) expect(memory.read8(0xa0000 + a)).toBe(0x10 + a);
    // Memory Map Select 01b decodes only A0000–AFFFF.
    memory.write8(0xb8000, 0x77);
    expect(memory.read8(0xb8000)).toBe(0xff);
  });

  it('odd/even (text mode): even bytes to plane 0, odd bytes to plane 1 at the even offset', () => {
    const { io, memory, vga } = makeVga();
    programMode(io, 0x03);
    memory.write16(0xb8000 + 10, 0x1e41);
    expect(vga.planeByte(0, 10)).toBe(0x41);
    expect(vga.planeByte(1, 10)).toBe(0x1e);
    expect(vga.planeByte(2, 10)).toBe(0);
    expect(memory.read16(0xb8000 + 10)).toBe(0x1e41);
    // Memory Map Select 11b: A0000 is not decoded in colour text mode.
    expect(memory.read8(0xa0000)).toBe(0xff);
  });

  it('unchained 256-colour memory (mode X): the map mask picks planes', () => {
    const { io, memory, vga } = makeVga();
    programMode(io, 0x13);
    io.write16(0x3c4, 0x0604); // chain-4 off
    io.write16(0x3c4, 0x0f02);
    memory.write8(0xa0000 + 7, 0x33); // all four planes
    expect([0, 1, 2, 3].map((p) => vga.planeByte(p, 7))).toEqual([0x33, 0x33, 0x33, 0x33]);
    io.write16(0x3c4, 0x0402); // plane 2 only
    memory.write8(0xa0000 + 7, 0x44);
    expect([0, 1, 2, 3].map((p) => vga.planeByte(p, 7))).toEqual([0x33, 0x33, 0x44, 0x33]);
    io.write16(0x3ce, 0x0204); // read map 2
    expect(memory.read8(0xa0000 + 7)).toBe(0x44);
  });
});
