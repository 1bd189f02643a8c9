/**
 * Motorola MC146818A real-time clock with 128 bytes of CMOS RAM, at ports
 * 0x70 (index; bit 7 = NMI mask) and 0x71 (data), interrupting on IRQ 8.
 *
 * References: MC146818A datasheet — "Address Map", "Time, Calendar and Alarm
 * Locations", "Register A" (UIP, DV2–0, RS3–0), "Register B" (SET, PIE, AIE,
 * UIE, SQWE, DM, 24/12, DSE), "Register C" (IRQF, PF, AF, UF), "Register D"
 * (VRT), "Update Cycle", "Periodic Interrupt Rate Selection". The PC layout of
 * the remaining bytes (century at 0x32, checksum at 0x2E/0x2F over 0x10–0x2D,
 * memory sizes, drive types, boot order) is in `cmos-map.ts`.
 *
 * Time model. The clock starts at `startTime` (default 2000-01-01T00:00:00Z)
 * and advances only with virtual time: an update timer fires once per virtual
 * second while the divider runs (DV = 010) and SET is clear, incrementing the
 * time registers in their current BCD/binary and 12/24-hour format. UIP reads
 * 1 during the last 244 µs before each update (the datasheet's "UIP set 244 µs
 * before the update cycle"); the update itself is instantaneous here, so the
 * registers are never seen mid-update. The periodic flag is computed from
 * virtual time when register C is read; a timer is armed only while PIE is set.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import { TimerSlot } from './timer-slot.js';

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
export const CMOS_CENTURY = 0x32;

const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;

/** UIP is asserted this long before an update (datasheet, Register A / Figure "Update period"). */
const UIP_NS = 244_000;
const DEFAULT_START = Date.UTC(2000, 0, 1, 0, 0, 0);

export interface RtcCmosOptions {
  /** Wall-clock instant at power-on (virtual tick 0). Default 2000-01-01T00:00:00Z. */
  startTime?: Date | number;
  /** IRQ line (default 8). */
  irq?: number;
}

const toBcd = (n: number) => ((Math.floor(n / 10) % 10) << 4) | (n % 10);
const fromBcd = (v: number) => ((v >> 4) & 15) * 10 + (v & 15);

export class RtcCmos implements Device {
  readonly name = 'rtc';
  private readonly ctx: DeviceContext;
  private readonly irqLine: number;
  private readonly startMs: number;
  private readonly ram = new Uint8Array(128);
  private index = 0;
  private nmiMask = true;
  /** Tick at which the divider chain was last (re)started; seconds count from here. */
  private phaseTick = 0;
  /** Updates since phaseTick (the next update is update number `updates + 1`). */
  private updates = 0;
  /** Tick of the last register C read (for the lazily computed periodic flag). */
  private lastCRead = 0;
  private irqHigh = false;
  private readonly updateTimer: TimerSlot;
  private readonly periodicTimer: TimerSlot;

  constructor(ctx: DeviceContext, opts: RtcCmosOptions = {}) {
    this.ctx = ctx;
    this.irqLine = opts.irq ?? 8;
    const st = opts.startTime ?? DEFAULT_START;
    this.startMs = typeof st === 'number' ? st : st.getTime();
    if (!Number.isFinite(this.startMs)) throw new Error('RTC startTime is not a valid date');
    this.updateTimer = new TimerSlot(ctx.clock, () => this.onUpdate());
    this.periodicTimer = new TimerSlot(ctx.clock, () => this.onPeriodic());
    ctx.io.register(this.name, 0x70, 2, {
      read8: (p) => (p === 0x70 ? 0xff : this.readData()),
      write8: (p, v) => (p === 0x70 ? this.writeIndex(v) : this.writeData(v)),
    });
    this.powerOn();
  }

