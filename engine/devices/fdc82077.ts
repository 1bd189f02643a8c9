/**
 * Intel 82077AA floppy disk controller in PC/AT mode, with two 3.5"/5.25" drives.
 *
 * Ports (82077AA datasheet §2): 3F0 SRA, 3F1 SRB, 3F2 DOR, 3F3 TDR, 3F4 MSR
 * (read) / DSR (write), 3F5 FIFO, 3F7 DIR (read) / CCR (write). 3F6 belongs to
 * the primary IDE channel and is not decoded here. Interrupts go to IRQ 6 and
 * data to 8237 channel 2, both gated by DOR bit 3.
 *
 * A command moves through the three phases of the datasheet (§5): command
 * bytes in through the FIFO, execution (seek, or sector transfer by DMA or
 * programmed I/O), and result bytes out. Execution takes virtual time; with
 * DMA the whole transfer happens at the end of that delay and stops at the
 * sector in which the DMA controller reached terminal count. Status bytes
 * ST0–ST3 follow the datasheet's bit definitions (§5.2).
 */
import type { BlockDevice } from '../disk/block-device.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import type { Dma8237 } from './dma8237.js';
import type { Device, DeviceContext, DeviceState, IrqLines } from './device.js';
import { TimerSlot } from './timer-slot.js';
import { floppyGeometryForSize, type DataRate, type FloppyGeometry } from './floppy-geometry.js';

export const FDC_IRQ = 6;
export const FDC_DMA_CHANNEL = 2;
const BASE = 0x3f0;

// Main status register bits.
const MSR_RQM = 0x80;
const MSR_DIO = 0x40;
const MSR_NDMA = 0x20;
const MSR_CB = 0x10;

// ST0 interrupt codes and flags.
const ST0_ABNORMAL = 0x40;
const ST0_INVALID = 0x80;
const ST0_READY_CHANGE = 0xc0;
const ST0_SEEK_END = 0x20;
const ST0_EQUIP_CHECK = 0x10;
const ST0_NOT_READY = 0x08;
// ST1
const ST1_EN = 0x80;
const ST1_OR = 0x10;
const ST1_ND = 0x04;
const ST1_NW = 0x02;
const ST1_MA = 0x01;
// ST2
const ST2_WC = 0x10;

/** Virtual delays. Short but non-zero, so guests see BUSY and wait for IRQ 6 as on hardware. */
const COMMAND_DELAY_NS = 200_000;
const SEEK_BASE_NS = 100_000;
const SEEK_STEP_NS = 50_000;
const RESET_DELAY_NS = 10_000;

const enum Phase {
  Command = 0,
  Execution = 1,
  PioData = 2,
  Result = 3,
}

const enum Op {
  None = 0,
  Read = 1,
  Write = 2,
  ReadId = 3,
  Format = 4,
  ResetDone = 5,
}

/** Command byte counts by opcode (low five bits); 0 = not implemented. */
const COMMAND_LENGTH: readonly number[] = (() => {
  const t = new Array<number>(32).fill(0);
  t[0x03] = 3; // SPECIFY
  t[0x04] = 2; // SENSE DRIVE STATUS
  t[0x05] = 9; // WRITE DATA
  t[0x06] = 9; // READ DATA
  t[0x07] = 2; // RECALIBRATE
  t[0x08] = 1; // SENSE INTERRUPT STATUS
  t[0x0a] = 2; // READ ID
  t[0x0d] = 6; // FORMAT TRACK
  t[0x0e] = 1; // DUMPREG
  t[0x0f] = 3; // SEEK
  t[0x10] = 1; // VERSION
  t[0x12] = 2; // PERPENDICULAR MODE
  t[0x13] = 4; // CONFIGURE
  t[0x14] = 1; // LOCK / UNLOCK
  return t;
})();

interface Drive {
  media: BlockDevice | null;
  geometry: FloppyGeometry | null;
  /** Cylinder under the head (the controller's PCN for this drive). */
  track: number;
  /** Disk-change latch (DIR bit 7): set on power-up and media change, cleared by a step with media present. */
  changed: boolean;
  /** ST0 of a finished seek/recalibrate waiting for SENSE INTERRUPT STATUS, or -1. */
  seekStatus: number;
  seekTarget: number;
  seekTimer: TimerSlot;
}

