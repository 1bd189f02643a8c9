/**
 * Standard (SPP) parallel port with an attached always-ready printer. LPT1 is
 * 0x378–0x37A on IRQ 7 (options allow LPT2 0x278/IRQ 5 or 0x3BC).
 *
 * base+0 data (latched; reads back, or reads the printer's idle 0xFF when the
 *        control register selects input direction, bit 5)
 * base+1 status (read-only): bit 7 BUSY# (1 = ready), bit 6 ACK#, bit 5 PE,
 *        bit 4 SELECT, bit 3 ERROR# (1 = no error), bits 2–1 read 1, bit 0
 *        (the EPP time-out flag on IEEE 1284 ports) reads 0
 * base+2 control: bit 0 STROBE, bit 1 AUTOFD, bit 2 INIT#, bit 3 SELECT IN,
 *        bit 4 IRQ enable, bit 5 direction; bits 7–6 read 1
 * (IBM PC Technical Reference, "Printer Adapter"; IEEE 1284 compatibility mode.)
 *
 * The printer latches the data byte when STROBE is asserted (control bit 0 going
 * 0→1, the pin is inverted) and hands it to `onPrint`. It is then BUSY for
 * 5 µs of virtual time; then it drops BUSY and holds ACK# low for 5 µs, and
 * ACK#'s rising edge pulses IRQ 7 when control bit 4 is set. IEEE 1284
 * compatibility mode lets BUSY fall before or with the ACK# pulse, and
 * both BIOS styles need that: the IBM-style INT 17h waits for BUSY to fall
 * before it strobes, while SeaBIOS's strobes, waits 5 µs and then polls for
 * ACK# low without looking at BUSY, and strobes the next byte at once. So a
 * strobe is accepted whenever the printer is not busy; one during the ACK#
 * pulse ends the pulse (with its IRQ) and starts the next byte.
 * An idle printer reads 0xDE: not busy, ACK# high, paper present, selected, no error.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import { TimerSlot } from './timer-slot.js';

export interface ParallelPortOptions {
  base?: number;
  irq?: number;
  name?: string;
  onPrint?: (byte: number) => void;
}

const BUSY_NS = 5_000;
const ACK_NS = 5_000;

const enum Phase {
  Idle = 0,
  Busy = 1,
  Ack = 2,
}

export class ParallelPort implements Device {
  readonly name: string;
  private readonly ctx: DeviceContext;
  private readonly base: number;
  private readonly irq: number;
  onPrint: ((byte: number) => void) | undefined;
  private data = 0;
  private control = 0x0c;
  private phase = Phase.Idle;
  private readonly timer: TimerSlot;

  constructor(ctx: DeviceContext, opts: ParallelPortOptions = {}) {
    this.ctx = ctx;
    this.base = opts.base ?? 0x378;
    this.irq = opts.irq ?? 7;
    this.name = opts.name ?? 'lpt1';
    this.onPrint = opts.onPrint;
    this.timer = new TimerSlot(ctx.clock, () => this.advancePhase());
    ctx.io.register(this.name, this.base, 3, {
      read8: (p) => this.read(p - this.base),
      write8: (p, v) => this.write(p - this.base, v),
    });
  }

  reset(): void {
    this.data = 0;
    this.control = 0x0c;
    this.phase = Phase.Idle;
    this.timer.cancel();
    this.ctx.irq.lower(this.irq);
  }

  private status(): number {
    // PE = 0, SELECT = 1, ERROR# = 1, bits 2–1 reserved (read 1). Bit 0 is
    // the EPP time-out flag, clear because no EPP cycle ever times out here;
    // it must read 0 because SeaBIOS's INT 17h copies it into AH bit 0, the
    // BIOS time-out bit (the IBM BIOS masked bits 2–0 off instead).
    let s = 0x1e;
    if (this.phase !== Phase.Busy) s |= 0x80;
    if (this.phase !== Phase.Ack) s |= 0x40;
    return s;
  }

  private read(off: number): number {
    if (off === 0) return this.control & 0x20 ? 0xff : this.data;
    if (off === 1) return this.status();
    return this.control | 0xc0;
  }

  private write(off: number, v: number): void {
    if (off === 0) {
      this.data = v;
      return;
    }
    if (off !== 2) return;
    const before = this.control;
    this.control = v & 0x3f;
    const strobe = !(before & 1) && v & 1;
    const init = before & 4 && !(v & 4);
    if (init) {
      // INIT# asserted: the printer resets and drops any handshake in progress.
      this.phase = Phase.Idle;
      this.timer.cancel();
    }
    if (strobe && this.phase !== Phase.Busy && v & 4) {
      if (this.phase === Phase.Ack) this.endAck();
      if (this.onPrint) this.onPrint(this.data);
      this.phase = Phase.Busy;
      this.timer.arm(this.ctx.clock.ticks + this.ctx.clock.nsToTicks(BUSY_NS));
    }
  }

  private advancePhase(): void {
    if (this.phase === Phase.Busy) {
      this.phase = Phase.Ack;
      this.timer.arm(this.ctx.clock.ticks + this.ctx.clock.nsToTicks(ACK_NS));
      return;
    }
    this.endAck();
  }

  /** ACK# rises: the handshake is over, and the edge interrupts when enabled. */
  private endAck(): void {
    this.timer.cancel();
    this.phase = Phase.Idle;
    if (this.control & 0x10) {
      this.ctx.irq.lower(this.irq);
      this.ctx.irq.raise(this.irq);
    }
  }

  saveState(): DeviceState {
    return { data: this.data, control: this.control, phase: this.phase, timer: this.timer.deadline };
  }

  loadState(s: DeviceState): void {
    this.data = s.data as number;
    this.control = s.control as number;
    this.phase = s.phase as Phase;
    this.timer.restore(s.timer as number);
  }
}
