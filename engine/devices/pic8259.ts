/**
 * Dual 8259A programmable interrupt controller, cascaded as on the PC/AT.
 *
 * Ports: master 0x20/0x21, slave 0xA0/0xA1, edge/level control (ELCR, as on the
 * PIIX/ISA bridges) 0x4D0/0x4D1. The slave's INT output drives master IR2.
 * ISA IRQ 2 does not exist on the AT bus (the pin became IRQ 9), so
 * `raise(2)` is routed to IRQ 9.
 *
 * References are to the Intel 8259A datasheet (order 231468): "Interrupt
 * sequence", "Initialization command words", "Operation command words",
 * "Special mask mode", "Poll command", "Edge and level triggered modes".
 *
 * The CPU sees the pair through `InterruptSource`: `hasInterrupt()` is the
 * master INT pin, `acknowledge()` performs both INTA cycles and returns the
 * vector (including the spurious IRQ 7 / IRQ 15 vectors when the request
 * vanished before acknowledge, as the datasheet describes).
 */
import type { Device, DeviceContext, DeviceState, IrqLines } from './device.js';

/** What the CPU needs from an interrupt controller. */
export interface InterruptSource {
  hasInterrupt(): boolean;
  /** Run the INTA sequence and return the interrupt vector. */
  acknowledge(): number;
}

const enum InitStep {
  Ready = 0,
  Icw2 = 2,
  Icw3 = 3,
  Icw4 = 4,
}

