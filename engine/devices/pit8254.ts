/**
 * Intel 8254 programmable interval timer: ports 0x40–0x42 (counters 0–2) and
 * 0x43 (control word). Counter 0 drives IRQ 0; counter 1 is the legacy DRAM
 * refresh timer (its only visible effect, port 0x61 bit 4, lives in
 * `system-port-61.ts`); counter 2's gate and output belong to port 0x61.
 *
 * References: Intel 8254 datasheet (order 231164), "Control Word Format",
 * "Read Operations" (counter latch, read-back), "Mode Definitions" 0–5.
 *
 * Time model. The counters run from a 1.193182 MHz input clock derived from the
 * virtual clock: PIT cycle n happens at the first tick where
 * floor(ticks * 1193182 / ticksPerSecond) >= n. Counters are never stepped per
 * instruction; a counter's value and OUT are computed on demand from the cycle
 * at which it was loaded, and counter 0 schedules one clock timer for its next
 * rising OUT edge (the moment IRQ 0 is pulsed).
 *
 * Simplifications (documented, deterministic): a count takes effect on the
 * cycle it is written rather than one CLK later; in mode 3 with an odd count
 * the counter reads as the even sequence of the high/low half it is in; a
 * new count written in modes 2/3 while counting takes effect at the end of the
 * current period as the datasheet requires.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import { TimerSlot } from './timer-slot.js';

export const PIT_HZ = 1193182;

const enum Access {
  Latch = 0,
  Lo = 1,
  Hi = 2,
  LoHi = 3,
}

interface Channel {
  mode: number;
  bcd: boolean;
  access: Access;
  /** Count register as written (raw; 0 means the maximum). */
  countReg: number;
  /** Count in use, as a number of cycles (1..65536 / 1..10000). */
  period: number;
  /** Counting has begun (a count was loaded and, for modes 1/5, triggered). */
  running: boolean;
  /** A count was written since the control word. */
  loaded: boolean;
  /** PIT cycle at which the current period started. */
  start: number;
  /** Modes 0/4: cycles already counted when the gate went low, or -1 if the gate is high. */
  frozenAt: number;
  /** Modes 2/3: new count waiting for the end of the current period, or -1. */
  pendingPeriod: number;
  gate: boolean;
  /** LSB written, waiting for the MSB (write flip-flop). */
  writeHi: boolean;
  /** Low byte of a 16-bit count being written. */
  writeLo: number;
  /** Next live read returns the MSB (read flip-flop). */
  readHi: boolean;
  /** Latched count (-1 = none) and whether its MSB is next. */
  latched: number;
  latchedHi: boolean;
  /** Latched status byte, or -1. */
  status: number;
  nullCount: boolean;
}

function newChannel(): Channel {
  return {
    mode: 0,
    bcd: false,
    access: Access.LoHi,
    countReg: 0,
    period: 0x10000,
    running: false,
    loaded: false,
    start: 0,
    frozenAt: -1,
    pendingPeriod: -1,
    gate: true,
    writeHi: false,
    writeLo: 0,
    readHi: false,
    latched: -1,
    latchedHi: false,
    status: -1,
    nullCount: true,
  };
}

const toBcd = (n: number) => ((Math.floor(n / 1000) % 10) << 12) | ((Math.floor(n / 100) % 10) << 8) | ((Math.floor(n / 10) % 10) << 4) | (n % 10);
const fromBcd = (v: number) => ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);

export interface Pit8254Options {
  /** IRQ line for counter 0 (default 0). */
  irq?: number;
}

export class Pit8254 implements Device {
  readonly name = 'pit';
  private readonly ctx: DeviceContext;
  private readonly irq: number;
  private readonly ch: Channel[] = [newChannel(), newChannel(), newChannel()];
  private readonly timer: TimerSlot;

  constructor(ctx: DeviceContext, opts: Pit8254Options = {}) {
    this.ctx = ctx;
    this.irq = opts.irq ?? 0;
    this.timer = new TimerSlot(ctx.clock, () => this.onEdge());
    ctx.io.register(this.name, 0x40, 4, {
      read8: (p) => this.read(p - 0x40),
      write8: (p, v) => (p === 0x43 ? this.writeControl(v) : this.writeCount(p - 0x40, v)),
    });
    this.reset();
  }

