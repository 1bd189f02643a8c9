/**
 * An ATAPI CD-ROM drive: the PACKET protocol of ATA/ATAPI-6 §9.8–9.9 carrying
 * the SCSI/MMC commands a BIOS (El Torito boot) and an operating system use.
 *
 * The medium is a BlockDevice of 512-byte sectors read as 2048-byte CD
 * blocks (four device sectors each). Data for a command is streamed to the
 * host in DRQ blocks no larger than the byte count limit the host put in the
 * cylinder registers, or through the bus master when the PACKET command's
 * DMA feature bit is set. Errors end in CHECK CONDITION: ERR in status, the
 * sense key in the error register's upper nibble, and full sense data for
 * REQUEST SENSE (SPC fixed format).
 */
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { BlockDevice } from '../../disk/block-device.js';
import type { DeviceState } from '../device.js';
import {
  CMD,
  ERR_ABRT,
  IR_COD,
  IR_IO,
  ST_DRDY,
  ST_DSC,
  ST_ERR,
  TF_COUNT,
  TF_FEATURE,
  TF_LBA_HIGH,
  TF_LBA_LOW,
  TF_LBA_MID,
  putAtaString,
  putWord,
  sealIdentify,
} from './ata-constants.js';
import type { BusMasterChannel } from './bus-master.js';
import { COMMAND_DELAY_NS, IdeDrive } from './ide-drive.js';

export const CD_BLOCK = 2048;

// Sense keys and additional sense codes (SPC-3 §4.5.6, MMC-3 annex F).
export const SENSE_NONE = 0x00;
export const SENSE_NOT_READY = 0x02;
export const SENSE_ILLEGAL_REQUEST = 0x05;
export const SENSE_UNIT_ATTENTION = 0x06;
const ASC_INVALID_OPCODE = 0x20;
const ASC_LBA_OUT_OF_RANGE = 0x21;
const ASC_INVALID_FIELD = 0x24;
const ASC_MEDIUM_CHANGED = 0x28;
const ASC_MEDIUM_NOT_PRESENT = 0x3a;
const ASC_REMOVAL_PREVENTED = 0x53;

const ACT_IDENTIFY = 10;
const ACT_PACKET = 11;
const ACT_CHUNK = 12;
const ACT_COMPLETE = 13;
const ACT_FAIL = 14;
const ACT_PACKET_DONE = 15;

const enum Phase {
  Idle = 0,
  Identify = 1,
  Packet = 2,
  DataIn = 3,
}

const enum Source {
  Response = 0,
  Disc = 1,
}

export interface AtapiCdromOptions {
  model?: string;
  serial?: string;
  firmware?: string;
  vendor?: string;
  product?: string;
}

export class AtapiCdrom extends IdeDrive {
  readonly kind = 'atapi' as const;
  private media: BlockDevice | null = null;
  private readonly model: string;
  private readonly serial: string;
  private readonly firmware: string;
  private readonly vendor: string;
  private readonly product: string;

  private phase = Phase.Idle;
  private readonly cdb = new Uint8Array(12);
  private dma = false;
  private byteLimit = 0;
  private source = Source.Response;
  private readonly resp = new Uint8Array(512);
  private respPos = 0;
  private remaining = 0;
  private discLba = 0;
  private readonly stage = new Uint8Array(CD_BLOCK);
  private stagePos = CD_BLOCK;

  private senseKey = SENSE_NONE;
  private asc = 0;
  private ascq = 0;
  /** LBA for the sense information field, or -1 when it is not valid. */
  private senseInfo = -1;
  private unitAttention = false;
  private locked = false;
  /** Pending media event for GET EVENT STATUS NOTIFICATION: 0 none, 2 new media, 3 removal. */
  private mediaEvent = 0;

