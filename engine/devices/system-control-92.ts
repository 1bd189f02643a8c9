/**
 * System control port A at 0x92 ("fast A20" / PS/2 port 92h; PIIX datasheet,
 * Port 92h register): bit 1 gates A20 (`ctx.memory.setA20`), a 0→1 write of
 * bit 0 pulses a fast CPU reset (`onReset`), bit 3 is the CMOS password lock
 * (stored). Reads return the stored bits with bit 1 mirroring the A20 gate
 * as it actually is (the 8042 output port may also have changed it).
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export interface SystemControl92Options {
  onReset?: () => void;
}

export class SystemControl92 implements Device {
  readonly name = 'port92';
  private readonly ctx: DeviceContext;
  private readonly onReset: (() => void) | undefined;
  private value = 0;

  constructor(ctx: DeviceContext, opts: SystemControl92Options = {}) {
    this.ctx = ctx;
    this.onReset = opts.onReset;
    ctx.io.register(this.name, 0x92, 1, {
      read8: () => (this.value & ~2) | (this.ctx.memory.a20Enabled ? 2 : 0),
      write8: (_p, v) => this.write(v),
    });
  }

  private write(v: number): void {
    const before = this.value;
    this.value = v & ~1;
    const a20 = (v & 2) !== 0;
    if (a20 !== this.ctx.memory.a20Enabled) this.ctx.memory.setA20(a20);
    if (v & 1 && !(before & 1) && this.onReset) this.onReset();
  }

  reset(): void {
    this.value = 0;
  }

  saveState(): DeviceState {
    return { value: this.value };
  }

  loadState(s: DeviceState): void {
    this.value = s.value as number;
  }
}