  reset(): void {
    for (let i = 0; i < 3; i++) {
      const gate = i === 2 ? false : true;
      this.ch[i] = newChannel();
      this.ch[i].gate = gate;
    }
    this.timer.cancel();
    this.ctx.irq.lower(this.irq);
  }

  /** Current PIT input cycle, exact for integral tick rates (split to stay within 2^53). */
  now(): number {
    const tps = this.ctx.clock.ticksPerSecond;
    const t = this.ctx.clock.ticks;
    const q = Math.floor(t / tps);
    const r = t - q * tps;
    return q * PIT_HZ + Math.floor((r * PIT_HZ) / tps);
  }

  /** First clock tick at which cycle `n` has happened. */
  private cycleToTick(n: number): number {
    const tps = this.ctx.clock.ticksPerSecond;
    const q = Math.floor(n / PIT_HZ);
    const r = n - q * PIT_HZ;
    let t = q * tps + Math.ceil((r * tps) / PIT_HZ);
    // Guard against floating-point rounding in either direction.
    const at = (x: number) => {
      const qq = Math.floor(x / tps);
      return qq * PIT_HZ + Math.floor(((x - qq * tps) * PIT_HZ) / tps);
    };
    while (at(t) < n) t++;
    while (t > 0 && at(t - 1) >= n) t--;
    return t;
  }

  /** Apply a deferred mode 2/3 reload whose period boundary has passed. */
  private sync(c: Channel, now: number): void {
    if (c.pendingPeriod >= 0 && c.running && (c.mode === 2 || c.mode === 3) && now >= c.start + c.period) {
      c.start += c.period;
      c.period = c.pendingPeriod;
      c.pendingPeriod = -1;
    }
  }

  /** Cycles counted since the period start (respecting a low gate in modes 0/4). */
  private elapsed(c: Channel, now: number): number {
    if (c.frozenAt >= 0) return c.frozenAt;
    return now - c.start;
  }

  /** OUT pin level of channel `c` at cycle `now`. Datasheet "Mode Definitions". */
  private outAt(c: Channel, now: number): boolean {
    switch (c.mode) {
      case 0:
        if (!c.running) return false;
        return this.elapsed(c, now) >= c.period;
      case 1:
        if (!c.running) return true;
        return now - c.start >= c.period;
      case 2: {
        if (!c.running || !c.gate) return true;
        return (now - c.start) % c.period !== c.period - 1;
      }
      case 3: {
        if (!c.running || !c.gate) return true;
        return (now - c.start) % c.period < Math.ceil(c.period / 2);
      }
      case 4:
      case 5: {
        if (!c.running) return true;
        return this.elapsed(c, now) !== c.period;
      }
      default:
        return true;
    }
  }

  /** Counting element value at cycle `now`, as a 16-bit raw (binary or BCD) value. */
  private valueAt(c: Channel, now: number): number {
    if (!c.loaded) return 0;
    const modulus = c.bcd ? 10000 : 0x10000;
    let v: number;
    if (!c.running) {
      v = c.period;
    } else {
      switch (c.mode) {
        case 2: {
          v = c.gate ? c.period - ((now - c.start) % c.period) : c.period;
          break;
        }
        case 3: {
          if (!c.gate) {
            v = c.period & ~1;
            break;
          }
          const h = (now - c.start) % c.period;
          const high = Math.ceil(c.period / 2);
          v = h < high ? 2 * (high - h) : 2 * (c.period - h);
          break;
        }
        default: {
          // Modes 0, 1, 4, 5 count down and wrap through the full range.
          const d = c.mode === 0 || c.mode === 4 ? this.elapsed(c, now) : now - c.start;
          v = (((c.period - d) % modulus) + modulus) % modulus;
        }
      }
    }
    v %= modulus;
    return c.bcd ? toBcd(v) : v;
  }