  constructor(clock: VirtualClock, media: BlockDevice | null = null, options: AtapiCdromOptions = {}) {
    super(clock);
    this.media = media;
    this.model = options.model ?? 'COMPAT-LAB CD-ROM';
    this.serial = options.serial ?? 'CL0000000002';
    this.firmware = options.firmware ?? '1.0';
    this.vendor = options.vendor ?? 'COMPAT';
    this.product = options.product ?? 'LAB CD-ROM';
    this.resetSignature();
  }

  /** Capacity in 2048-byte blocks (0 with no disc). */
  get capacity(): number {
    return this.media === null ? 0 : Math.floor(this.media.sectorCount / 4);
  }

  get hasMedia(): boolean {
    return this.media !== null;
  }

  /** Change discs: the next media-access command reports UNIT ATTENTION. */
  insertMedia(media: BlockDevice): void {
    this.media = media;
    this.unitAttention = true;
    this.mediaEvent = 2;
  }

  ejectMedia(): void {
    this.media = null;
    this.unitAttention = true;
    this.mediaEvent = 3;
  }

  resetSignature(): void {
    // PACKET device signature (§9.12): cylinder registers 14h/EBh; DRDY stays clear after reset.
    this.tf.fill(0);
    this.tf[TF_COUNT] = 1;
    this.tf[TF_LBA_LOW] = 1;
    this.tf[TF_LBA_MID] = 0x14;
    this.tf[TF_LBA_HIGH] = 0xeb;
    this.error = 0x01;
    this.status = 0;
    this.phase = Phase.Idle;
  }

  /** IDENTIFY PACKET DEVICE data (§8.16). */
  identify(out: Uint8Array): void {
    out.fill(0, 0, 512);
    // ATAPI, CD-ROM (05h), removable, 50 µs DRQ, 12-byte packets.
    putWord(out, 0, 0x8000 | 0x0500 | 0x0080 | 0x0040);
    putAtaString(out, 10, 10, this.serial);
    putAtaString(out, 23, 4, this.firmware);
    putAtaString(out, 27, 20, this.model);
    putWord(out, 49, 0x0f00); // IORDY, LBA, DMA
    putWord(out, 53, 0x0006); // words 64–70 and 88 valid
    putWord(out, 63, 0x0007);
    putWord(out, 64, 0x0003);
    putWord(out, 65, 120);
    putWord(out, 66, 120);
    putWord(out, 67, 120);
    putWord(out, 68, 120);
    putWord(out, 80, 0x007e);
    putWord(out, 82, 0x4214); // NOP, DEVICE RESET, PACKET, removable media
    putWord(out, 83, 0x4000);
    putWord(out, 84, 0x4000);
    putWord(out, 85, 0x4214);
    putWord(out, 86, 0x0000);
    putWord(out, 87, 0x4000);
    putWord(out, 88, 0x003f);
    sealIdentify(out);
  }

  command(cmd: number): void {
    this.error = 0;
    switch (cmd) {
      case CMD.PACKET:
        this.dma = (this.tf[TF_FEATURE] & 1) !== 0;
        this.byteLimit = this.tf[TF_LBA_MID] | (this.tf[TF_LBA_HIGH] << 8);
        this.phase = Phase.Packet;
        this.tf[TF_COUNT] = IR_COD;
        this.status = ST_DRDY;
        this.startPioOut(12);
        return;
      case CMD.IDENTIFY_PACKET_DEVICE:
        this.phase = Phase.Identify;
        this.busy();
        this.schedule(ACT_IDENTIFY, COMMAND_DELAY_NS);
        return;
      case CMD.DEVICE_RESET:
        // No interrupt; the device is ready with its signature when BSY clears (§8.7).
        this.timer.cancel();
        this.resetSignature();
        return;
      case CMD.IDENTIFY_DEVICE:
        // A packet device aborts IDENTIFY DEVICE and shows its signature (§8.15).
        this.tf[TF_COUNT] = 1;
        this.tf[TF_LBA_LOW] = 1;
        this.tf[TF_LBA_MID] = 0x14;
        this.tf[TF_LBA_HIGH] = 0xeb;
        this.busy();
        this.schedule(ACT_FAIL, COMMAND_DELAY_NS);
        return;
      case CMD.SET_FEATURES:
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.IDLE:
      case CMD.STANDBY:
      case CMD.SLEEP:
        this.busy();
        this.schedule(ACT_COMPLETE, COMMAND_DELAY_NS);
        return;
      case CMD.CHECK_POWER_MODE:
        this.tf[TF_COUNT] = 0xff;
        this.busy();
        this.schedule(ACT_COMPLETE, COMMAND_DELAY_NS);
        return;
      default:
        this.busy();
        this.schedule(ACT_FAIL, COMMAND_DELAY_NS);
    }
  }

