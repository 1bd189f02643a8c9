/**
 * Time: the IRQ 0 handler (INT 08h) that counts BIOS ticks in the BDA, and
 * INT 1Ah, which reads the tick count and the MC146818 RTC (through its I/O
 * ports, exactly as a real BIOS does) and offers the PCI BIOS (AX=B1xxh).
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import type { BiosCall } from './bios-call.js';
import { BDA, BdaOff, TICKS_PER_DAY } from './bda.js';
import { pciBios } from './int1a-pci.js';

export function irq0(io: IoBus, mem: PhysicalMemory): void {
  let t = mem.read32(BDA + BdaOff.ticks) + 1;
  if (t >= TICKS_PER_DAY) {
    t = 0;
    mem.write8(BDA + BdaOff.ticksRollover, 1);
  }
  mem.write32(BDA + BdaOff.ticks, t);
  const motor = mem.read8(BDA + BdaOff.floppyMotorCount);
  if (motor > 0) {
    mem.write8(BDA + BdaOff.floppyMotorCount, motor - 1);
    if (motor === 1) mem.write8(BDA + BdaOff.floppyMotor, mem.read8(BDA + BdaOff.floppyMotor) & 0xf0);
  }
  io.write8(0x20, 0x20); // EOI before the stub calls the INT 1Ch user hook
}

function cmos(io: IoBus, reg: number): number {
  io.write8(0x70, reg);
  return io.read8(0x71);
}

function setCmos(io: IoBus, reg: number, v: number): void {
  io.write8(0x70, reg);
  io.write8(0x71, v);
}

export function int1a(c: BiosCall, io: IoBus): void {
  const mem = c.mem;
  switch (c.ah) {
    case 0x00: {
      const t = mem.read32(BDA + BdaOff.ticks);
      c.cx = t >>> 16;
      c.dx = t & 0xffff;
      c.al = mem.read8(BDA + BdaOff.ticksRollover);
      mem.write8(BDA + BdaOff.ticksRollover, 0);
      return c.done();
    }
    case 0x01:
      mem.write32(BDA + BdaOff.ticks, ((c.cx << 16) | c.dx) >>> 0);
      mem.write8(BDA + BdaOff.ticksRollover, 0);
      return c.done();
    case 0x02:
      c.ch = cmos(io, 0x04);
      c.cl = cmos(io, 0x02);
      c.dh = cmos(io, 0x00);
      c.dl = cmos(io, 0x0b) & 0x01;
      c.setCarry(false);
      return c.done();
    case 0x03:
      setCmos(io, 0x04, c.ch);
      setCmos(io, 0x02, c.cl);
      setCmos(io, 0x00, c.dh);
      c.setCarry(false);
      return c.done();
    case 0x04:
      c.ch = cmos(io, 0x32);
      c.cl = cmos(io, 0x09);
      c.dh = cmos(io, 0x08);
      c.dl = cmos(io, 0x07);
      c.setCarry(false);
      return c.done();
    case 0x05:
      setCmos(io, 0x32, c.ch);
      setCmos(io, 0x09, c.cl);
      setCmos(io, 0x08, c.dh);
      setCmos(io, 0x07, c.dl);
      c.setCarry(false);
      return c.done();
    case 0xb1:
      pciBios(c, io);
      return c.done();
    default:
      c.setCarry(true);
      return c.done();
  }
}