  /** Power-on: the battery-backed clock starts at `startTime`. */
  private powerOn(): void {
    this.ram.fill(0);
    this.ram[REG_A] = 0x26; // DV = 010 (32.768 kHz time base running), RS = 0110 (1024 Hz)
    this.ram[REG_B] = B_24H;
    this.ram[REG_D] = 0x80; // VRT: RAM and time valid
    this.setTimeFromMs(this.startMs - (this.startMs % 1000));
    this.phaseTick = this.ctx.clock.ticks;
    this.updates = 0;
    this.lastCRead = this.ctx.clock.ticks;
    this.index = 0;
    this.nmiMask = true;
    this.rescheduleUpdate();
    this.reschedulePeriodic();
  }

  /**
   * Machine reset: the MC146818A RESET pin clears PIE/AIE/UIE/SQWE and the
   * flags in register C; time and CMOS RAM survive (they are battery backed).
   */
  reset(): void {
    this.ram[REG_B] &= ~(B_PIE | B_AIE | B_UIE | 0x08);
    this.ram[REG_C] = 0;
    this.setIrq(false);
    this.index = 0;
    this.nmiMask = true;
    this.reschedulePeriodic();
  }

  /** True when the last write to port 0x70 set bit 7 (NMI disabled). */
  get nmiMasked(): boolean {
    return this.nmiMask;
  }

  /** The 128 CMOS bytes (registers 0x00–0x0D included). Read-only view for the machine and tests. */
  get nvram(): Uint8Array {
    return this.ram;
  }

  /**
   * Store a CMOS byte from the host side (machine setup). Writes to the
   * checksummed range 0x10–0x2D update the standard checksum at 0x2E/0x2F.
   */
  setNvram(index: number, value: number): void {
    if (!Number.isInteger(index) || index < 0 || index > 0x7f) throw new Error(`CMOS index ${index} out of range 0..127`);
    this.ram[index] = value & 0xff;
    if (index >= 0x10 && index <= 0x2d) this.updateChecksum();
  }

  /** Recompute the AT checksum: the 16-bit sum of 0x10–0x2D, big-endian at 0x2E/0x2F. */
  updateChecksum(): void {
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.ram[i];
    this.ram[0x2e] = (sum >>> 8) & 0xff;
    this.ram[0x2f] = sum & 0xff;
  }

  private writeIndex(v: number): void {
    this.nmiMask = (v & 0x80) !== 0;
    this.index = v & 0x7f;
  }

  private readData(): number {
    const i = this.index;
    switch (i) {
      case REG_A:
        return (this.ram[REG_A] & 0x7f) | (this.updateInProgress() ? 0x80 : 0);
      case REG_C: {
        const pf = this.periodicElapsedSinceLastRead() ? C_PF : 0;
        let c = this.ram[REG_C] | pf;
        // IRQF reflects any flag whose interrupt is enabled (datasheet, Register C bit 7).
        if ((c & C_PF && this.ram[REG_B] & B_PIE) || (c & C_AF && this.ram[REG_B] & B_AIE) || (c & C_UF && this.ram[REG_B] & B_UIE)) c |= C_IRQF;
        // Reading C clears all flags and releases the IRQ line.
        this.ram[REG_C] = 0;
        this.lastCRead = this.ctx.clock.ticks;
        this.setIrq(false);
        return c;
      }
      case REG_D:
        return 0x80;
      default:
        return this.ram[i];
    }
  }