  private statusByte(c: Channel, now: number): number {
    return (this.outAt(c, now) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | (c.access << 4) | (c.mode << 1) | (c.bcd ? 1 : 0);
  }

  private read(i: number): number {
    if (i > 2) return 0xff; // The control register is write-only.
    const c = this.ch[i];
    const now = this.now();
    this.sync(c, now);
    if (c.status >= 0) {
      const s = c.status;
      c.status = -1;
      return s;
    }
    if (c.latched >= 0) {
      const v = c.latched;
      if (c.access === Access.Lo) {
        c.latched = -1;
        return v & 0xff;
      }
      if (c.access === Access.Hi) {
        c.latched = -1;
        return v >>> 8;
      }
      if (!c.latchedHi) {
        c.latchedHi = true;
        return v & 0xff;
      }
      c.latched = -1;
      c.latchedHi = false;
      return v >>> 8;
    }
    const v = this.valueAt(c, now);
    if (c.access === Access.Lo) return v & 0xff;
    if (c.access === Access.Hi) return v >>> 8;
    const hi = c.readHi;
    c.readHi = !hi;
    return hi ? v >>> 8 : v & 0xff;
  }

  private latchCount(c: Channel, now: number): void {
    // A second latch before the first is read is ignored (datasheet "Counter Latch Command").
    if (c.latched < 0) {
      c.latched = this.valueAt(c, now);
      c.latchedHi = false;
    }
  }

  private writeControl(v: number): void {
    const now = this.now();
    const sc = v >>> 6;
    if (sc === 3) {
      // Read-back command: bit 5 = !COUNT, bit 4 = !STATUS, bits 3–1 select counters.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        const c = this.ch[i];
        this.sync(c, now);
        if (!(v & 0x10) && c.status < 0) c.status = this.statusByte(c, now);
        if (!(v & 0x20)) this.latchCount(c, now);
      }
      return;
    }
    const c = this.ch[sc];
    this.sync(c, now);
    const access = (v >>> 4) & 3;
    if (access === Access.Latch) {
      this.latchCount(c, now);
      return;
    }
    let mode = (v >>> 1) & 7;
    if (mode > 5) mode -= 4; // 6 and 7 are aliases of modes 2 and 3.
    c.mode = mode;
    c.bcd = (v & 1) !== 0;
    c.access = access as Access;
    c.running = false;
    c.loaded = false;
    c.frozenAt = -1;
    c.pendingPeriod = -1;
    c.writeHi = false;
    c.readHi = false;
    c.latched = -1;
    c.status = -1;
    c.nullCount = true;
    if (sc === 0) {
      // Mode 0 drives OUT low on the control word; the others drive it high.
      if (mode === 0) this.ctx.irq.lower(this.irq);
      this.rescheduleIrq();
    }
  }

  private writeCount(i: number, v: number): void {
    const c = this.ch[i];
    let raw: number;
    if (c.access === Access.Lo) raw = v;
    else if (c.access === Access.Hi) raw = v << 8;
    else if (!c.writeHi) {
      c.writeLo = v;
      c.writeHi = true;
      // Mode 0: writing the first byte stops the count (datasheet, mode 0).
      if (c.mode === 0 && c.running) {
        c.running = false;
        if (i === 0) this.rescheduleIrq();
      }
      return;
    } else {
      raw = c.writeLo | (v << 8);
      c.writeHi = false;
    }
    this.loadCount(i, raw);
  }

  private loadCount(i: number, raw: number): void {
    const c = this.ch[i];
    const now = this.now();
    this.sync(c, now);
    c.countReg = raw;
    let period = c.bcd ? fromBcd(raw) : raw;
    if (period === 0) period = c.bcd ? 10000 : 0x10000;
    c.nullCount = false;
    const wasRunning = c.running;
    c.loaded = true;
    switch (c.mode) {
      case 0:
      case 4:
        c.period = period;
        c.start = now;
        c.running = true;
        c.frozenAt = c.gate ? -1 : 0;
        if (i === 0 && c.mode === 0) this.ctx.irq.lower(this.irq);
        break;
      case 1:
      case 5:
        // Waits for a gate trigger; a running one-shot keeps its period until retriggered.
        if (!wasRunning) c.period = period;
        else c.pendingPeriod = period;
        break;
      case 2:
      case 3:
        if (wasRunning && c.gate) {
          // Normalise to the current period so its end is the next boundary.
          c.start += Math.floor((now - c.start) / c.period) * c.period;
          c.pendingPeriod = period;
        } else {
          c.period = period;
          c.start = now;
          c.running = true;
        }
        break;
    }
    if (i === 0) this.rescheduleIrq();
  }

