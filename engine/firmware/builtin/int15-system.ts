/**
 * INT 15h — system services: A20 gate (24xxh), the memory map (E820h, E801h,
 * 88h), extended-memory block move (87h), wait (86h), configuration table
 * (C0h), EBDA segment (C1h), keyboard intercept (4Fh) and APM 1.2 (53xxh) so
 * a guest can power the machine off.
 */
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { BiosCall } from './bios-call.js';
import { R, S } from './bios-cpu.js';
import { CONFIG_TABLE, ROM_SEGMENT } from './bios-rom.js';

const UNSUPPORTED = 0x86;

export interface E820Entry {
  base: number;
  length: number;
  /** 1 usable, 2 reserved. */
  type: number;
}

/** The physical memory map the firmware reports (ACPI 3.0 §14, INT 15h E820h). */
export function memoryMap(ramBytes: number, ebdaBase: number): E820Entry[] {
  const map: E820Entry[] = [
    { base: 0, length: ebdaBase, type: 1 },
    { base: ebdaBase, length: 0xa0000 - ebdaBase, type: 2 },
    { base: 0xf0000, length: 0x10000, type: 2 },
  ];
  if (ramBytes > 0x100000) map.push({ base: 0x100000, length: ramBytes - 0x100000, type: 1 });
  map.push({ base: 0xfffc0000, length: 0x40000, type: 2 });
  return map;
}

export interface SystemServiceHost {
  readonly ramBytes: number;
  readonly ebdaBase: number;
  readonly clock: VirtualClock;
  setA20(on: boolean): void;
  a20(): boolean;
  powerOff(): void;
}

export class SystemBios {
  /** Tick at which a pending AH=86h wait ends, or -1. */
  private waitUntil = -1;

  constructor(private readonly host: SystemServiceHost) {}

  saveState(): { waitUntil: number } {
    return { waitUntil: this.waitUntil };
  }

  loadState(s: { waitUntil: number }): void {
    this.waitUntil = s.waitUntil;
  }

  int15(c: BiosCall): void {
    const h = this.host;
    const fail = (code = UNSUPPORTED): void => {
      c.ah = code;
      c.setCarry(true);
      c.done();
    };
    const ok = (): void => {
      c.setCarry(false);
      c.done();
    };
    switch (c.ah) {
      case 0x24:
        switch (c.al) {
          case 0x00:
            h.setA20(false);
            c.ah = 0;
            return ok();
          case 0x01:
            h.setA20(true);
            c.ah = 0;
            return ok();
          case 0x02:
            c.ah = 0;
            c.al = h.a20() ? 1 : 0;
            return ok();
          case 0x03:
            c.ah = 0;
            c.bx = 0x0003; // keyboard controller and port 92h
            return ok();
          default:
            return fail();
        }
      case 0x4f: // keyboard intercept: CF set = process the scan code normally
        c.setCarry(true);
        return c.done();
      case 0x86: {
        const us = c.cx * 0x10000 + c.dx;
        if (this.waitUntil < 0) this.waitUntil = h.clock.ticks + h.clock.nsToTicks(us * 1000);
        if (h.clock.ticks < this.waitUntil) return c.retryLater();
        this.waitUntil = -1;
        c.ah = 0;
        return ok();
      }
      case 0x87:
        this.blockMove(c);
        return c.done();
      case 0x88: {
        const kb = Math.min(0xffff, Math.max(0, Math.floor((Math.min(h.ramBytes, 0x4000000) - 0x100000) / 1024)));
        c.ax = kb;
        return ok();
      }
      case 0xc0:
        c.cpu.setSegReal(S.ES, ROM_SEGMENT);
        c.bx = CONFIG_TABLE;
        c.ah = 0;
        return ok();
      case 0xc1:
        c.cpu.setSegReal(S.ES, h.ebdaBase >>> 4);
        return ok();
      case 0xe8:
        if (c.al === 0x01) {
          // E801h: KiB between 1 MiB and 16 MiB, 64 KiB blocks above 16 MiB.
          const below16 = Math.max(0, Math.min(h.ramBytes, 0x1000000) - 0x100000) / 1024;
          const above16 = Math.max(0, h.ramBytes - 0x1000000) / 0x10000;
          c.ax = below16;
          c.bx = Math.min(0xffff, above16);
          c.cx = below16;
          c.dx = Math.min(0xffff, above16);
          return ok();
        }
        if (c.al === 0x20 && c.cpu.get32(R.DX) === 0x534d4150) return this.e820(c);
        return fail();
      case 0x53:
        return this.apm(c);
      case 0xc2: // PS/2 pointing device interface: not provided by this BIOS
      default:
        return fail();
    }
  }