export interface Fdc82077Options {
  dma: Dma8237;
  /** Media for drives A: and B: at power-on. */
  drives?: (BlockDevice | null | undefined)[];
}

export class Fdc82077 implements Device {
  readonly name = 'fdc82077';
  private readonly irq: IrqLines;
  private readonly clock: VirtualClock;
  private readonly dma: Dma8237;
  private readonly drives: Drive[] = [];

  private dor = 0;
  private tdr = 0;
  private rate: DataRate = 2 as DataRate;
  private dsrLow = 0;
  private phase = Phase.Command;
  private readonly cmd = new Uint8Array(9);
  private cmdPos = 0;
  private readonly res = new Uint8Array(10);
  private resPos = 0;
  private resLen = 0;
  private irqPending = false;
  private irqLevel = false;
  /** Reset interrupts still to be reported, one per drive 0–3. */
  private resetSense = 0;
  /** The result phase belongs to a command whose interrupt is acknowledged by reading it. */
  private resultAcksIrq = false;

  // SPECIFY / CONFIGURE / PERPENDICULAR / LOCK state.
  private srtHut = 0;
  private hltNd = 0;
  private configByte = 0x20; // EFIFO set: FIFO disabled after reset (§5.2.7)
  private pretrk = 0;
  private perpendicular = 0;
  private locked = false;
  private lastEot = 0;

  // Execution context for data commands.
  private op = Op.None;
  private exDrive = 0;
  private exHead = 0;
  private exC = 0;
  private exH = 0;
  private exR = 0;
  private exN = 0;
  private exEot = 0;
  private exMt = false;
  private exSc = 0;
  private exFill = 0;
  private readonly sector = new Uint8Array(512);
  private pioPos = 0;
  private pioLba = 0;
  /** ST1/ST2 of the last failed sector lookup. */
  private idError1 = 0;
  private idError2 = 0;
  private readonly seekHead = [0, 0];
  /** ST0 for a seek addressed to a drive that is not fitted, or -1. */
  private pendingNoDrive = -1;
  private noDriveStatus = 0;
  private readonly noDriveTimer: TimerSlot;
  private readonly execTimer: TimerSlot;

  constructor(ctx: DeviceContext, options: Fdc82077Options) {
    this.irq = ctx.irq;
    this.clock = ctx.clock;
    this.dma = options.dma;
    this.execTimer = new TimerSlot(ctx.clock, () => this.execute());
    this.noDriveTimer = new TimerSlot(ctx.clock, () => {
      this.pendingNoDrive = this.noDriveStatus;
      this.setIrq();
    });
    for (let d = 0; d < 2; d++) {
      const drive: Drive = {
        media: null,
        geometry: null,
        track: 0,
        changed: true,
        seekStatus: -1,
        seekTarget: 0,
        seekTimer: new TimerSlot(ctx.clock, () => this.seekDone(d)),
      };
      this.drives.push(drive);
      const m = options.drives?.[d];
      if (m) this.attach(d, m);
    }
    ctx.io.register(this.name, BASE, 6, {
      read8: (p) => this.read(p - BASE),
      write8: (p, v) => this.write(p - BASE, v),
    });
    ctx.io.register(this.name, BASE + 7, 1, {
      read8: () => this.readDir(),
      write8: (_p, v) => {
        this.rate = (v & 3) as DataRate;
      },
    });
  }

  /** Put a disk in drive 0 or 1; its size picks the format (EngineInputError if unknown). */
  insertMedia(drive: number, media: BlockDevice, file?: string): void {
    this.attach(drive, media, file);
    this.drives[drive].changed = true;
  }

  ejectMedia(drive: number): void {
    if (drive !== 0 && drive !== 1) throw new Error(`floppy drive ${drive} does not exist (drives 0 and 1 are fitted)`);
    const d = this.drives[drive];
    d.media = null;
    d.geometry = null;
    d.changed = true;
  }

  /** Geometry of the media in `drive`, or null when empty. */
  mediaGeometry(drive: number): FloppyGeometry | null {
    return this.drives[drive].geometry;
  }

