/**
 * NS16550A UART. One instance per port; the PC convention is COM1 0x3F8/IRQ4,
 * COM2 0x2F8/IRQ3, COM3 0x3E8/IRQ4, COM4 0x2E8/IRQ3 (see `COM_PORTS`).
 *
 * Registers (base + 0..7): RBR/THR (DLL when LCR.DLAB), IER (DLM when DLAB),
 * IIR/FCR, LCR, MCR, LSR, MSR, SCR. References: National Semiconductor
 * PC16550D datasheet — "Registers", Table II (register summary), Table IV
 * (interrupt control functions: priority and reset conditions), "FIFO
 * Interrupt Mode Operation" (trigger levels, character timeout), "Loopback".
 *
 * Timing (all in virtual time): one character time is
 * (1 start + 5–8 data + parity + 1–2 stop bits) / (115200 / divisor) seconds.
 * - Transmit: a byte written to THR moves to the shift register at once when
 *   it is idle (so THRE returns quickly, TEMT stays clear), and leaves the
 *   UART — to `onTransmit`, or to the receiver in loopback — one character
 *   time later; then the next FIFO byte starts shifting.
 * - Receive from the host: `receive(bytes)` queues bytes; one enters the RX
 *   FIFO per character time. Host bytes wait while the FIFO (or the RBR in
 *   16450 mode) is full, so host input is never lost to overrun; loopback
 *   traffic can overrun, as on the chip.
 * - Character timeout (FIFO mode): data below the trigger level that nobody
 *   has read for 4 character times raises IIR = 0xC.
 *
 * The IRQ line is gated by MCR.OUT2 as on PC serial boards (also in loopback,
 * where the chip's OUT2 pin is forced inactive: we follow the register bit so
 * drivers that test interrupts in loopback mode see them).
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import { TimerSlot } from './timer-slot.js';
import { ByteQueue } from './byte-queue.js';

export const COM_PORTS = [
  { name: 'com1', base: 0x3f8, irq: 4 },
  { name: 'com2', base: 0x2f8, irq: 3 },
  { name: 'com3', base: 0x3e8, irq: 4 },
  { name: 'com4', base: 0x2e8, irq: 3 },
] as const;

export interface Uart16550Options {
  base: number;
  irq: number;
  /** Device name (used for port-conflict errors and snapshots), e.g. 'com1'. */
  name?: string;
  /** Called with each byte that finishes transmission (not in loopback). */
  onTransmit?: (byte: number) => void;
  /** Input modem lines when not in loopback; default CTS, DSR, DCD asserted (a connected null modem). */
  modemLines?: { cts?: boolean; dsr?: boolean; ri?: boolean; dcd?: boolean };
}

const FIFO_SIZE = 16;
const TRIGGER = [1, 4, 8, 14];

const IER_RDA = 0x01;
const IER_THRE = 0x02;
const IER_RLS = 0x04;
const IER_MS = 0x08;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_FIFO_ERR = 0x80;

const MCR_LOOP = 0x10;
const MCR_OUT2 = 0x08;

export class Uart16550 implements Device {
  readonly name: string;
  private readonly ctx: DeviceContext;
  private readonly base: number;
  private readonly irq: number;
  onTransmit: ((byte: number) => void) | undefined;

  private dll = 0;
  private dlm = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  /** Error bits of the LSR (OE, PE, FE, BI); DR/THRE/TEMT are derived. */
  private lsrErrors = 0;
  /** MSR delta bits (low nibble). */
  private msrDelta = 0;
  private scr = 0;
  private fcr = 0;
  private rx: number[] = [];
  private tx: number[] = [];
  /** Byte in the transmit shift register, or -1. */
  private tsr = -1;
  private readonly hostIn = new ByteQueue();
  private thrIntPending = false;
  private timeoutPending = false;
  private irqHigh = false;
  private lines = { cts: true, dsr: true, ri: false, dcd: true };
  private readonly txTimer: TimerSlot;
  private readonly rxTimer: TimerSlot;
  private readonly timeoutTimer: TimerSlot;