/** One 8259A. Registers are bit masks indexed by IR input 0–7. */
class Pic8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current input pin levels (for edge detection and level mode). */
  lines = 0;
  /** Per-input level-trigger bits from the ELCR. */
  elcr = 0;
  /** ICW1 LTIM: all inputs level triggered. */
  ltim = false;
  vectorBase = 0;
  initStep = InitStep.Ready;
  needIcw4 = false;
  single = false;
  /** ICW3 (cascade mask on the master, slave id on the slave). */
  icw3 = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** IR level with the lowest priority; the highest is (lowest + 1) & 7. Datasheet: "Rotation". */
  lowest = 7;

  constructor(readonly isMaster: boolean) {}

  reset(): void {
    this.irr = 0;
    this.isr = 0;
    this.imr = 0;
    this.lines = 0;
    this.elcr = 0;
    this.ltim = false;
    this.vectorBase = 0;
    this.initStep = InitStep.Ready;
    this.needIcw4 = false;
    this.single = false;
    this.icw3 = 0;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.lowest = 7;
  }

  private isLevel(bit: number): boolean {
    return this.ltim || (this.elcr & bit) !== 0;
  }

  setLine(ir: number, high: boolean): void {
    const bit = 1 << ir;
    const was = (this.lines & bit) !== 0;
    if (high) {
      this.lines |= bit;
      // Edge mode latches IRR on the rising edge only; level mode follows the pin.
      if (!was || this.isLevel(bit)) this.irr |= bit;
    } else {
      this.lines &= ~bit;
      if (this.isLevel(bit)) this.irr &= ~bit;
    }
  }

  /** Priority rank of level `ir` (0 = highest) under the current rotation. */
  private rank(ir: number): number {
    return (ir - this.lowest - 1) & 7;
  }

  /** Highest-priority set bit of `mask`, or -1. */
  private highestOf(mask: number): number {
    if (mask === 0) return -1;
    for (let i = 0; i < 8; i++) {
      const ir = (this.lowest + 1 + i) & 7;
      if (mask & (1 << ir)) return ir;
    }
    return -1;
  }

  /** The IR level the INT pin is asserting for, or -1 (datasheet: priority resolver). */
  pending(): number {
    const req = this.highestOf(this.irr & ~this.imr);
    if (req < 0) return -1;
    let inService = this.isr;
    // Special mask mode: a masked in-service level no longer inhibits others.
    if (this.specialMask) inService &= ~this.imr;
    // Special fully nested mode: the cascade input may interrupt while its own
    // ISR bit is set, so a higher-priority slave request gets through.
    if (this.isMaster && this.specialFullyNested) inService &= ~this.icw3;
    const busy = this.highestOf(inService);
    if (busy >= 0 && this.rank(busy) <= this.rank(req)) return -1;
    return req;
  }

  /** Second INTA pulse: move the request into service. */
  ack(ir: number): void {
    const bit = 1 << ir;
    if (!this.isLevel(bit)) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowest = ir;
    } else {
      this.isr |= bit;
    }
  }

  private highestInService(): number {
    return this.highestOf(this.isr);
  }

  writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1: starts initialization. Clears IMR, assigns IR7 lowest priority,
      // clears special mask mode, selects IRR for status reads, and resets the
      // edge sense latch (a line must go low-to-high again to request).
      this.ltim = (v & 0x08) !== 0;
      this.single = (v & 0x02) !== 0;
      this.needIcw4 = (v & 0x01) !== 0;
      this.imr = 0;
      this.isr = 0;
      this.irr = 0;
      for (let ir = 0; ir < 8; ir++) if (this.lines & (1 << ir) && this.isLevel(1 << ir)) this.irr |= 1 << ir;
      this.lowest = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.poll = false;
      this.autoEoi = false;
      this.rotateOnAutoEoi = false;
      this.specialFullyNested = false;
      this.initStep = InitStep.Icw2;
      return;
    }
    if (v & 0x08) {
      // OCW3.
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      this.poll = (v & 0x04) !== 0;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      return;
    }
    // OCW2: R, SL, EOI in bits 7–5, level in bits 2–0.
    const level = v & 7;
    switch (v >>> 5) {
      case 0b001: {
        const ir = this.highestInService();
        if (ir >= 0) this.isr &= ~(1 << ir);
        break;
      }
      case 0b011:
        this.isr &= ~(1 << level);
        break;
      case 0b101: {
        const ir = this.highestInService();
        if (ir >= 0) {
          this.isr &= ~(1 << ir);
          this.lowest = ir;
        }
        break;
      }
      case 0b100:
        this.rotateOnAutoEoi = true;
        break;
      case 0b000:
        this.rotateOnAutoEoi = false;
        break;
      case 0b111:
        this.isr &= ~(1 << level);
        this.lowest = level;
        break;
      case 0b110:
        this.lowest = level;
        break;
      default:
        break; // 0b010: no operation.
    }
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case InitStep.Icw2:
        // In 8086 mode T7–T3 come from ICW2; the low three bits are the level.
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? InitStep.Icw4 : InitStep.Ready) : InitStep.Icw3;
        return;
      case InitStep.Icw3:
        this.icw3 = v;
        this.initStep = this.needIcw4 ? InitStep.Icw4 : InitStep.Ready;
        return;
      case InitStep.Icw4:
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = InitStep.Ready;
        return;
      default:
        this.imr = v; // OCW1.
    }
  }

  readStatus(isDataPort: boolean): number {
    if (isDataPort) return this.imr;
    return this.readIsr ? this.isr : this.irr;
  }

  save(): DeviceState {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      lines: this.lines,
      elcr: this.elcr,
      ltim: this.ltim,
      vectorBase: this.vectorBase,
      initStep: this.initStep,
      needIcw4: this.needIcw4,
      single: this.single,
      icw3: this.icw3,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      specialMask: this.specialMask,
      readIsr: this.readIsr,
      poll: this.poll,
      lowest: this.lowest,
    };
  }

  load(s: DeviceState): void {
    this.irr = s.irr as number;
    this.isr = s.isr as number;
    this.imr = s.imr as number;
    this.lines = s.lines as number;
    this.elcr = s.elcr as number;
    this.ltim = s.ltim as boolean;
    this.vectorBase = s.vectorBase as number;
    this.initStep = s.initStep as InitStep;
    this.needIcw4 = s.needIcw4 as boolean;
    this.single = s.single as boolean;
    this.icw3 = s.icw3 as number;
    this.autoEoi = s.autoEoi as boolean;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi as boolean;
    this.specialFullyNested = s.specialFullyNested as boolean;
    this.specialMask = s.specialMask as boolean;
    this.readIsr = s.readIsr as boolean;
    this.poll = s.poll as boolean;
    this.lowest = s.lowest as number;
  }
}

/** Only these ELCR bits are implemented; IRQ 0, 1, 2, 8 and 13 are always edge (PIIX datasheet, ELCR1/ELCR2). */
const ELCR_MASK_MASTER = 0xf8;
const ELCR_MASK_SLAVE = 0xde;
const CASCADE_IR = 2;

export class DualPic implements Device, IrqLines, InterruptSource {
  readonly name = 'pic';
  private readonly master = new Pic8259(true);
  private readonly slave = new Pic8259(false);

