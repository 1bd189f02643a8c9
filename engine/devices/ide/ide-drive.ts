/**
 * What every device on an IDE cable shares: its copy of the task file,
 * status and error registers, the PIO data buffer behind the data port, the
 * INTRQ latch, one virtual-time timer and a DMA request line.
 *
 * Each device keeps its own registers (ATA/ATAPI-6 §5.2: writes to the
 * command block go to both devices, reads come from the selected one), which
 * is what lets an ATA master and an ATAPI slave show different signatures
 * after a reset. The ATA disk and the ATAPI CD-ROM subclass this and supply
 * the command sets.
 */
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { DeviceState } from '../device.js';
import { TimerSlot } from '../timer-slot.js';
import { ST_BSY, ST_DRDY, ST_DRQ, ST_DSC, ST_ERR, ERR_ABRT, TF_SIZE } from './ata-constants.js';
import type { BusMasterChannel } from './bus-master.js';

/** The services a device needs from the cable it sits on. */
export interface IdeBus {
  updateIrq(): void;
  /** The drive raised its DMA request; start if the bus master is armed. */
  dmaRequest(): void;
  readonly busMaster: BusMasterChannel;
}

export const PIO_NONE = 0;
export const PIO_IN = 1;
export const PIO_OUT = 2;

/** Timer actions 0–9 belong to the base class; subclasses number theirs from 10. */
export const ACT_NONE = 0;
export const ACT_RESET_DONE = 1;
export const ACT_DMA = 2;
export const ACT_DIAGNOSTIC = 3;

/** PIO buffer: large enough for a 64 KiB ATAPI DRQ block or 128 sectors of READ MULTIPLE. */
const BUFFER_BYTES = 0x10000;

/** Virtual delays: short, non-zero, so guests see BSY and wait for INTRQ as on hardware. */
export const COMMAND_DELAY_NS = 20_000;
export const RESET_DELAY_NS = 50_000;
export const DMA_DELAY_NS = 50_000;

export abstract class IdeDrive {
  abstract readonly kind: 'ata' | 'atapi';
  readonly tf = new Uint8Array(TF_SIZE);
  status = 0;
  error = 0;
  readonly buf = new Uint8Array(BUFFER_BYTES);
  bufPos = 0;
  bufEnd = 0;
  pioDir = PIO_NONE;
  irqPending = false;
  dmaPending = false;
  protected action = ACT_NONE;
  private diagnosticIrq = false;
  protected readonly timer: TimerSlot;
  protected bus!: IdeBus;

  constructor(protected readonly clock: VirtualClock) {
    this.timer = new TimerSlot(clock, () => {
      const a = this.action;
      this.action = ACT_NONE;
      this.fire(a);
    });
  }

  attach(bus: IdeBus): void {
    this.bus = bus;
  }

  /** Execute a command written to the command register. */
  abstract command(cmd: number): void;
  protected abstract onTimer(action: number): void;
  /** The host drained (PIO in) or filled (PIO out) the buffer. */
  protected abstract onPioDone(): void;
  /** Move the pending DMA data through the bus master, then call `finishDma`. */
  protected abstract runDma(bm: BusMasterChannel): void;
  /** Registers after power-on, hardware reset or SRST (ATA/ATAPI-6 §9.1–9.3). */
  abstract resetSignature(): void;
  protected abstract saveExtra(): DeviceState;
  protected abstract loadExtra(s: DeviceState): void;

  private fire(action: number): void {
    switch (action) {
      case ACT_RESET_DONE:
        this.resetSignature();
        return;
      case ACT_DIAGNOSTIC:
        this.resetSignature();
        if (this.diagnosticIrq) this.raiseIrq();
        return;
      case ACT_DMA:
        if (this.dmaPending && this.bus.busMaster.active) {
          this.dmaPending = false;
          this.runDma(this.bus.busMaster);
        }
        return;
      default:
        this.onTimer(action);
    }
  }

  protected schedule(action: number, ns: number): void {
    this.action = action;
    this.timer.arm(this.clock.ticks + this.clock.nsToTicks(ns));
  }

  /** Called by the channel when this drive has a DMA request and the bus master is running. */
  startDma(): void {
    if (this.dmaPending && this.action !== ACT_DMA) this.schedule(ACT_DMA, DMA_DELAY_NS);
  }

  protected requestDma(): void {
    this.status = (this.status & ~ST_DRQ) | ST_BSY;
    this.dmaPending = true;
    this.bus.dmaRequest();
  }

  protected finishDma(failed: boolean): void {
    this.bus.busMaster.finish(failed);
  }

  raiseIrq(): void {
    this.irqPending = true;
    this.bus.updateIrq();
  }

  // ---- data port ------------------------------------------------------------

  readData16(): number {
    if (this.pioDir !== PIO_IN) return 0xffff;
    const p = this.bufPos;
    const v = this.buf[p] | (this.buf[p + 1] << 8);
    this.bufPos = p + 2;
    if (this.bufPos >= this.bufEnd) this.pioEnd();
    return v;
  }