  constructor(ctx: DeviceContext, opts: Uart16550Options) {
    this.ctx = ctx;
    this.base = opts.base;
    this.irq = opts.irq;
    this.name = opts.name ?? `uart@${opts.base.toString(16)}`;
    this.onTransmit = opts.onTransmit;
    if (opts.modemLines) this.lines = { ...this.lines, ...opts.modemLines };
    this.txTimer = new TimerSlot(ctx.clock, () => this.txDone());
    this.rxTimer = new TimerSlot(ctx.clock, () => this.rxArrive());
    this.timeoutTimer = new TimerSlot(ctx.clock, () => {
      if (this.rx.length > 0) {
        this.timeoutPending = true;
        this.updateIrq();
      }
    });
    ctx.io.register(this.name, this.base, 8, {
      read8: (p) => this.read(p - this.base),
      write8: (p, v) => this.write(p - this.base, v),
    });
    this.reset();
  }

  reset(): void {
    // Master reset values (datasheet Table III). The divisor latches are not
    // touched by MR and hold no defined value at power-on; we start them at 12
    // (9600 baud) so firmware that never programs the UART (SeaBIOS leaves it
    // to the OS) still moves bytes at a realistic rate instead of the ~2 baud
    // a zero divisor would give.
    this.dll = 12;
    this.dlm = 0;
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsrErrors = 0;
    this.msrDelta = 0;
    this.scr = 0;
    this.fcr = 0;
    this.rx = [];
    this.tx = [];
    this.tsr = -1;
    this.thrIntPending = false;
    this.timeoutPending = false;
    this.txTimer.cancel();
    this.rxTimer.cancel();
    this.timeoutTimer.cancel();
    this.setIrq(false);
    if (this.hostIn.length > 0) this.armRx();
  }

  /** Queue bytes from the host side for the guest to receive (a string is taken as Latin-1). */
  receive(bytes: Uint8Array | number[] | string): void {
    if (typeof bytes === 'string') for (let i = 0; i < bytes.length; i++) this.hostIn.push(bytes.charCodeAt(i));
    else this.hostIn.pushAll(bytes);
    if (!this.rxTimer.armed) this.armRx();
  }