  private writeData(v: number): void {
    const i = this.index;
    switch (i) {
      case REG_A: {
        const oldDv = this.ram[REG_A] & 0x70;
        this.ram[REG_A] = v & 0x7f; // UIP is read-only
        const dv = v & 0x70;
        if (dv !== oldDv && dv === 0x20) {
          // Leaving divider reset: the first update comes 500 ms later (datasheet, Register A, DV bits).
          this.phaseTick = this.ctx.clock.ticks - this.ticksFor(0.5);
          this.updates = 0;
        }
        this.rescheduleUpdate();
        this.reschedulePeriodic();
        return;
      }
      case REG_B: {
        // SET also clears UIE (datasheet, Register B bit 7).
        let b = v;
        if (b & B_SET) b &= ~B_UIE;
        const wasSet = this.ram[REG_B] & B_SET;
        this.ram[REG_B] = b;
        if (wasSet && !(b & B_SET)) {
          // Updates resume on the undisturbed divider phase.
          this.rescheduleUpdate();
        } else if (b & B_SET) {
          this.updateTimer.cancel();
        }
        this.reschedulePeriodic();
        this.evaluateIrq();
        return;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        this.ram[i] = v;
    }
  }

  private ticksFor(seconds: number): number {
    return seconds * this.ctx.clock.ticksPerSecond;
  }

  private dividerRunning(): boolean {
    return (this.ram[REG_A] & 0x70) === 0x20;
  }

  private nextUpdateTick(): number {
    return this.phaseTick + Math.ceil(this.ticksFor(this.updates + 1));
  }

  private updateInProgress(): boolean {
    if (!this.dividerRunning() || this.ram[REG_B] & B_SET) return false;
    const now = this.ctx.clock.ticks;
    // Catch up on updates the timer has not delivered yet (the CPU may be
    // between instructions with a due timer); UIP is relative to the next one.
    const next = this.nextUpdateTick();
    return next - now <= this.ctx.clock.nsToTicks(UIP_NS) && next > now;
  }

  private rescheduleUpdate(): void {
    if (!this.dividerRunning() || this.ram[REG_B] & B_SET) {
      this.updateTimer.cancel();
      return;
    }
    // While SET was held, whole seconds passed without updates; skip them.
    const now = this.ctx.clock.ticks;
    while (this.nextUpdateTick() <= now) this.updates++;
    this.updateTimer.arm(this.nextUpdateTick());
  }

  private onUpdate(): void {
    this.updates++;
    this.advanceOneSecond();
    let flags = C_UF;
    if (this.alarmMatches()) flags |= C_AF;
    this.ram[REG_C] |= flags;
    this.evaluateIrq();
    this.updateTimer.arm(this.nextUpdateTick());
  }

  /** Periodic interrupt period in seconds from RS3–0, or 0 when disabled. Datasheet table "Periodic Interrupt Rate". */
  private periodicSeconds(): number {
    const rs = this.ram[REG_A] & 0x0f;
    if (rs === 0 || !this.dividerRunning()) return 0;
    // With the 32.768 kHz base, RS = 1 and 2 give 256 and 128 Hz; 3–15 give 32768 >> (rs - 1).
    const hz = rs <= 2 ? 32768 >> (rs + 6) : 32768 >> (rs - 1);
    return 1 / hz;
  }

  private periodIndex(tick: number): number {
    const p = this.periodicSeconds();
    return Math.floor((tick - this.phaseTick) / this.ticksFor(p));
  }

  private periodicElapsedSinceLastRead(): boolean {
    if (this.periodicSeconds() === 0) return false;
    return this.periodIndex(this.ctx.clock.ticks) > this.periodIndex(this.lastCRead);
  }

  private reschedulePeriodic(): void {
    const p = this.periodicSeconds();
    if (p === 0 || !(this.ram[REG_B] & B_PIE)) {
      this.periodicTimer.cancel();
      return;
    }
    const k = this.periodIndex(this.ctx.clock.ticks) + 1;
    this.periodicTimer.arm(this.phaseTick + Math.ceil(k * this.ticksFor(p)));
  }

  private onPeriodic(): void {
    this.ram[REG_C] |= C_PF;
    this.evaluateIrq();
    this.reschedulePeriodic();
  }

  private evaluateIrq(): void {
    const b = this.ram[REG_B];
    const c = this.ram[REG_C];
    const active = (c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE);
    if (active) this.setIrq(true);
  }

  private setIrq(high: boolean): void {
    if (high === this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.ctx.irq.raise(this.irqLine);
    else this.ctx.irq.lower(this.irqLine);
  }

  // --- time registers -------------------------------------------------------

  private get binary(): boolean {
    return (this.ram[REG_B] & B_DM_BINARY) !== 0;
  }

  private dec(v: number): number {
    return this.binary ? v : fromBcd(v);
  }

  private enc(n: number): number {
    return this.binary ? n : toBcd(n);
  }

  private getHours(): number {
    const raw = this.ram[4];
    if (this.ram[REG_B] & B_24H) return this.dec(raw);
    const pm = (raw & 0x80) !== 0;
    const h12 = this.dec(raw & 0x7f) % 12;
    return pm ? h12 + 12 : h12;
  }

  private setHours(h: number): void {
    if (this.ram[REG_B] & B_24H) {
      this.ram[4] = this.enc(h);
    } else {
      const h12 = h % 12 === 0 ? 12 : h % 12;
      this.ram[4] = this.enc(h12) | (h >= 12 ? 0x80 : 0);
    }
  }

  /** Current register time as UTC milliseconds (guest-written garbage normalises through Date.UTC). */
  private timeMs(): number {
    const year = this.dec(this.ram[CMOS_CENTURY]) * 100 + this.dec(this.ram[9]);
    // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
    const d = new Date(0);
    d.setUTCFullYear(year, this.dec(this.ram[8]) - 1, this.dec(this.ram[7]));
    d.setUTCHours(this.getHours(), this.dec(this.ram[2]), this.dec(this.ram[0]), 0);
    return d.getTime();
  }

  private setTimeFromMs(ms: number): void {
    const d = new Date(ms);
    this.ram[0] = this.enc(d.getUTCSeconds());
    this.ram[2] = this.enc(d.getUTCMinutes());
    this.setHours(d.getUTCHours());
    this.ram[6] = this.enc(d.getUTCDay() + 1);
    this.ram[7] = this.enc(d.getUTCDate());
    this.ram[8] = this.enc(d.getUTCMonth() + 1);
    this.ram[9] = this.enc(d.getUTCFullYear() % 100);
    this.ram[CMOS_CENTURY] = this.enc(Math.floor(d.getUTCFullYear() / 100));
  }

  private advanceOneSecond(): void {
    // Day of week is an independent 1–7 counter on the chip, not derived from the date.
    const dow = this.dec(this.ram[6]);
    const before = this.timeMs();
    const beforeDay = Math.floor(before / 86_400_000);
    const after = before + 1000;
    this.setTimeFromMs(after);
    const dayChanged = Math.floor(after / 86_400_000) !== beforeDay;
    this.ram[6] = this.enc(dayChanged ? (dow % 7) + 1 : dow >= 1 && dow <= 7 ? dow : 1);
  }

  /** Alarm bytes with the two high bits set are "don't care" (datasheet, "Alarm"). */
  private alarmMatches(): boolean {
    const pairs: [number, number][] = [
      [0, 1],
      [2, 3],
      [4, 5],
    ];
    for (const [t, a] of pairs) {
      const alarm = this.ram[a];
      if ((alarm & 0xc0) === 0xc0) continue;
      if (alarm !== this.ram[t]) return false;
    }
    return true;
  }

  /** Current wall-clock time of the RTC registers (for diagnostics/tests). */
  get dateTime(): Date {
    return new Date(this.timeMs());
  }

  saveState(): DeviceState {
    return {
      ram: new Uint8Array(this.ram),
      index: this.index,
      nmiMask: this.nmiMask,
      phaseTick: this.phaseTick,
      updates: this.updates,
      lastCRead: this.lastCRead,
      irqHigh: this.irqHigh,
      updateTimer: this.updateTimer.deadline,
      periodicTimer: this.periodicTimer.deadline,
    };
  }

  loadState(state: DeviceState): void {
    this.ram.set(state.ram as Uint8Array);
    this.index = state.index as number;
    this.nmiMask = state.nmiMask as boolean;
    this.phaseTick = state.phaseTick as number;
    this.updates = state.updates as number;
    this.lastCRead = state.lastCRead as number;
    this.irqHigh = state.irqHigh as boolean;
    this.updateTimer.restore(state.updateTimer as number);
    this.periodicTimer.restore(state.periodicTimer as number);
  }
}