  /** E820h: one map entry per call, EBX is the continuation index (0 = first, 0 returned = last). */
  private e820(c: BiosCall): void {
    const map = memoryMap(this.host.ramBytes, this.host.ebdaBase);
    const index = c.cpu.get32(R.BX);
    const size = c.cpu.get32(R.CX);
    if (index >= map.length || size < 20) {
      c.ah = UNSUPPORTED;
      c.setCarry(true);
      return c.done();
    }
    const e = map[index];
    const es = c.es;
    const di = c.di;
    c.wd(es, di, e.base >>> 0);
    c.wd(es, di + 4, Math.floor(e.base / 0x100000000));
    c.wd(es, di + 8, e.length >>> 0);
    c.wd(es, di + 12, Math.floor(e.length / 0x100000000));
    c.wd(es, di + 16, e.type);
    let written = 20;
    if (size >= 24) {
      c.wd(es, di + 20, 1); // ACPI 3.0 extended attributes: entry enabled
      written = 24;
    }
    c.cpu.set32(R.AX, 0x534d4150);
    c.cpu.set32(R.CX, written);
    c.cpu.set32(R.BX, index + 1 < map.length ? index + 1 : 0);
    c.setCarry(false);
    c.done();
  }

  /**
   * AH=87h: copy CX words between two 24-bit addresses described by the GDT
   * at ES:SI (source descriptor at +10h, destination at +18h). The host does
   * the copy with A20 on, as the real BIOS does in protected mode.
   */
  private blockMove(c: BiosCall): void {
    const mem: PhysicalMemory = c.mem;
    const gdt = c.lin(c.es, c.si);
    const base = (d: number): number => (mem.read16(d + 2) | (mem.read8(d + 4) << 16) | (mem.read8(d + 7) << 24)) >>> 0;
    const src = base(gdt + 0x10);
    const dst = base(gdt + 0x18);
    const bytes = c.cx * 2;
    const wasOn = this.host.a20();
    this.host.setA20(true);
    for (let i = 0; i < bytes; i++) mem.write8(dst + i, mem.read8(src + i));
    this.host.setA20(wasOn);
    c.ah = 0;
    c.setCarry(false);
    c.setZero(true);
  }

  /** APM 1.2 real-mode interface (Advanced Power Management BIOS Interface Specification 1.2 §4). */
  private apm(c: BiosCall): void {
    const ok = (): void => {
      c.setCarry(false);
      c.done();
    };
    switch (c.al) {
      case 0x00: // installation check
        if (c.bx !== 0x0000) break;
        c.ah = 1;
        c.al = 2;
        c.bx = 0x504d; // "PM"
        c.cx = 0x0000; // no 16/32-bit protected-mode interface
        return ok();
      case 0x01: // connect real-mode interface
      case 0x04: // disconnect
      case 0x08: // enable/disable power management
      case 0x0d:
      case 0x0f:
        return ok();
      case 0x0e: // driver version
        c.ah = 1;
        c.al = 2;
        return ok();
      case 0x07: // set power state: BX=0001h all devices, CX=0003h off
        if (c.cx === 0x0003 && (c.bx === 0x0001 || c.bx === 0x00ff)) {
          this.host.powerOff();
          return ok();
        }
        return ok();
      case 0x0a: // battery status: AC line on-line, no battery
        c.bh = 0x01;
        c.bl = 0xff;
        c.ch = 0x80;
        c.cl = 0xff;
        c.dx = 0xffff;
        return ok();
      default:
        break;
    }
    c.ah = 0x0c; // APM error: function not supported
    c.setCarry(true);
    c.done();
  }
}