  private attach(drive: number, media: BlockDevice, file?: string): void {
    if (drive !== 0 && drive !== 1) throw new Error(`floppy drive ${drive} does not exist (drives 0 and 1 are fitted)`);
    const d = this.drives[drive];
    d.geometry = floppyGeometryForSize(media.sectorCount * 512, file);
    d.media = media;
  }

  private get inReset(): boolean {
    return (this.dor & 0x04) === 0;
  }

  // ---- register interface -------------------------------------------------

  private read(reg: number): number {
    switch (reg) {
      case 0: // SRA (PS/2 mode register; in AT mode only the interrupt bit is meaningful)
        return (this.irqPending ? 0x80 : 0) | 0x40 | (this.drives[this.dor & 1].track === 0 ? 0 : 0x10);
      case 1: // SRB: motor enables and drive select (PS/2 layout)
        return 0xc0 | ((this.dor & 0x10) !== 0 ? 0x01 : 0) | ((this.dor & 0x20) !== 0 ? 0x02 : 0) | ((this.dor & 1) !== 0 ? 0x20 : 0);
      case 2:
        return this.dor;
      case 3:
        return this.tdr & 0x03;
      case 4:
        return this.msr();
      case 5:
        return this.readFifo();
      default:
        return 0xff;
    }
  }

  private write(reg: number, v: number): void {
    switch (reg) {
      case 2: {
        const wasReset = this.inReset;
        this.dor = v;
        if (this.inReset) {
          if (!wasReset) this.enterReset();
        } else if (wasReset) {
          this.leaveReset();
        }
        this.updateIrq();
        break;
      }
      case 3:
        this.tdr = v & 0x03;
        break;
      case 4:
        this.dsrLow = v & 0x7c;
        this.rate = (v & 3) as DataRate;
        if ((v & 0x80) !== 0) {
          // DSR software reset is self-clearing (§2.1.5).
          this.enterReset();
          this.leaveReset();
        }
        break;
      case 5:
        this.writeFifo(v);
        break;
    }
  }

  private readDir(): number {
    // Bit 7 is the disk-change line of the selected drive; bits 6–0 belong to the IDE controller in AT mode.
    const sel = this.dor & 3;
    return sel < 2 && this.drives[sel].changed ? 0x80 : 0x00;
  }

  private msr(): number {
    if (this.inReset) return 0;
    let busy = 0;
    for (let d = 0; d < 2; d++) if (this.drives[d].seekTimer.armed) busy |= 1 << d;
    switch (this.phase) {
      case Phase.Command:
        return MSR_RQM | (this.cmdPos > 0 ? MSR_CB : 0) | busy;
      case Phase.Execution:
        return MSR_CB | busy;
      case Phase.PioData:
        return MSR_RQM | MSR_NDMA | MSR_CB | (this.op === Op.Read ? MSR_DIO : 0) | busy;
      case Phase.Result:
        return MSR_RQM | MSR_DIO | MSR_CB | busy;
    }
  }

  private enterReset(): void {
    this.execTimer.cancel();
    this.noDriveTimer.cancel();
    this.pendingNoDrive = -1;
    for (const d of this.drives) {
      d.seekTimer.cancel();
      d.seekStatus = -1;
    }
    this.phase = Phase.Command;
    this.cmdPos = 0;
    this.resPos = this.resLen = 0;
    this.op = Op.None;
    this.resetSense = 0;
    this.irqPending = false;
    this.perpendicular &= 0x3c; // per-drive bits survive a software reset, GAP/WGATE do not (§5.2.9)
    if (!this.locked) {
      this.configByte = 0x20;
      this.pretrk = 0;
    }
    this.updateIrq();
  }

  private leaveReset(): void {
    this.op = Op.ResetDone;
    this.phase = Phase.Execution;
    this.execTimer.arm(this.clock.ticks + this.clock.nsToTicks(RESET_DELAY_NS));
  }

  private setIrq(): void {
    this.irqPending = true;
    this.updateIrq();
  }

