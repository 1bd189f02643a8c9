/**
 * Soft power-off, two ways:
 *
 * 1. Bochs/QEMU shutdown port 0x8900: writing the ASCII string "Shutdown"
 *    byte by byte powers the machine off (the Bochs BIOS and APM code use it).
 *    Any byte that breaks the sequence restarts matching.
 * 2. ACPI PM1a control register of the PIIX4 power-management function as
 *    Bochs/QEMU place it: I/O base 0xB000, PM1a_CNT at 0xB004 (16-bit).
 *    Writing SLP_EN (bit 13) with SLP_TYP (bits 12–10) equal to the S5 value
 *    from the firmware's \_S5 package (option `s5SleepType`, default 0 as in
 *    the QEMU/Bochs DSDTs) requests power-off (ACPI spec 6.x §4.8.3.2.1,
 *    §7.4.2). Other sleep types are recorded but ignored. Disable with
 *    `pm1aControlPort: null` when another device emulates the PM function.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export interface PowerOffOptions {
  onPowerOff: (source: 'shutdown-port' | 'acpi-s5') => void;
  shutdownPort?: number | null;
  pm1aControlPort?: number | null;
  s5SleepType?: number;
}

const MAGIC = 'Shutdown';
const SLP_EN = 1 << 13;

export class PowerOff implements Device {
  readonly name = 'power-off';
  private matched = 0;
  private pm1aCnt = 0;
  private lastSleepType = -1;

  constructor(ctx: DeviceContext, opts: PowerOffOptions) {
    const s5 = opts.s5SleepType ?? 0;
    const shutdownPort = opts.shutdownPort === undefined ? 0x8900 : opts.shutdownPort;
    const pmPort = opts.pm1aControlPort === undefined ? 0xb004 : opts.pm1aControlPort;
    if (shutdownPort !== null) {
      ctx.io.register(this.name, shutdownPort, 1, {
        write8: (_p, v) => {
          if (v === MAGIC.charCodeAt(this.matched)) this.matched++;
          else this.matched = v === MAGIC.charCodeAt(0) ? 1 : 0;
          if (this.matched === MAGIC.length) {
            this.matched = 0;
            opts.onPowerOff('shutdown-port');
          }
        },
      });
    }
    if (pmPort !== null) {
      const write = (v: number) => {
        // SLP_EN is write-only and reads as 0; SCI_EN (bit 0) and the rest are kept.
        this.pm1aCnt = v & ~SLP_EN & 0xffff;
        if (v & SLP_EN) {
          this.lastSleepType = (v >>> 10) & 7;
          if (this.lastSleepType === s5) opts.onPowerOff('acpi-s5');
        }
      };
      ctx.io.register(this.name, pmPort, 2, {
        read8: (p) => (p === pmPort ? this.pm1aCnt & 0xff : this.pm1aCnt >>> 8),
        write8: (p, v) => (p === pmPort ? write((this.pm1aCnt & 0xff00) | v) : write((this.pm1aCnt & 0xff) | (v << 8))),
        read16: (p) => (p === pmPort ? this.pm1aCnt : 0xffff),
        write16: (p, v) => (p === pmPort ? write(v) : undefined),
      });
    }
  }

  /** SLP_TYP of the last sleep request (-1 = none). */
  get lastSleepRequest(): number {
    return this.lastSleepType;
  }

  reset(): void {
    this.matched = 0;
    this.pm1aCnt = 0;
  }

  saveState(): DeviceState {
    return { matched: this.matched, pm1aCnt: this.pm1aCnt, lastSleepType: this.lastSleepType };
  }

  loadState(s: DeviceState): void {
    this.matched = s.matched as number;
    this.pm1aCnt = s.pm1aCnt as number;
    this.lastSleepType = s.lastSleepType as number;
  }
}
