/**
 * Virtual time. The only clock the guest ever sees.
 *
 * Time advances in ticks: one tick per retired instruction, plus the ticks a
 * halted CPU skips while it waits for the next event. `ticksPerSecond` (the
 * virtual instruction rate) turns ticks into seconds, so timers, the RTC and
 * suite timeouts are all functions of the instruction stream and a run is
 * reproducible on any host, however fast.
 *
 * Devices schedule callbacks at absolute ticks. There are only a handful of
 * timers in a PC, so a small array kept sorted by deadline beats a heap.
 */

export type TimerCallback = (nowTick: number) => void;

interface Timer {
  id: number;
  at: number;
  cb: TimerCallback;
}

export class VirtualClock {
  /** Ticks elapsed since power-on. */
  ticks = 0;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(readonly ticksPerSecond: number) {
    if (!(ticksPerSecond > 0)) throw new Error(`virtual instruction rate must be positive, got ${ticksPerSecond}`);
  }

  /** Virtual nanoseconds since power-on (a float; exact for the first ~104 days at 1 GHz). */
  get nowNs(): number {
    return (this.ticks * 1e9) / this.ticksPerSecond;
  }

  get nowMs(): number {
    return (this.ticks * 1e3) / this.ticksPerSecond;
  }

  /** Ticks that correspond to `ns` virtual nanoseconds, rounded up so a timer never fires early. */
  nsToTicks(ns: number): number {
    return Math.ceil((ns * this.ticksPerSecond) / 1e9);
  }

  msToTicks(ms: number): number {
    return Math.ceil((ms * this.ticksPerSecond) / 1e3);
  }

  /** Call `cb` once the clock reaches `atTick`. Returns an id for `cancel`. */
  schedule(atTick: number, cb: TimerCallback): number {
    const t: Timer = { id: this.nextId++, at: Math.max(atTick, this.ticks), cb };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].at > t.at) i--;
    this.timers.splice(i, 0, t);
    return t.id;
  }

  cancel(id: number): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Tick of the earliest pending timer, or Infinity. */
  nextDeadline(): number {
    return this.timers.length > 0 ? this.timers[0].at : Infinity;
  }

  /** Fire every timer whose deadline has passed, in deadline order (ties in scheduling order). */
  fireDue(): void {
    while (this.timers.length > 0 && this.timers[0].at <= this.ticks) {
      const t = this.timers.shift()!;
      t.cb(this.ticks);
    }
  }

  /** Timer deadlines for a snapshot; callbacks are re-created by their devices on restore. */
  reset(): void {
    this.ticks = 0;
    this.timers = [];
  }
}