  private clearIrq(): void {
    this.irqPending = false;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.irqPending && !this.inReset && (this.dor & 0x08) !== 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq.raise(FDC_IRQ);
    else this.irq.lower(FDC_IRQ);
  }

  // ---- FIFO -----------------------------------------------------------------

  private readFifo(): number {
    if (this.inReset) return 0xff;
    if (this.phase === Phase.Result) {
      const v = this.res[this.resPos++];
      // Reading the first result byte acknowledges a data command's interrupt (§5.1.3);
      // SENSE INTERRUPT STATUS already handled its own.
      if (this.resultAcksIrq) this.clearIrq();
      if (this.resPos >= this.resLen) {
        this.phase = Phase.Command;
        this.resPos = this.resLen = 0;
      }
      return v;
    }
    if (this.phase === Phase.PioData && this.op === Op.Read) {
      const v = this.sector[this.pioPos++];
      this.clearIrq();
      if (this.pioPos >= 512) this.pioSectorDone();
      return v;
    }
    return 0xff;
  }

  private writeFifo(v: number): void {
    if (this.inReset) return;
    if (this.phase === Phase.PioData && this.op === Op.Write) {
      this.sector[this.pioPos++] = v;
      this.clearIrq();
      if (this.pioPos >= 512) this.pioSectorDone();
      return;
    }
    if (this.phase !== Phase.Command) return;
    if (this.cmdPos === 0) this.clearIrq();
    this.cmd[this.cmdPos++] = v;
    const len = COMMAND_LENGTH[this.cmd[0] & 0x1f];
    if (len === 0) {
      this.result1(ST0_INVALID);
      return;
    }
    if (this.cmdPos >= len) {
      this.cmdPos = 0;
      this.dispatch();
    }
  }

  private result1(b: number): void {
    this.resultAcksIrq = false;
    this.cmdPos = 0;
    this.res[0] = b;
    this.resPos = 0;
    this.resLen = 1;
    this.phase = Phase.Result;
  }

  private dispatch(): void {
    const c = this.cmd;
    switch (c[0] & 0x1f) {
      case 0x03: // SPECIFY
        this.srtHut = c[1];
        this.hltNd = c[2];
        return;
      case 0x04: { // SENSE DRIVE STATUS
        this.resultAcksIrq = false;
        this.res[0] = this.st3(c[1] & 3, (c[1] >>> 2) & 1);
        this.resPos = 0;
        this.resLen = 1;
        this.phase = Phase.Result;
        return;
      }
      case 0x07: // RECALIBRATE
        this.startSeek(c[1] & 3, 0, 0);
        return;
      case 0x0f: // SEEK
        this.startSeek(c[1] & 3, (c[1] >>> 2) & 1, c[2]);
        return;
      case 0x08:
        this.senseInterrupt();
        return;
      case 0x10: // VERSION: 90h identifies the enhanced controller (§5.2.10)
        this.result1(0x90);
        return;
      case 0x12: // PERPENDICULAR MODE: OW gates the per-drive bits
        this.perpendicular = (c[1] & 0x80) !== 0 ? c[1] & 0x3f : (this.perpendicular & 0x3c) | (c[1] & 0x03);
        return;
      case 0x13: // CONFIGURE
        this.configByte = c[2] & 0x7f;
        this.pretrk = c[3];
        return;
      case 0x14: // LOCK (94h) / UNLOCK (14h)
        this.locked = (c[0] & 0x80) !== 0;
        this.result1(this.locked ? 0x10 : 0x00);
        return;
      case 0x0e:
        this.dumpReg();
        return;
      case 0x06:
      case 0x05:
      case 0x0a:
      case 0x0d:
        this.startData();
        return;
    }
  }

  private st3(drive: number, head: number): number {
    let st3 = 0x20 | (head << 2) | drive; // RDY is always asserted in AT mode
    if (drive < 2) {
      const d = this.drives[drive];
      if (d.track === 0) st3 |= 0x10;
      if (d.media === null || d.media.readOnly) st3 |= 0x40;
      if (d.geometry === null || d.geometry.heads === 2) st3 |= 0x08;
    }
    return st3;
  }