  protected onTimer(action: number): void {
    switch (action) {
      case ACT_IDENTIFY:
        this.identify(this.buf);
        this.status = ST_DRDY | ST_DSC;
        this.startPioIn(512);
        this.raiseIrq();
        return;
      case ACT_PACKET:
        this.execute();
        return;
      case ACT_CHUNK:
        this.sendChunk();
        return;
      case ACT_COMPLETE:
        this.complete();
        return;
      case ACT_PACKET_DONE:
        this.packetDone();
        return;
      case ACT_FAIL:
        this.fail(ERR_ABRT);
        return;
    }
  }

  protected onPioDone(): void {
    switch (this.phase) {
      case Phase.Packet:
        this.cdb.set(this.buf.subarray(0, 12));
        this.busy();
        this.schedule(ACT_PACKET, COMMAND_DELAY_NS);
        return;
      case Phase.DataIn:
        // The device is briefly busy before the next DRQ block or the status phase (§9.9).
        this.busy();
        this.schedule(this.remaining > 0 ? ACT_CHUNK : ACT_PACKET_DONE, COMMAND_DELAY_NS);
        return;
      default:
        this.status = ST_DRDY | ST_DSC;
        this.phase = Phase.Idle;
    }
  }

  // ---- data streaming ----------------------------------------------------------

  /** Queue `length` bytes of `resp` (already truncated by the caller) as the command's data. */
  private respond(length: number, alloc: number): void {
    this.source = Source.Response;
    this.respPos = 0;
    this.remaining = Math.min(length, alloc);
  }

  private stream(dst: Uint8Array, off: number, n: number): void {
    this.remaining -= n;
    if (this.source === Source.Response) {
      dst.set(this.resp.subarray(this.respPos, this.respPos + n), off);
      this.respPos += n;
      return;
    }
    while (n > 0) {
      if (this.stagePos === CD_BLOCK) {
        this.media!.read(this.discLba * 4, 4, this.stage, 0);
        this.discLba++;
        this.stagePos = 0;
      }
      const k = Math.min(n, CD_BLOCK - this.stagePos);
      dst.set(this.stage.subarray(this.stagePos, this.stagePos + k), off);
      this.stagePos += k;
      off += k;
      n -= k;
    }
  }

  private startData(): void {
    if (this.remaining === 0) return this.packetDone();
    this.phase = Phase.DataIn;
    if (this.dma) this.requestDma();
    else this.sendChunk();
  }

  private sendChunk(): void {
    // Byte count limit from the cylinder registers; 0 is treated as the largest even value (§9.9).
    let limit = this.byteLimit === 0 ? 0xfffe : this.byteLimit;
    if (limit < this.remaining) limit &= ~1;
    const n = Math.min(this.remaining, limit, this.buf.length);
    this.stream(this.buf, 0, n);
    this.tf[TF_LBA_MID] = n & 0xff;
    this.tf[TF_LBA_HIGH] = n >>> 8;
    this.tf[TF_COUNT] = IR_IO;
    this.status = ST_DRDY | ST_DSC;
    this.startPioIn(n);
    this.raiseIrq();
  }