  writeData16(v: number): void {
    if (this.pioDir !== PIO_OUT) return;
    const p = this.bufPos;
    this.buf[p] = v & 0xff;
    this.buf[p + 1] = (v >>> 8) & 0xff;
    this.bufPos = p + 2;
    if (this.bufPos >= this.bufEnd) this.pioEnd();
  }

  /**
   * An 8-bit read of the 16-bit data port still moves a whole word on the
   * cable; the host sees its low byte (old boot loaders depend on this).
   */
  readData8(): number {
    return this.readData16() & 0xff;
  }

  writeData8(v: number): void {
    if (this.pioDir !== PIO_OUT) return;
    this.buf[this.bufPos++] = v;
    if (this.bufPos >= this.bufEnd) this.pioEnd();
  }

  private pioEnd(): void {
    this.pioDir = PIO_NONE;
    this.status &= ~ST_DRQ;
    this.onPioDone();
  }

  /** Offer `bytes` of `buf` to the host: DRQ set, BSY clear. */
  protected startPioIn(bytes: number): void {
    this.bufPos = 0;
    this.bufEnd = bytes;
    this.pioDir = PIO_IN;
    this.status = (this.status & ~(ST_BSY | ST_ERR)) | ST_DRQ;
  }

  protected startPioOut(bytes: number): void {
    this.bufPos = 0;
    this.bufEnd = bytes;
    this.pioDir = PIO_OUT;
    this.status = (this.status & ~(ST_BSY | ST_ERR)) | ST_DRQ;
  }

  protected busy(): void {
    this.pioDir = PIO_NONE;
    this.status = (this.status & ~(ST_DRQ | ST_ERR)) | ST_BSY;
  }

  /** Command finished without error. */
  protected complete(irq = true): void {
    this.pioDir = PIO_NONE;
    this.dmaPending = false;
    this.status = ST_DRDY | ST_DSC;
    if (irq) this.raiseIrq();
  }

  /** Command failed: ERR in status, `err` in the error register, INTRQ. */
  protected fail(err = ERR_ABRT): void {
    this.pioDir = PIO_NONE;
    this.dmaPending = false;
    this.status = ST_DRDY | ST_ERR;
    this.error = err;
    this.raiseIrq();
  }

  /**
   * EXECUTE DEVICE DIAGNOSTIC: busy for a moment, then the reset signature;
   * only device 0 reports with an interrupt (§8.11).
   */
  diagnose(reportIrq: boolean): void {
    this.timer.cancel();
    this.dmaPending = false;
    this.irqPending = false;
    this.busy();
    this.diagnosticIrq = reportIrq;
    this.schedule(ACT_DIAGNOSTIC, COMMAND_DELAY_NS);
  }

  /** SRST asserted: stop everything, show BSY until released. */
  holdInReset(): void {
    this.timer.cancel();
    this.action = ACT_NONE;
    this.pioDir = PIO_NONE;
    this.dmaPending = false;
    this.irqPending = false;
    this.status = ST_BSY;
  }

  releaseReset(): void {
    this.schedule(ACT_RESET_DONE, RESET_DELAY_NS);
  }

  /** Power-on / machine reset: ready at once. */
  powerOn(): void {
    this.timer.cancel();
    this.action = ACT_NONE;
    this.pioDir = PIO_NONE;
    this.bufPos = this.bufEnd = 0;
    this.dmaPending = false;
    this.irqPending = false;
    this.resetSignature();
  }

  saveState(): DeviceState {
    return {
      tf: this.tf.slice(),
      status: this.status,
      error: this.error,
      buf: this.buf.slice(0, Math.max(this.bufEnd, 0)),
      bufPos: this.bufPos,
      bufEnd: this.bufEnd,
      pioDir: this.pioDir,
      irqPending: this.irqPending,
      dmaPending: this.dmaPending,
      action: this.action,
      diagnosticIrq: this.diagnosticIrq,
      deadline: this.timer.deadline,
      extra: this.saveExtra(),
    };
  }

  loadState(s: DeviceState): void {
    const tf = s.tf;
    const buf = s.buf;
    if (!(tf instanceof Uint8Array) || !(buf instanceof Uint8Array)) throw new Error('IDE drive snapshot is missing its registers');
    this.tf.set(tf);
    this.status = Number(s.status);
    this.error = Number(s.error);
    this.buf.fill(0);
    this.buf.set(buf);
    this.bufPos = Number(s.bufPos);
    this.bufEnd = Number(s.bufEnd);
    this.pioDir = Number(s.pioDir);
    this.irqPending = s.irqPending === true;
    this.dmaPending = s.dmaPending === true;
    this.loadExtra(s.extra as DeviceState);
    this.action = Number(s.action);
    this.diagnosticIrq = s.diagnosticIrq === true;
    this.timer.restore(Number(s.deadline));
  }
}