  private dumpReg(): void {
    const r = this.res;
    for (let d = 0; d < 4; d++) r[d] = d < 2 ? this.drives[d].track : 0;
    r[4] = this.srtHut;
    r[5] = this.hltNd;
    r[6] = this.lastEot;
    r[7] = (this.locked ? 0x80 : 0) | (this.perpendicular & 0x3f);
    r[8] = this.configByte;
    r[9] = this.pretrk;
    this.resultAcksIrq = false;
    this.resPos = 0;
    this.resLen = 10;
    this.phase = Phase.Result;
  }

  // ---- seeks and interrupts --------------------------------------------------

  private startSeek(drive: number, head: number, target: number): void {
    this.phase = Phase.Command;
    if (drive >= 2) {
      // No drive fitted: no track-0 signal ever comes, so after the full step count the
      // controller gives up with equipment check (§5.2.6).
      this.noDriveStatus = ST0_ABNORMAL | ST0_SEEK_END | ST0_EQUIP_CHECK | (head << 2) | drive;
      this.noDriveTimer.arm(this.clock.ticks + this.clock.nsToTicks(SEEK_BASE_NS + 79 * SEEK_STEP_NS));
      return;
    }
    const d = this.drives[drive];
    d.seekTarget = target;
    d.seekStatus = -1;
    const steps = Math.abs(d.track - target);
    d.seekTimer.arm(this.clock.ticks + this.clock.nsToTicks(SEEK_BASE_NS + steps * SEEK_STEP_NS));
    this.seekHead[drive] = head;
  }

  private seekDone(drive: number): void {
    const d = this.drives[drive];
    if (d.track !== d.seekTarget && d.media !== null) d.changed = false;
    d.track = d.seekTarget;
    d.seekStatus = ST0_SEEK_END | (this.seekHead[drive] << 2) | drive;
    this.setIrq();
  }

  private senseInterrupt(): void {
    let st0 = -1;
    let pcn = 0;
    if (this.resetSense > 0) {
      const drive = 4 - this.resetSense;
      this.resetSense--;
      st0 = ST0_READY_CHANGE | drive;
      pcn = drive < 2 ? this.drives[drive].track : 0;
    } else if (this.pendingNoDrive >= 0) {
      st0 = this.pendingNoDrive;
      this.pendingNoDrive = -1;
    } else {
      for (let d = 0; d < 2; d++) {
        if (this.drives[d].seekStatus >= 0) {
          st0 = this.drives[d].seekStatus;
          pcn = this.drives[d].track;
          this.drives[d].seekStatus = -1;
          break;
        }
      }
    }
    this.clearIrq();
    if (st0 < 0) {
      this.result1(ST0_INVALID);
      return;
    }
    this.res[0] = st0;
    this.res[1] = pcn;
    this.resPos = 0;
    this.resLen = 2;
    this.resultAcksIrq = false;
    this.phase = Phase.Result;
    // The reset interrupt is one event: the first SENSE INTERRUPT STATUS drops the line and the
    // remaining per-drive reset statuses are only read out (BIOSes issue a single SIS after a
    // reset and must not see a stale interrupt). Further seek completions are separate events.
    if (this.drives.some((d) => d.seekStatus >= 0)) this.setIrq();
  }

  // ---- data commands ------------------------------------------------------------

  private startData(): void {
    const c = this.cmd;
    const opcode = c[0] & 0x1f;
    this.exDrive = c[1] & 3;
    this.exHead = (c[1] >>> 2) & 1;
    this.exMt = (c[0] & 0x80) !== 0;
    if (opcode === 0x06 || opcode === 0x05) {
      this.op = opcode === 0x06 ? Op.Read : Op.Write;
      this.exC = c[2];
      this.exH = c[3];
      this.exR = c[4];
      this.exN = c[5];
      this.exEot = c[6];
      this.lastEot = c[6];
    } else if (opcode === 0x0a) {
      this.op = Op.ReadId;
    } else {
      this.op = Op.Format;
      this.exN = c[2];
      this.exSc = c[3];
      this.exFill = c[5];
    }
    this.phase = Phase.Execution;
    this.execTimer.arm(this.clock.ticks + this.clock.nsToTicks(COMMAND_DELAY_NS));
  }