  constructor(ctx: DeviceContext) {
    ctx.io.register(this.name, 0x20, 2, {
      read8: (p) => this.readPort(this.master, p),
      write8: (p, v) => this.writePort(this.master, p, v),
    });
    ctx.io.register(this.name, 0xa0, 2, {
      read8: (p) => this.readPort(this.slave, p),
      write8: (p, v) => this.writePort(this.slave, p, v),
    });
    ctx.io.register(this.name, 0x4d0, 2, {
      read8: (p) => (p === 0x4d0 ? this.master.elcr : this.slave.elcr),
      write8: (p, v) => {
        if (p === 0x4d0) this.master.elcr = v & ELCR_MASK_MASTER;
        else this.slave.elcr = v & ELCR_MASK_SLAVE;
        // A line switched to level mode reflects its pin immediately.
        for (const pic of [this.master, this.slave]) {
          for (let ir = 0; ir < 8; ir++) {
            if (pic.elcr & (1 << ir)) {
              if (pic.lines & (1 << ir)) pic.irr |= 1 << ir;
              else pic.irr &= ~(1 << ir);
            }
          }
        }
        this.updateCascade();
      },
    });
    this.reset();
  }

  reset(): void {
    this.master.reset();
    this.slave.reset();
  }

  raise(irq: number): void {
    this.setIrq(irq, true);
  }

  lower(irq: number): void {
    this.setIrq(irq, false);
  }

  private setIrq(irq: number, high: boolean): void {
    if (irq === CASCADE_IR) irq = 9;
    if (irq < 8) this.master.setLine(irq, high);
    else this.slave.setLine(irq - 8, high);
    this.updateCascade();
  }

  /**
   * The slave's INT pin drives master IR2 like any other input: in edge mode
   * the master latches its rising edge, so a slave request that vanishes
   * before INTA still reaches the CPU as the slave's spurious IRQ 15 (master
   * ISR bit 2 set, slave ISR untouched — software EOIs only the master).
   */
  private updateCascade(): void {
    const slaveInt = this.slave.pending() >= 0;
    if (slaveInt !== ((this.master.lines & (1 << CASCADE_IR)) !== 0)) this.master.setLine(CASCADE_IR, slaveInt);
  }

  hasInterrupt(): boolean {
    return this.master.pending() >= 0;
  }

  acknowledge(): number {
    const m = this.master.pending();
    if (m < 0) {
      // The request went away between INT and INTA: the 8259A answers with IR7.
      return this.master.vectorBase | 7;
    }
    if (m === CASCADE_IR && !this.master.single) {
      this.master.ack(m);
      const s = this.slave.pending();
      let vector: number;
      if (s < 0) {
        vector = this.slave.vectorBase | 7;
      } else {
        this.slave.ack(s);
        vector = this.slave.vectorBase + s;
      }
      // The slave drops INT during the INTA cycle; if it still has a request
      // (auto-EOI, special mask) the line rises again and the master re-latches it.
      this.master.setLine(CASCADE_IR, false);
      this.updateCascade();
      return vector;
    }
    this.master.ack(m);
    return this.master.vectorBase + m;
  }

  /** Vector the next `acknowledge()` would return without changing state, or -1 (diagnostics). */
  peekVector(): number {
    const m = this.master.pending();
    if (m < 0) return -1;
    if (m === CASCADE_IR && !this.master.single) {
      const s = this.slave.pending();
      return s < 0 ? this.slave.vectorBase | 7 : this.slave.vectorBase + s;
    }
    return this.master.vectorBase + m;
  }

  private readPort(pic: Pic8259, port: number): number {
    if (pic.poll) {
      // Poll command: the read acts as an interrupt acknowledge. Datasheet "Poll command".
      pic.poll = false;
      const ir = pic.pending();
      if (ir < 0) return 0;
      pic.ack(ir);
      this.updateCascade();
      return 0x80 | ir;
    }
    return pic.readStatus((port & 1) === 1);
  }

  private writePort(pic: Pic8259, port: number, v: number): void {
    if ((port & 1) === 0) pic.writeCommand(v);
    else pic.writeData(v);
    this.updateCascade();
  }

  /** IRR/ISR/IMR of both chips, for diagnostics and tests. */
  get registers(): { irr: number; isr: number; imr: number; masterBase: number; slaveBase: number } {
    return {
      irr: this.master.irr | (this.slave.irr << 8),
      isr: this.master.isr | (this.slave.isr << 8),
      imr: this.master.imr | (this.slave.imr << 8),
      masterBase: this.master.vectorBase,
      slaveBase: this.slave.vectorBase,
    };
  }

  saveState(): DeviceState {
    return { master: this.master.save(), slave: this.slave.save() };
  }

  loadState(state: DeviceState): void {
    this.master.load(state.master as DeviceState);
    this.slave.load(state.slave as DeviceState);
  }
}
