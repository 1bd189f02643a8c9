/**
 * The PC/AT numeric-error logic (SDM Vol. 1 Appendix D.1–D.2): the x87's
 * FERR# output sets a latch that drives IRQ13; an OUT to port F0h clears the
 * latch (lowering IRQ13) and asserts IGNNE# to the processor for as long as
 * FERR# stays asserted, so the interrupted x87 instruction can proceed. This
 * is the error path when CR0.NE = 0 ("MS-DOS compatibility mode"); with
 * CR0.NE = 1 the CPU raises #MF itself and FERR# is never consulted.
 * Present only on machines whose CPU has an FPU.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

const IRQ = 13;

export interface FpuErrorOptions {
  /** The write to F0h: assert IGNNE# if FERR# is still active. */
  onClear: () => void;
}

export class FpuErrorF0 implements Device {
  readonly name = 'fpu-error-f0';
  private latched = false;
  private readonly ctx: DeviceContext;

  constructor(ctx: DeviceContext, opts: FpuErrorOptions) {
    this.ctx = ctx;
    ctx.io.register(this.name, 0xf0, 1, {
      read8: () => 0xff,
      write8: () => {
        this.setLatch(false);
        opts.onClear();
      },
    });
  }

  /** FERR# from the CPU: a rising edge sets the latch; FERR# falling leaves it to port F0h. */
  ferr(asserted: boolean): void {
    if (asserted) this.setLatch(true);
  }

  private setLatch(on: boolean): void {
    if (on === this.latched) return;
    this.latched = on;
    if (on) this.ctx.irq.raise(IRQ);
    else this.ctx.irq.lower(IRQ);
  }

  reset(): void {
    this.setLatch(false);
  }

  saveState(): DeviceState {
    return { latched: this.latched };
  }

  loadState(s: DeviceState): void {
    this.latched = s.latched === true;
  }
}