  private get nonDma(): boolean {
    return (this.hltNd & 1) !== 0;
  }

  /** Execution-phase timer: the drive has found the first sector (or the reset finished). */
  private execute(): void {
    switch (this.op) {
      case Op.ResetDone:
        this.op = Op.None;
        this.phase = Phase.Command;
        this.resetSense = 4;
        this.setIrq();
        return;
      case Op.ReadId:
        this.readId();
        return;
      case Op.Format:
        this.format();
        return;
      case Op.Read:
      case Op.Write:
        if (this.nonDma) this.pioStart();
        else this.dmaTransfer();
        return;
      default:
        return;
    }
  }

  /** ST1 error for the current drive's media, or 0 when sectors can be found at all. */
  private mediaError(): number {
    if (this.exDrive >= 2) return -1;
    const d = this.drives[this.exDrive];
    if (d.media === null || d.geometry === null) return -1;
    if (!d.geometry.rates.includes(this.rate)) return ST1_MA;
    if ((this.cmd[0] & 0x40) === 0) return ST1_MA; // FM requested on MFM media: no address marks found
    if (this.exHead >= d.geometry.heads) return ST1_MA;
    return 0;
  }

  private finish(st0: number, st1: number, st2: number): void {
    this.res[0] = st0 | (this.exHead << 2) | this.exDrive;
    this.res[1] = st1;
    this.res[2] = st2;
    this.res[3] = this.exC;
    this.res[4] = this.exH;
    this.res[5] = this.exR;
    this.res[6] = this.exN;
    this.resPos = 0;
    this.resLen = 7;
    this.op = Op.None;
    this.phase = Phase.Result;
    this.resultAcksIrq = true;
    this.setIrq();
  }

  private failMedia(err: number): void {
    if (err < 0) this.finish(ST0_ABNORMAL | ST0_NOT_READY, ST1_MA, 0);
    else this.finish(ST0_ABNORMAL, err, 0);
  }

  private implicitSeek(): void {
    // CONFIGURE EIS: data commands seek to their C parameter first (§5.2.7).
    if ((this.configByte & 0x40) !== 0 && this.exDrive < 2) {
      const d = this.drives[this.exDrive];
      if (d.track !== this.exC && d.media !== null) d.changed = false;
      d.track = this.exC;
    }
  }

  /** LBA of the sector the current ID addresses on the current physical track, or -1 with ST1/ST2 in idError1/2. */
  private locate(): number {
    const d = this.drives[this.exDrive];
    const g = d.geometry!;
    this.idError1 = 0;
    this.idError2 = 0;
    if (this.exC !== d.track) {
      this.idError1 = ST1_ND;
      this.idError2 = ST2_WC;
      return -1;
    }
    if (this.exH !== this.exHead || this.exN !== 2 || this.exR < 1 || this.exR > g.sectorsPerTrack || d.track >= g.cylinders) {
      this.idError1 = ST1_ND;
      return -1;
    }
    return (d.track * g.heads + this.exHead) * g.sectorsPerTrack + this.exR - 1;
  }

  /**
   * Step the ID to the next sector after one transferred (datasheet table
   * "C, H, R, N after command termination"). Returns false when the end of
   * the track (or of the cylinder, with MT) was passed.
   */
  private advance(): boolean {
    if (this.exR !== this.exEot) {
      this.exR++;
      return true;
    }
    this.exR = 1;
    if (this.exMt && this.exHead === 0) {
      this.exHead = 1;
      this.exH ^= 1;
      return true;
    }
    if (this.exMt) {
      this.exHead = 0;
      this.exH ^= 1;
    }
    this.exC = (this.exC + 1) & 0xff;
    return false;
  }

