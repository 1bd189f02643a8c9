/**
 * One re-armable virtual-clock timer owned by a device.
 *
 * Devices keep at most a few pending deadlines (next PIT edge, next RTC update,
 * UART character done). A slot remembers its absolute deadline so a snapshot
 * can save it and `loadState` can re-arm the same callback at the same tick,
 * which is what makes a restored run continue bit-identically.
 */
import type { VirtualClock } from '../clock/virtual-clock.js';

export class TimerSlot {
  private id = 0;
  /** Absolute tick of the pending deadline, or -1 when idle. */
  private at = -1;

  constructor(
    private readonly clock: VirtualClock,
    private readonly fire: (nowTick: number) => void,
  ) {}

  get deadline(): number {
    return this.at;
  }

  get armed(): boolean {
    return this.at >= 0;
  }

  /** (Re-)arm for absolute tick `atTick`; any earlier deadline is dropped. */
  arm(atTick: number): void {
    this.cancel();
    this.at = Math.max(atTick, this.clock.ticks);
    this.id = this.clock.schedule(this.at, (now) => {
      this.at = -1;
      this.id = 0;
      this.fire(now);
    });
  }

  cancel(): void {
    if (this.id !== 0) this.clock.cancel(this.id);
    this.id = 0;
    this.at = -1;
  }

  /** Restore a saved deadline (-1 = idle). */
  restore(deadline: number): void {
    if (deadline >= 0) this.arm(deadline);
    else this.cancel();
  }
}