  /** Change the input modem lines (not in loopback); sets the MSR delta bits. */
  setModemLines(lines: { cts?: boolean; dsr?: boolean; ri?: boolean; dcd?: boolean }): void {
    const before = this.msrStatus();
    this.lines = { ...this.lines, ...lines };
    this.noteMsrChange(before);
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & 1) !== 0;
  }

  private get capacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** Virtual ticks per character at the programmed divisor and frame format. */
  private charTicks(): number {
    const divisor = this.dll | (this.dlm << 8) || 0x10000;
    const dataBits = 5 + (this.lcr & 3);
    const stop = this.lcr & 4 ? (dataBits === 5 ? 1.5 : 2) : 1;
    const parity = this.lcr & 8 ? 1 : 0;
    const bits = 1 + dataBits + parity + stop;
    return Math.max(1, Math.ceil((bits * divisor * this.ctx.clock.ticksPerSecond) / 115200));
  }

  private msrStatus(): number {
    if (this.mcr & MCR_LOOP) {
      // Loopback: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD (datasheet "Loopback").
      const m = this.mcr;
      return ((m & 2) << 3) | ((m & 1) << 5) | ((m & 4) << 4) | ((m & 8) << 4);
    }
    const l = this.lines;
    return (l.cts ? 0x10 : 0) | (l.dsr ? 0x20 : 0) | (l.ri ? 0x40 : 0) | (l.dcd ? 0x80 : 0);
  }

  private noteMsrChange(before: number): void {
    const after = this.msrStatus();
    const changed = before ^ after;
    if (changed & 0x10) this.msrDelta |= 0x01;
    if (changed & 0x20) this.msrDelta |= 0x02;
    if (before & 0x40 && !(after & 0x40)) this.msrDelta |= 0x04; // TERI: trailing edge of RI
    if (changed & 0x80) this.msrDelta |= 0x08;
    this.updateIrq();
  }

  private lsr(): number {
    let v = this.lsrErrors;
    if (this.rx.length > 0) v |= LSR_DR;
    if (this.tx.length === 0) v |= LSR_THRE;
    if (this.tx.length === 0 && this.tsr < 0) v |= LSR_TEMT;
    if (this.fifoEnabled && this.lsrErrors & (0x0c | LSR_BI)) v |= LSR_FIFO_ERR;
    return v;
  }

  /** Highest-priority pending interrupt as an IIR code (bits 3–1), or 1 for none. Datasheet Table IV. */
  private interruptId(): number {
    if (this.ier & IER_RLS && this.lsrErrors & 0x1e) return 0x06;
    if (this.ier & IER_RDA) {
      const level = this.fifoEnabled ? TRIGGER[this.fcr >>> 6] : 1;
      if (this.rx.length >= level) return 0x04;
      if (this.fifoEnabled && this.timeoutPending) return 0x0c;
    }
    if (this.ier & IER_THRE && this.thrIntPending) return 0x02;
    if (this.ier & IER_MS && this.msrDelta) return 0x00;
    return 0x01;
  }

  private updateIrq(): void {
    const pending = this.interruptId() !== 0x01;
    this.setIrq(pending && (this.mcr & MCR_OUT2) !== 0);
  }

  private setIrq(high: boolean): void {
    if (high === this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.ctx.irq.raise(this.irq);
    else this.ctx.irq.lower(this.irq);
  }

  private read(off: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (off) {
      case 0: {
        if (dlab) return this.dll;
        const v = this.rx.length > 0 ? this.rx.shift()! : 0;
        this.timeoutPending = false;
        this.armTimeout();
        if (this.hostIn.length > 0 && !this.rxTimer.armed) this.armRx();
        this.updateIrq();
        return v;
      }
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        const id = this.interruptId();
        // Reading IIR clears a THRE interrupt when it is the one reported.
        if (id === 0x02) {
          this.thrIntPending = false;
          this.updateIrq();
        }
        return id | (this.fifoEnabled ? 0xc0 : 0);
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr();
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case 6: {
        const v = this.msrStatus() | this.msrDelta;
        this.msrDelta = 0;
        this.updateIrq();
        return v;
      }
      default:
        return this.scr;
    }
  }

  private write(off: number, v: number): void {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (off) {
      case 0:
        if (dlab) this.dll = v;
        else this.writeThr(v);
        return;
      case 1:
        if (dlab) {
          this.dlm = v;
          return;
        }
        {
          const enablingThre = !(this.ier & IER_THRE) && v & IER_THRE;
          this.ier = v & 0x0f;
          // Enabling ETBEI with THR already empty interrupts immediately.
          if (enablingThre && this.tx.length === 0) this.thrIntPending = true;
          this.updateIrq();
        }
        return;
      case 2: {
        const wasEnabled = this.fifoEnabled;
        // Changing the FIFO enable bit clears both FIFOs.
        if ((v & 1) !== (wasEnabled ? 1 : 0) || v & 2) {
          this.rx = [];
          this.timeoutPending = false;
        }
        if ((v & 1) !== (wasEnabled ? 1 : 0) || v & 4) this.tx = [];
        this.fcr = v & 0xc9;
        if (this.hostIn.length > 0 && !this.rxTimer.armed) this.armRx();
        this.updateIrq();
        return;
      }
      case 3:
        this.lcr = v;
        return;
      case 4: {
        const before = this.msrStatus();
        this.mcr = v & 0x1f;
        this.noteMsrChange(before);
        if (!(this.mcr & MCR_LOOP) && this.hostIn.length > 0 && !this.rxTimer.armed) this.armRx();
        return;
      }
      case 5:
      case 6:
        return; // LSR/MSR writes are factory-test only.
      default:
        this.scr = v;
    }
  }

  private writeThr(v: number): void {
    this.thrIntPending = false;
    if (this.tx.length < this.capacity) this.tx.push(v);
    if (this.tsr < 0) this.startShift();
    this.updateIrq();
  }

  private startShift(): void {
    if (this.tx.length === 0) return;
    this.tsr = this.tx.shift()!;
    if (this.tx.length === 0) this.thrIntPending = true;
    this.txTimer.arm(this.ctx.clock.ticks + this.charTicks());
  }

  private txDone(): void {
    const byte = this.tsr;
    this.tsr = -1;
    if (this.mcr & MCR_LOOP) this.pushRx(byte, true);
    else if (this.onTransmit) this.onTransmit(byte);
    this.startShift();
    this.updateIrq();
  }

  private armRx(): void {
    this.rxTimer.arm(this.ctx.clock.ticks + this.charTicks());
  }

  private rxArrive(): void {
    // Host input waits while the receiver is full; in loopback the line is disconnected.
    if (this.hostIn.length === 0) return;
    if (this.rx.length >= this.capacity || this.mcr & MCR_LOOP) return;
    this.pushRx(this.hostIn.shift(), false);
    if (this.hostIn.length > 0) this.armRx();
  }

  private pushRx(byte: number, canOverrun: boolean): void {
    if (this.rx.length >= this.capacity) {
      if (canOverrun) this.lsrErrors |= LSR_OE;
    } else {
      this.rx.push(byte);
    }
    this.timeoutPending = false;
    this.armTimeout();
    this.updateIrq();
  }

  private armTimeout(): void {
    if (this.fifoEnabled && this.rx.length > 0) this.timeoutTimer.arm(this.ctx.clock.ticks + 4 * this.charTicks());
    else this.timeoutTimer.cancel();
  }

  saveState(): DeviceState {
    return {
      dll: this.dll,
      dlm: this.dlm,
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      msrDelta: this.msrDelta,
      scr: this.scr,
      fcr: this.fcr,
      rx: [...this.rx],
      tx: [...this.tx],
      tsr: this.tsr,
      hostIn: this.hostIn.toArray(),
      thrIntPending: this.thrIntPending,
      timeoutPending: this.timeoutPending,
      irqHigh: this.irqHigh,
      lines: { ...this.lines },
      txTimer: this.txTimer.deadline,
      rxTimer: this.rxTimer.deadline,
      timeoutTimer: this.timeoutTimer.deadline,
    };
  }

  loadState(s: DeviceState): void {
    this.dll = s.dll as number;
    this.dlm = s.dlm as number;
    this.ier = s.ier as number;
    this.lcr = s.lcr as number;
    this.mcr = s.mcr as number;
    this.lsrErrors = s.lsrErrors as number;
    this.msrDelta = s.msrDelta as number;
    this.scr = s.scr as number;
    this.fcr = s.fcr as number;
    this.rx = [...(s.rx as number[])];
    this.tx = [...(s.tx as number[])];
    this.tsr = s.tsr as number;
    this.hostIn.load(s.hostIn as number[]);
    this.thrIntPending = s.thrIntPending as boolean;
    this.timeoutPending = s.timeoutPending as boolean;
    this.irqHigh = s.irqHigh as boolean;
    const l = s.lines as { [k: string]: boolean };
    this.lines = { cts: l.cts, dsr: l.dsr, ri: l.ri, dcd: l.dcd };
    this.txTimer.restore(s.txTimer as number);
    this.rxTimer.restore(s.rxTimer as number);
    this.timeoutTimer.restore(s.timeoutTimer as number);
  }
}