  private dmaTransfer(): void {
    const err = this.mediaError();
    if (err !== 0) return this.failMedia(err);
    this.implicitSeek();
    const d = this.drives[this.exDrive];
    const media = d.media!;
    if (this.op === Op.Write && media.readOnly) return this.finish(ST0_ABNORMAL, ST1_NW, 0);
    for (;;) {
      const lba = this.locate();
      if (lba < 0) return this.finish(ST0_ABNORMAL, this.idError1, this.idError2);
      let moved: number;
      if (this.op === Op.Read) {
        media.read(lba, 1, this.sector, 0);
        moved = this.dma.transferToMemory(FDC_DMA_CHANNEL, this.sector, 0, 512);
      } else {
        moved = this.dma.transferFromMemory(FDC_DMA_CHANNEL, this.sector, 0, 512);
        if (moved < 512) this.sector.fill(0, moved);
        if (moved > 0) media.write(lba, 1, this.sector, 0);
      }
      const tc = this.dma.hitTerminalCount(FDC_DMA_CHANNEL);
      if (moved === 0 && !tc) return this.finish(ST0_ABNORMAL, ST1_OR, 0); // DMA never answered: overrun
      const more = this.advance();
      if (tc) return this.finish(0, 0, 0);
      if (!more) return this.finish(ST0_ABNORMAL, ST1_EN, 0);
    }
  }

  private pioStart(): void {
    const err = this.mediaError();
    if (err !== 0) return this.failMedia(err);
    this.implicitSeek();
    const d = this.drives[this.exDrive];
    if (this.op === Op.Write && d.media!.readOnly) return this.finish(ST0_ABNORMAL, ST1_NW, 0);
    this.pioLoad();
  }

  /** Begin the data phase for the sector at the current ID. */
  private pioLoad(): void {
    const lba = this.locate();
    if (lba < 0) return this.finish(ST0_ABNORMAL, this.idError1, this.idError2);
    if (this.op === Op.Read) this.drives[this.exDrive].media!.read(lba, 1, this.sector, 0);
    this.pioLba = lba;
    this.pioPos = 0;
    this.phase = Phase.PioData;
    this.setIrq();
  }

  private pioSectorDone(): void {
    if (this.op === Op.Write) this.drives[this.exDrive].media!.write(this.pioLba, 1, this.sector, 0);
    // Without DMA there is no terminal count: the command runs to the end of the track (§5.1.2).
    if (this.advance()) this.pioLoad();
    else this.finish(ST0_ABNORMAL, ST1_EN, 0);
  }

  private readId(): void {
    const err = this.mediaError();
    if (err !== 0) return this.failMedia(err);
    const d = this.drives[this.exDrive];
    this.exC = d.track;
    this.exH = this.exHead;
    this.exR = 1;
    this.exN = 2;
    this.finish(0, 0, 0);
  }

  private format(): void {
    const err = this.mediaError();
    if (err !== 0) return this.failMedia(err);
    const d = this.drives[this.exDrive];
    const media = d.media!;
    const g = d.geometry!;
    if (media.readOnly) return this.finish(ST0_ABNORMAL, ST1_NW, 0);
    const id = new Uint8Array(4);
    this.sector.fill(this.exFill);
    for (let i = 0; i < this.exSc; i++) {
      const n = this.dma.transferFromMemory(FDC_DMA_CHANNEL, id, 0, 4);
      if (n < 4) break;
      this.exC = id[0];
      this.exH = id[1];
      this.exR = id[2];
      this.exN = id[3];
      // The image stores data only; sectors whose ID does not fit the medium's layout are not representable.
      if (this.exN === 2 && this.exR >= 1 && this.exR <= g.sectorsPerTrack && d.track < g.cylinders) {
        media.write((d.track * g.heads + this.exHead) * g.sectorsPerTrack + this.exR - 1, 1, this.sector, 0);
      }
      if (this.dma.hitTerminalCount(FDC_DMA_CHANNEL)) break;
    }
    this.finish(0, 0, 0);
  }

  // ---- Device -------------------------------------------------------------------

  reset(): void {
    this.dor = 0;
    this.tdr = 0;
    this.rate = 2 as DataRate;
    this.dsrLow = 0;
    this.srtHut = 0;
    this.hltNd = 0;
    this.locked = false;
    this.perpendicular = 0;
    this.lastEot = 0;
    this.pendingNoDrive = -1;
    this.enterReset();
    for (const d of this.drives) {
      d.track = 0;
      d.changed = true;
    }
    if (this.irqLevel) {
      this.irqLevel = false;
      this.irq.lower(FDC_IRQ);
    }
  }