  protected runDma(bm: BusMasterChannel): void {
    while (this.remaining > 0) {
      const n = Math.min(this.remaining, this.buf.length);
      this.stream(this.buf, 0, n);
      if (bm.toMemory(this.buf, 0, n) < n) {
        this.finishDma(true);
        this.remaining = 0;
        this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        return;
      }
    }
    this.finishDma(false);
    this.packetDone();
  }

  private packetDone(): void {
    this.phase = Phase.Idle;
    this.tf[TF_COUNT] = IR_IO | IR_COD;
    this.senseKey = SENSE_NONE;
    this.asc = 0;
    this.ascq = 0;
    this.senseInfo = -1;
    this.complete();
  }

  private checkCondition(key: number, asc: number, ascq: number): void {
    this.phase = Phase.Idle;
    this.senseInfo = -1;
    this.senseKey = key;
    this.asc = asc;
    this.ascq = ascq;
    this.tf[TF_COUNT] = IR_IO | IR_COD;
    this.pioDir = 0;
    this.dmaPending = false;
    this.status = ST_DRDY | ST_ERR;
    // Sense key in bits 7–4 (ATA/ATAPI-6 §9.9: the error register of a PACKET device).
    this.error = key << 4;
    this.raiseIrq();
  }

  // ---- SCSI/MMC commands -----------------------------------------------------------

  private execute(): void {
    const c = this.cdb;
    const op = c[0];
    // Commands that report status without disturbing a pending unit attention (SPC-3 §5.9.7).
    const neutral = op === 0x12 || op === 0x03 || op === 0x4a || op === 0x46;
    if (!neutral && this.unitAttention) {
      this.unitAttention = false;
      return this.checkCondition(SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
    }
    const needsMedia = op === 0x00 || op === 0x25 || op === 0x28 || op === 0xa8 || op === 0x43 || op === 0x2b;
    if (needsMedia && this.media === null) return this.checkCondition(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, 0);
    const r = this.resp;
    r.fill(0);
    switch (op) {
      case 0x00: // TEST UNIT READY
      case 0x2b: // SEEK(10)
        return this.packetDone();
      case 0x03: { // REQUEST SENSE
        r[0] = this.senseInfo >= 0 ? 0xf0 : 0x70; // VALID when the information field holds the failing LBA
        if (this.senseInfo >= 0) putBe32(r, 3, this.senseInfo);
        r[2] = this.senseKey;
        r[7] = 10;
        r[12] = this.asc;
        r[13] = this.ascq;
        this.respond(18, c[4]);
        this.senseKey = SENSE_NONE;
        this.asc = this.ascq = 0;
        this.senseInfo = -1;
        return this.startData();
      }
      case 0x12: { // INQUIRY
        if ((c[1] & 1) !== 0) return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        r[0] = 0x05; // CD/DVD device
        r[1] = 0x80; // removable
        r[2] = 0x00;
        r[3] = 0x21; // ATAPI, response data format 1
        r[4] = 31;
        putAscii(r, 8, 8, this.vendor);
        putAscii(r, 16, 16, this.product);
        putAscii(r, 32, 4, this.firmware);
        this.respond(36, be16(c, 3));
        return this.startData();
      }
      case 0x25: { // READ CAPACITY
        putBe32(r, 0, this.capacity - 1);
        putBe32(r, 4, CD_BLOCK);
        this.respond(8, 8);
        return this.startData();
      }
      case 0x28: // READ(10)
      case 0xa8: { // READ(12)
        const lba = be32(c, 2);
        const count = op === 0x28 ? be16(c, 7) : be32(c, 6);
        if (lba + count > this.capacity) {
          this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
          this.senseInfo = lba;
          return;
        }
        this.source = Source.Disc;
        this.discLba = lba;
        this.stagePos = CD_BLOCK;
        this.remaining = count * CD_BLOCK;
        return this.startData();
      }
      case 0x5a: // MODE SENSE(10)
        return this.modeSense();
      case 0x43: // READ TOC/PMA/ATIP
        return this.readToc();
      case 0x46: { // GET CONFIGURATION
        // Only feature 0000h (Profile List) is reported; every request type includes it only
        // when the starting feature number is 0 (MMC-3 §6.6).
        const start = be16(c, 2);
        const current = this.media !== null;
        let n = 8;
        putBe16(r, 6, current ? 0x0008 : 0x0000); // current profile: CD-ROM
        if (start === 0) {
          r.set([0x00, 0x00, 0x03, 0x04, 0x00, 0x08, current ? 0x01 : 0x00, 0x00], n);
          n += 8;
        }
        putBe32(r, 0, n - 4);
        this.respond(n, be16(c, 7));
        return this.startData();
      }
      case 0x1b: { // START STOP UNIT
        const loej = (c[4] & 2) !== 0;
        const start = (c[4] & 1) !== 0;
        if (loej && !start) {
          if (this.locked) return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 0x02);
          if (this.media !== null) {
            this.media = null;
            this.mediaEvent = 3;
          }
        }
        return this.packetDone();
      }
      case 0x1e: // PREVENT ALLOW MEDIUM REMOVAL
        this.locked = (c[4] & 1) !== 0;
        return this.packetDone();
      case 0x4a: { // GET EVENT STATUS NOTIFICATION (polled only)
        if ((c[1] & 1) === 0) return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        let n: number;
        // Event data length counts the descriptor after the 4-byte header (MMC-3 §6.5.2.1).
        if ((c[4] & 0x10) !== 0) {
          putBe16(r, 0, 4);
          r[2] = 0x04; // media class
          r[3] = 0x10; // supported: media
          r[4] = this.mediaEvent;
          r[5] = this.media !== null ? 0x02 : 0x00;
          this.mediaEvent = 0;
          n = 8;
        } else {
          putBe16(r, 0, 0);
          r[2] = 0x80; // no event available
          r[3] = 0x10;
          n = 4;
        }
        this.respond(n, be16(c, 7));
        return this.startData();
      }
      default:
        return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
    }
  }

