/**
 * Reset Control register at I/O 0xCF9 (Intel 82371SB PIIX3 datasheet,
 * "RC—Reset Control Register"). Byte accesses only: a dword access to 0xCF8
 * is the PCI CONFIG_ADDRESS register, which belongs to the PCI bus.
 *
 * bit 1 SRST  System Reset: selects the kind of reset bit 2 starts — 1 = hard
 *             reset (the whole system, PCIRST# included), 0 = soft reset
 *             (the CPU's INIT only; devices keep their state).
 * bit 2 RCPU  Reset CPU: a 0→1 transition starts the reset selected by bit 1.
 * Other bits are reserved and read 0. The register is 00h after a hard reset;
 * SRST survives a soft one.
 *
 * Firmware (SeaBIOS among others) reboots by writing 02h then 06h here.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export type ResetKind = 'hard' | 'soft';

export interface ResetControlOptions {
  onReset: (kind: ResetKind) => void;
}

const SRST = 0x02;
const RCPU = 0x04;

export class ResetControlCf9 implements Device {
  readonly name = 'reset-control-cf9';
  private readonly onReset: (kind: ResetKind) => void;
  private value = 0;

  constructor(ctx: DeviceContext, opts: ResetControlOptions) {
    this.onReset = opts.onReset;
    ctx.io.register(this.name, 0xcf9, 1, {
      read8: () => this.value,
      write8: (_p, v) => this.write(v),
    });
  }

  private write(v: number): void {
    this.value = v & SRST;
    // RCPU never reads back as 1: the reset it starts is over by the time the
    // CPU runs again, so every write with bit 2 set is a fresh 0→1 transition.
    if ((v & RCPU) !== 0) this.onReset((v & SRST) !== 0 ? 'hard' : 'soft');
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