  saveState(): DeviceState {
    return {
      dor: this.dor,
      tdr: this.tdr,
      rate: this.rate,
      dsrLow: this.dsrLow,
      phase: this.phase,
      cmd: this.cmd.slice(),
      cmdPos: this.cmdPos,
      res: this.res.slice(),
      resPos: this.resPos,
      resLen: this.resLen,
      irqPending: this.irqPending,
      irqLevel: this.irqLevel,
      resultAcksIrq: this.resultAcksIrq,
      resetSense: this.resetSense,
      srtHut: this.srtHut,
      hltNd: this.hltNd,
      configByte: this.configByte,
      pretrk: this.pretrk,
      perpendicular: this.perpendicular,
      locked: this.locked,
      lastEot: this.lastEot,
      op: this.op,
      ex: [this.exDrive, this.exHead, this.exC, this.exH, this.exR, this.exN, this.exEot, this.exMt ? 1 : 0, this.exSc, this.exFill],
      sector: this.sector.slice(),
      pioPos: this.pioPos,
      pioLba: this.pioLba,
      pendingNoDrive: this.pendingNoDrive,
      noDriveStatus: this.noDriveStatus,
      noDriveDeadline: this.noDriveTimer.deadline,
      seekHead: [...this.seekHead],
      execDeadline: this.execTimer.deadline,
      drives: this.drives.map((d) => ({
        track: d.track,
        changed: d.changed,
        seekStatus: d.seekStatus,
        seekTarget: d.seekTarget,
        seekDeadline: d.seekTimer.deadline,
      })),
    };
  }

  loadState(s: DeviceState): void {
    const n = (k: string): number => Number(s[k]);
    const bytes = (k: string): Uint8Array => {
      const v = s[k];
      if (!(v instanceof Uint8Array)) throw new Error(`fdc82077 snapshot: ${k} is missing`);
      return v;
    };
    this.dor = n('dor');
    this.tdr = n('tdr');
    this.rate = n('rate') as DataRate;
    this.dsrLow = n('dsrLow');
    this.phase = n('phase') as Phase;
    this.cmd.set(bytes('cmd'));
    this.cmdPos = n('cmdPos');
    this.res.set(bytes('res'));
    this.resPos = n('resPos');
    this.resLen = n('resLen');
    this.irqPending = s.irqPending === true;
    this.irqLevel = s.irqLevel === true;
    this.resetSense = n('resetSense');
    this.resultAcksIrq = s.resultAcksIrq === true;
    this.srtHut = n('srtHut');
    this.hltNd = n('hltNd');
    this.configByte = n('configByte');
    this.pretrk = n('pretrk');
    this.perpendicular = n('perpendicular');
    this.locked = s.locked === true;
    this.lastEot = n('lastEot');
    this.op = n('op') as Op;
    const ex = (s.ex as number[]).map(Number);
    [this.exDrive, this.exHead, this.exC, this.exH, this.exR, this.exN, this.exEot] = ex;
    this.exMt = ex[7] !== 0;
    this.exSc = ex[8];
    this.exFill = ex[9];
    this.sector.set(bytes('sector'));
    this.pioPos = n('pioPos');
    this.pioLba = n('pioLba');
    this.pendingNoDrive = n('pendingNoDrive');
    this.noDriveStatus = n('noDriveStatus');
    this.noDriveTimer.restore(n('noDriveDeadline'));
    const sh = (s.seekHead as number[]).map(Number);
    this.seekHead[0] = sh[0];
    this.seekHead[1] = sh[1];
    this.execTimer.restore(n('execDeadline'));
    const drives = s.drives as DeviceState[];
    this.drives.forEach((d, i) => {
      const ds = drives[i];
      d.track = Number(ds.track);
      d.changed = ds.changed === true;
      d.seekStatus = Number(ds.seekStatus);
      d.seekTarget = Number(ds.seekTarget);
      d.seekTimer.restore(Number(ds.seekDeadline));
    });
    if (this.irqLevel) this.irq.raise(FDC_IRQ);
    else this.irq.lower(FDC_IRQ);
  }
}