  private modeSense(): void {
    const c = this.cdb;
    const changeable = c[2] >>> 6 === 1;
    const page = c[2] & 0x3f;
    const r = this.resp;
    let n = 8;
    const add = (bytes: number[]): void => {
      if (changeable) for (let i = 2; i < bytes.length; i++) bytes[i] = 0;
      r.set(bytes, n);
      n += bytes.length;
    };
    const errorRecovery = [0x01, 0x06, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00];
    const cdParameters = [0x0d, 0x06, 0x00, 0x00, 0x00, 60, 0x00, 75];
    const capabilities = [
      0x2a, 0x12, 0x00, 0x00, 0x71, 0x00, 0x29 | (this.locked ? 0x02 : 0), 0x00,
      0x02, 0xc2, 0x01, 0x00, 0x02, 0x00, 0x02, 0xc2, 0x00, 0x00, 0x00, 0x00,
    ]; // read-only, multi-session, tray, lock/eject; 706 kB/s, 256 volume levels, 512 KiB buffer
    if (page === 0x01 || page === 0x3f) add(errorRecovery);
    if (page === 0x0d || page === 0x3f) add(cdParameters);
    if (page === 0x2a || page === 0x3f) add(capabilities);
    if (n === 8) return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
    putBe16(r, 0, n - 2);
    r[2] = this.media !== null ? 0x01 : 0x70; // 120 mm data disc / door closed, no disc
    this.respond(n, be16(c, 7));
    this.startData();
  }