  /** Drive a counter's GATE input (only counter 2's is wired, through port 0x61). */
  setGate(i: number, high: boolean): void {
    const c = this.ch[i];
    if (c.gate === high) return;
    const now = this.now();
    this.sync(c, now);
    c.gate = high;
    switch (c.mode) {
      case 0:
      case 4:
        if (!c.running) break;
        if (!high) c.frozenAt = now - c.start;
        else {
          c.start = now - c.frozenAt;
          c.frozenAt = -1;
        }
        break;
      case 1:
      case 5:
        // A rising gate edge (re)triggers the one-shot with the current count register.
        if (high && c.loaded) {
          if (c.pendingPeriod >= 0) {
            c.period = c.pendingPeriod;
            c.pendingPeriod = -1;
          }
          c.start = now;
          c.running = true;
        }
        break;
      case 2:
      case 3:
        // Gate low stops counting with OUT high; the rising edge reloads.
        if (high && c.loaded) {
          if (c.pendingPeriod >= 0) {
            c.period = c.pendingPeriod;
            c.pendingPeriod = -1;
          }
          c.start = now;
          c.running = true;
        }
        break;
    }
    if (i === 0) this.rescheduleIrq();
  }

  /** OUT pin of counter `i` now. */
  getOutput(i: number): boolean {
    const c = this.ch[i];
    const now = this.now();
    this.sync(c, now);
    return this.outAt(c, now);
  }

  /** Frequency of counter 2 when it is a square wave (for the speaker), else 0. */
  channel2Hz(): number {
    const c = this.ch[2];
    return c.running && c.mode === 3 ? PIT_HZ / c.period : 0;
  }

  /** Next cycle > now at which OUT rises, or Infinity. */
  private nextRise(c: Channel, now: number): number {
    if (!c.running) return Infinity;
    switch (c.mode) {
      case 0: {
        if (c.frozenAt >= 0) return Infinity;
        const at = c.start + c.period;
        return at > now ? at : Infinity;
      }
      case 1: {
        const at = c.start + c.period;
        return at > now ? at : Infinity;
      }
      case 2:
      case 3: {
        if (!c.gate) return Infinity;
        if (c.pendingPeriod >= 0) {
          const first = c.start + c.period;
          if (first > now) return first;
        }
        return c.start + (Math.floor((now - c.start) / c.period) + 1) * c.period;
      }
      case 4:
      case 5: {
        if (c.frozenAt >= 0) return Infinity;
        const at = c.start + c.period + 1;
        return at > now ? at : Infinity;
      }
      default:
        return Infinity;
    }
  }

  private rescheduleIrq(): void {
    const c = this.ch[0];
    const now = this.now();
    const rise = this.nextRise(c, now);
    if (rise === Infinity) this.timer.cancel();
    else this.timer.arm(this.cycleToTick(rise));
  }

  /** OUT0 rose: pulse IRQ 0 (the PIC latches the edge) and arm the next edge. */
  private onEdge(): void {
    const c = this.ch[0];
    this.sync(c, this.now());
    this.ctx.irq.lower(this.irq);
    this.ctx.irq.raise(this.irq);
    this.rescheduleIrq();
  }

  saveState(): DeviceState {
    return {
      channels: this.ch.map((c) => ({ ...c, access: c.access as number })),
      timer: this.timer.deadline,
    };
  }

  loadState(state: DeviceState): void {
    const chans = state.channels as DeviceState[];
    for (let i = 0; i < 3; i++) {
      const s = chans[i];
      const c = newChannel();
      for (const key of Object.keys(c) as (keyof Channel)[]) {
        (c as unknown as Record<string, unknown>)[key] = s[key];
      }
      this.ch[i] = c;
    }
    this.timer.restore(state.timer as number);
  }
}