  private readToc(): void {
    const c = this.cdb;
    const msf = (c[1] & 2) !== 0;
    let format = c[2] & 0x0f;
    if (format === 0 && c[9] >>> 6 !== 0) format = c[9] >>> 6; // SFF-8020 location of the format field
    const startTrack = c[6];
    const r = this.resp;
    const addr = (off: number, lba: number): void => {
      if (msf) {
        const f = lba + 150; // the first block sits at 00:02:00
        r[off] = 0;
        r[off + 1] = Math.floor(f / (75 * 60));
        r[off + 2] = Math.floor(f / 75) % 60;
        r[off + 3] = f % 75;
      } else {
        putBe32(r, off, lba);
      }
    };
    let n = 4;
    if (format === 0) {
      if (startTrack > 1 && startTrack !== 0xaa) return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
      r[2] = 1;
      r[3] = 1;
      if (startTrack <= 1) {
        r.set([0x00, 0x14, 0x01, 0x00], n); // data track 1
        addr(n + 4, 0);
        n += 8;
      }
      r.set([0x00, 0x16, 0xaa, 0x00], n); // lead-out: ADR 1, data, copy permitted
      addr(n + 4, this.capacity);
      n += 8;
    } else if (format === 1) {
      r[2] = 1;
      r[3] = 1;
      r.set([0x00, 0x14, 0x01, 0x00], n);
      addr(n + 4, 0);
      n += 8;
    } else {
      return this.checkCondition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
    }
    putBe16(r, 0, n - 2);
    this.respond(n, be16(c, 7));
    this.startData();
  }

  // ---- snapshot ------------------------------------------------------------------

  protected saveExtra(): DeviceState {
    return {
      phase: this.phase,
      cdb: this.cdb.slice(),
      dma: this.dma,
      byteLimit: this.byteLimit,
      source: this.source,
      resp: this.resp.slice(),
      respPos: this.respPos,
      remaining: this.remaining,
      discLba: this.discLba,
      stage: this.stage.slice(),
      stagePos: this.stagePos,
      sense: [this.senseKey, this.asc, this.ascq, this.senseInfo],
      unitAttention: this.unitAttention,
      locked: this.locked,
      mediaEvent: this.mediaEvent,
      hasMedia: this.media !== null,
    };
  }

  protected loadExtra(s: DeviceState): void {
    this.phase = Number(s.phase) as Phase;
    this.cdb.set(s.cdb as Uint8Array);
    this.dma = s.dma === true;
    this.byteLimit = Number(s.byteLimit);
    this.source = Number(s.source) as Source;
    this.resp.set(s.resp as Uint8Array);
    this.respPos = Number(s.respPos);
    this.remaining = Number(s.remaining);
    this.discLba = Number(s.discLba);
    this.stage.set(s.stage as Uint8Array);
    this.stagePos = Number(s.stagePos);
    const sense = (s.sense as number[]).map(Number);
    [this.senseKey, this.asc, this.ascq, this.senseInfo] = sense;
    this.unitAttention = s.unitAttention === true;
    this.locked = s.locked === true;
    this.mediaEvent = Number(s.mediaEvent);
    if (s.hasMedia !== true) this.media = null;
  }

  override powerOn(): void {
    this.senseKey = SENSE_NONE;
    this.asc = this.ascq = 0;
    this.senseInfo = -1;
    this.unitAttention = false;
    this.locked = false;
    this.mediaEvent = 0;
    this.remaining = 0;
    super.powerOn();
  }
}

function be16(a: Uint8Array, off: number): number {
  return (a[off] << 8) | a[off + 1];
}

function be32(a: Uint8Array, off: number): number {
  return ((a[off] << 24) | (a[off + 1] << 16) | (a[off + 2] << 8) | a[off + 3]) >>> 0;
}

function putBe16(a: Uint8Array, off: number, v: number): void {
  a[off] = (v >>> 8) & 0xff;
  a[off + 1] = v & 0xff;
}

function putBe32(a: Uint8Array, off: number, v: number): void {
  a[off] = (v >>> 24) & 0xff;
  a[off + 1] = (v >>> 16) & 0xff;
  a[off + 2] = (v >>> 8) & 0xff;
  a[off + 3] = v & 0xff;
}

function putAscii(a: Uint8Array, off: number, len: number, text: string): void {
  const t = text.padEnd(len, ' ').slice(0, len);
  for (let i = 0; i < len; i++) a[off + i] = t.charCodeAt(i) & 0x7f;
}
