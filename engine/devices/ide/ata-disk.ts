/**
 * An ATA hard disk (ATA/ATAPI-6 general feature set plus 48-bit addressing)
 * backed by a BlockDevice.
 *
 * PIO data moves one DRQ block at a time (one sector, or the SET MULTIPLE
 * count for READ/WRITE MULTIPLE) through the base class buffer; DMA commands
 * wait for the PIIX bus master and then move the whole request through the
 * PRD table. Addresses come from the task file in CHS (current translation
 * from INITIALIZE DEVICE PARAMETERS), LBA28 or LBA48 form (§6.2).
 */
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { BlockDevice } from '../../disk/block-device.js';
import type { DeviceState } from '../device.js';
import {
  CMD,
  ERR_ABRT,
  ERR_IDNF,
  ST_DRDY,
  ST_DSC,
  TF_COUNT,
  TF_DEVICE,
  TF_FEATURE,
  TF_HOB,
  TF_LBA_HIGH,
  TF_LBA_LOW,
  TF_LBA_MID,
  putAtaString,
  putWord,
  sealIdentify,
} from './ata-constants.js';
import type { BusMasterChannel } from './bus-master.js';
import { COMMAND_DELAY_NS, IdeDrive } from './ide-drive.js';

/** Largest READ/WRITE MULTIPLE block (IDENTIFY word 47). */
export const MAX_MULTIPLE = 16;

const ACT_IDENTIFY = 10;
const ACT_READ_BLOCK = 11;
const ACT_WRITE_BLOCK = 12;
const ACT_COMPLETE = 13;
const ACT_FAIL = 14;

/** Sectors moved per bus-master step (bounded by the PIO buffer). */
const DMA_CHUNK_SECTORS = 64;

export interface AtaDiskOptions {
  model?: string;
  serial?: string;
  firmware?: string;
}

export class AtaDisk extends IdeDrive {
  readonly kind = 'ata' as const;
  private readonly model: string;
  private readonly serial: string;
  private readonly firmware: string;
  /** Default CHS geometry reported in IDENTIFY words 1/3/6 (capped at 16383/16/63). */
  private readonly cyls: number;
  private readonly heads: number;
  private readonly spt: number;

  // Translation set by INITIALIZE DEVICE PARAMETERS.
  private curHeads: number;
  private curSpt: number;
  private multiple = 0;
  private writeCache = true;
  private lookAhead = true;
  private standby = false;
  /** Transfer mode set by SET FEATURES: 0x08|n PIO, 0x20|n MWDMA, 0x40|n UDMA. */
  private xferMode = 0x22;

  // The command in progress.
  private cmd = 0;
  private lba = 0;
  private remaining = 0;
  private blockSectors = 1;
  private lba48 = false;
  private useLba = true;
  private pendingErr = 0;

  constructor(
    clock: VirtualClock,
    private readonly disk: BlockDevice,
    options: AtaDiskOptions = {},
  ) {
    super(clock);
    this.model = options.model ?? 'COMPAT-LAB HARDDISK';
    this.serial = options.serial ?? 'CL0000000001';
    this.firmware = options.firmware ?? '1.0';
    const g = disk.geometry;
    if (g.heads >= 1 && g.heads <= 16 && g.sectorsPerTrack >= 1 && g.sectorsPerTrack <= 63) {
      this.heads = g.heads;
      this.spt = g.sectorsPerTrack;
      this.cyls = Math.min(16383, Math.max(1, g.cylinders));
    } else {
      // Geometries ATA cannot express (a VHD's 255 sectors per track): fall back to 16/63.
      this.heads = 16;
      this.spt = 63;
      this.cyls = Math.min(16383, Math.max(1, Math.floor(disk.sectorCount / (16 * 63))));
    }
    this.curHeads = this.heads;
    this.curSpt = this.spt;
    this.resetSignature();
  }

  resetSignature(): void {
    // ATA signature (§9.12): count 1, LBA 1, cylinder 0, device 0.
    this.tf.fill(0);
    this.tf[TF_COUNT] = 1;
    this.tf[TF_LBA_LOW] = 1;
    this.error = 0x01;
    this.status = ST_DRDY | ST_DSC;
  }

  // ---- IDENTIFY DEVICE (§8.15) -------------------------------------------------

  identify(out: Uint8Array): void {
    out.fill(0, 0, 512);
    const total = this.disk.sectorCount;
    const lba28 = Math.min(total, 0x0fffffff);
    putWord(out, 0, 0x0040); // fixed device
    putWord(out, 1, this.cyls);
    putWord(out, 3, this.heads);
    putWord(out, 6, this.spt);
    putAtaString(out, 10, 10, this.serial);
    putWord(out, 20, 3); // buffer type (obsolete; expected by old drivers)
    putWord(out, 21, 512);
    putAtaString(out, 23, 4, this.firmware);
    putAtaString(out, 27, 20, this.model);
    putWord(out, 47, 0x8000 | MAX_MULTIPLE);
    putWord(out, 49, 0x0f00); // IORDY, IORDY disable, LBA, DMA
    putWord(out, 50, 0x4000);
    putWord(out, 51, 0x0200);
    putWord(out, 52, 0x0200);
    putWord(out, 53, 0x0007); // words 54–58, 64–70 and 88 valid
    const curCyls = Math.min(65535, Math.floor(Math.min(total, 16514064) / (this.curHeads * this.curSpt)));
    putWord(out, 54, curCyls);
    putWord(out, 55, this.curHeads);
    putWord(out, 56, this.curSpt);
    const chsCap = curCyls * this.curHeads * this.curSpt;
    putWord(out, 57, chsCap & 0xffff);
    putWord(out, 58, chsCap >>> 16);
    putWord(out, 59, this.multiple > 0 ? 0x0100 | this.multiple : 0);
    putWord(out, 60, lba28 & 0xffff);
    putWord(out, 61, lba28 >>> 16);
    const mw = (this.xferMode & 0xf8) === 0x20 ? 1 << (this.xferMode & 7) : 0;
    const udma = (this.xferMode & 0xf8) === 0x40 ? 1 << (this.xferMode & 7) : 0;
    putWord(out, 63, 0x0007 | (mw << 8)); // multiword DMA 0–2
    putWord(out, 64, 0x0003); // PIO 3 and 4
    putWord(out, 65, 120);
    putWord(out, 66, 120);
    putWord(out, 67, 120);
    putWord(out, 68, 120);
    putWord(out, 80, 0x007e); // ATA-1 … ATA-6
    putWord(out, 82, 0x0068); // look-ahead, write cache, power management
    putWord(out, 83, 0x7400); // FLUSH CACHE EXT, FLUSH CACHE, 48-bit
    putWord(out, 84, 0x4000);
    putWord(out, 85, 0x0008 | (this.writeCache ? 0x0020 : 0) | (this.lookAhead ? 0x0040 : 0));
    putWord(out, 86, 0x3400);
    putWord(out, 87, 0x4000);
    putWord(out, 88, 0x003f | (udma << 8)); // UDMA 0–5
    putWord(out, 100, total & 0xffff);
    putWord(out, 101, Math.floor(total / 0x10000) & 0xffff);
    putWord(out, 102, Math.floor(total / 0x100000000) & 0xffff);
    putWord(out, 103, 0);
    sealIdentify(out);
  }

  // ---- commands --------------------------------------------------------------------

  command(cmd: number): void {
    this.cmd = cmd;
    this.error = 0;
    switch (cmd) {
      case CMD.IDENTIFY_DEVICE:
        this.busy();
        this.schedule(ACT_IDENTIFY, COMMAND_DELAY_NS);
        return;
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
      case CMD.READ_SECTORS_EXT:
      case CMD.READ_MULTIPLE:
      case CMD.READ_MULTIPLE_EXT:
        if (!this.setupTransfer(cmd === CMD.READ_SECTORS_EXT || cmd === CMD.READ_MULTIPLE_EXT, cmd === CMD.READ_MULTIPLE || cmd === CMD.READ_MULTIPLE_EXT)) return;
        this.busy();
        this.schedule(ACT_READ_BLOCK, COMMAND_DELAY_NS);
        return;
      case CMD.WRITE_SECTORS:
      case CMD.WRITE_SECTORS_NORETRY:
      case CMD.WRITE_SECTORS_EXT:
      case CMD.WRITE_MULTIPLE:
      case CMD.WRITE_MULTIPLE_EXT:
        if (!this.setupTransfer(cmd === CMD.WRITE_SECTORS_EXT || cmd === CMD.WRITE_MULTIPLE_EXT, cmd === CMD.WRITE_MULTIPLE || cmd === CMD.WRITE_MULTIPLE_EXT)) return;
        if (this.disk.readOnly) return this.failLater(ERR_ABRT);
        // The first block is requested without an interrupt (PIO data-out protocol, §9.7).
        this.status = ST_DRDY | ST_DSC;
        this.startPioOut(Math.min(this.blockSectors, this.remaining) * 512);
        return;
      case CMD.READ_DMA:
      case CMD.READ_DMA_NORETRY:
      case CMD.READ_DMA_EXT:
      case CMD.WRITE_DMA:
      case CMD.WRITE_DMA_NORETRY:
      case CMD.WRITE_DMA_EXT: {
        if (!this.setupTransfer(cmd === CMD.READ_DMA_EXT || cmd === CMD.WRITE_DMA_EXT, false)) return;
        const write = cmd === CMD.WRITE_DMA || cmd === CMD.WRITE_DMA_NORETRY || cmd === CMD.WRITE_DMA_EXT;
        if (write && this.disk.readOnly) return this.failLater(ERR_ABRT);
        this.requestDma();
        return;
      }
      case CMD.READ_VERIFY:
      case CMD.READ_VERIFY_NORETRY:
      case CMD.READ_VERIFY_EXT:
        if (!this.setupTransfer(cmd === CMD.READ_VERIFY_EXT, false)) return;
        this.lba += this.remaining;
        this.remaining = 0;
        this.busy();
        this.schedule(ACT_COMPLETE, COMMAND_DELAY_NS);
        return;
      case CMD.SET_MULTIPLE_MODE: {
        const n = this.tf[TF_COUNT];
        if (n > MAX_MULTIPLE || (n & (n - 1)) !== 0) return this.failLater(ERR_ABRT);
        this.multiple = n;
        return this.completeLater();
      }
      case CMD.SET_FEATURES:
        return this.setFeatures();
      case CMD.INITIALIZE_DEVICE_PARAMETERS: {
        const spt = this.tf[TF_COUNT];
        if (spt === 0) return this.failLater(ERR_ABRT);
        this.curHeads = (this.tf[TF_DEVICE] & 0x0f) + 1;
        this.curSpt = spt;
        return this.completeLater();
      }
      case CMD.FLUSH_CACHE:
      case CMD.FLUSH_CACHE_EXT:
        this.disk.flush();
        return this.completeLater();
      case CMD.STANDBY_IMMEDIATE:
      case CMD.STANDBY_IMMEDIATE_OLD:
      case CMD.STANDBY:
      case CMD.STANDBY_OLD:
      case CMD.SLEEP:
      case CMD.SLEEP_OLD:
        this.standby = true;
        return this.completeLater();
      case CMD.IDLE_IMMEDIATE:
      case CMD.IDLE_IMMEDIATE_OLD:
      case CMD.IDLE:
      case CMD.IDLE_OLD:
        this.standby = false;
        return this.completeLater();
      case CMD.CHECK_POWER_MODE:
      case CMD.CHECK_POWER_MODE_OLD:
        // Sector count FFh = active or idle, 00h = standby (§8.6).
        this.tf[TF_COUNT] = this.standby ? 0x00 : 0xff;
        return this.completeLater();
      default:
        if ((cmd & 0xf0) === CMD.RECALIBRATE || (cmd & 0xf0) === CMD.SEEK) return this.completeLater();
        // NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE and everything unknown abort on an ATA disk.
        return this.failLater(ERR_ABRT);
    }
  }

  private completeLater(): void {
    this.busy();
    this.schedule(ACT_COMPLETE, COMMAND_DELAY_NS);
  }

  private failLater(err: number): void {
    this.busy();
    this.pendingErr = err;
    this.schedule(ACT_FAIL, COMMAND_DELAY_NS);
  }

  private setFeatures(): void {
    const f = this.tf[TF_FEATURE];
    switch (f) {
      case 0x03: {
        const mode = this.tf[TF_COUNT];
        const kind = mode & 0xf8;
        const n = mode & 7;
        const ok = mode <= 1 || (kind === 0x08 && n <= 4) || (kind === 0x20 && n <= 2) || (kind === 0x40 && n <= 5);
        if (!ok) return this.failLater(ERR_ABRT);
        if (kind === 0x20 || kind === 0x40) this.xferMode = mode;
        return this.completeLater();
      }
      case 0x02:
      case 0x82:
        this.writeCache = f === 0x02;
        return this.completeLater();
      case 0xaa:
      case 0x55:
        this.lookAhead = f === 0xaa;
        return this.completeLater();
      case 0x66:
      case 0xcc:
        return this.completeLater();
      default:
        return this.failLater(ERR_ABRT);
    }
  }

  /** Decode address and count from the task file; on a bad address fail with IDNF and return false. */
  private setupTransfer(ext: boolean, multiple: boolean): boolean {
    const tf = this.tf;
    this.lba48 = ext;
    this.useLba = ext || (tf[TF_DEVICE] & 0x40) !== 0;
    if (multiple && this.multiple === 0) {
      this.failLater(ERR_ABRT);
      return false;
    }
    this.blockSectors = multiple ? this.multiple : 1;
    if (ext) {
      const count = tf[TF_COUNT] | (tf[TF_HOB + TF_COUNT] << 8);
      this.remaining = count === 0 ? 65536 : count;
      this.lba =
        tf[TF_LBA_LOW] + tf[TF_LBA_MID] * 0x100 + tf[TF_LBA_HIGH] * 0x10000 +
        tf[TF_HOB + TF_LBA_LOW] * 0x1000000 + tf[TF_HOB + TF_LBA_MID] * 0x100000000 + tf[TF_HOB + TF_LBA_HIGH] * 0x10000000000;
    } else {
      const count = tf[TF_COUNT];
      this.remaining = count === 0 ? 256 : count;
      if (this.useLba) {
        this.lba = tf[TF_LBA_LOW] | (tf[TF_LBA_MID] << 8) | (tf[TF_LBA_HIGH] << 16) | ((tf[TF_DEVICE] & 0x0f) << 24);
      } else {
        const cyl = tf[TF_LBA_MID] | (tf[TF_LBA_HIGH] << 8);
        const head = tf[TF_DEVICE] & 0x0f;
        const sector = tf[TF_LBA_LOW];
        if (sector === 0 || sector > this.curSpt || head >= this.curHeads) {
          this.failLater(ERR_IDNF);
          return false;
        }
        this.lba = (cyl * this.curHeads + head) * this.curSpt + sector - 1;
      }
    }
    if (this.lba + this.remaining > this.disk.sectorCount) {
      this.failLater(ERR_IDNF);
      return false;
    }
    return true;
  }

  /** Leave the task file pointing at `lba` (last sector transferred), as the command's outputs describe. */
  private writeAddress(lba: number): void {
    const tf = this.tf;
    if (this.lba48) {
      tf[TF_LBA_LOW] = lba & 0xff;
      tf[TF_LBA_MID] = (lba >>> 8) & 0xff;
      tf[TF_LBA_HIGH] = (lba >>> 16) & 0xff;
      tf[TF_HOB + TF_LBA_LOW] = (lba >>> 24) & 0xff;
      tf[TF_HOB + TF_LBA_MID] = Math.floor(lba / 0x100000000) & 0xff;
      tf[TF_HOB + TF_LBA_HIGH] = Math.floor(lba / 0x10000000000) & 0xff;
    } else if (this.useLba) {
      tf[TF_LBA_LOW] = lba & 0xff;
      tf[TF_LBA_MID] = (lba >>> 8) & 0xff;
      tf[TF_LBA_HIGH] = (lba >>> 16) & 0xff;
      tf[TF_DEVICE] = (tf[TF_DEVICE] & 0xf0) | ((lba >>> 24) & 0x0f);
    } else {
      const sector = (lba % this.curSpt) + 1;
      const t = Math.floor(lba / this.curSpt);
      const head = t % this.curHeads;
      const cyl = Math.floor(t / this.curHeads);
      tf[TF_LBA_LOW] = sector;
      tf[TF_LBA_MID] = cyl & 0xff;
      tf[TF_LBA_HIGH] = (cyl >>> 8) & 0xff;
      tf[TF_DEVICE] = (tf[TF_DEVICE] & 0xf0) | head;
    }
    tf[TF_COUNT] = this.remaining & 0xff;
  }

  protected onTimer(action: number): void {
    switch (action) {
      case ACT_IDENTIFY:
        this.identify(this.buf);
        this.status = ST_DRDY | ST_DSC;
        this.startPioIn(512);
        this.raiseIrq();
        return;
      case ACT_READ_BLOCK: {
        const n = Math.min(this.blockSectors, this.remaining);
        this.disk.read(this.lba, n, this.buf, 0);
        this.lba += n;
        this.remaining -= n;
        this.writeAddress(this.lba - 1);
        this.status = ST_DRDY | ST_DSC;
        this.startPioIn(n * 512);
        this.raiseIrq();
        return;
      }
      case ACT_WRITE_BLOCK: {
        const n = this.bufEnd >>> 9;
        this.disk.write(this.lba, n, this.buf, 0);
        this.lba += n;
        this.remaining -= n;
        this.writeAddress(this.lba - 1);
        if (this.remaining > 0) {
          this.status = ST_DRDY | ST_DSC;
          this.startPioOut(Math.min(this.blockSectors, this.remaining) * 512);
          this.raiseIrq();
        } else {
          this.complete();
        }
        return;
      }
      case ACT_COMPLETE:
        this.complete();
        return;
      case ACT_FAIL:
        this.fail(this.pendingErr);
        return;
    }
  }

  protected onPioDone(): void {
    switch (this.cmd) {
      case CMD.IDENTIFY_DEVICE:
        this.status = ST_DRDY | ST_DSC;
        return;
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
      case CMD.READ_SECTORS_EXT:
      case CMD.READ_MULTIPLE:
      case CMD.READ_MULTIPLE_EXT:
        if (this.remaining > 0) {
          this.busy();
          this.schedule(ACT_READ_BLOCK, COMMAND_DELAY_NS);
        } else {
          // No interrupt after the last block of a PIO read (§9.6).
          this.status = ST_DRDY | ST_DSC;
        }
        return;
      default:
        // A write block is complete: commit it after the device's busy time.
        this.busy();
        this.schedule(ACT_WRITE_BLOCK, COMMAND_DELAY_NS);
    }
  }

  protected runDma(bm: BusMasterChannel): void {
    const toMemory = this.cmd === CMD.READ_DMA || this.cmd === CMD.READ_DMA_NORETRY || this.cmd === CMD.READ_DMA_EXT;
    while (this.remaining > 0) {
      const n = Math.min(DMA_CHUNK_SECTORS, this.remaining);
      const bytes = n * 512;
      let moved: number;
      if (toMemory) {
        this.disk.read(this.lba, n, this.buf, 0);
        moved = bm.toMemory(this.buf, 0, bytes);
      } else {
        moved = bm.fromMemory(this.buf, 0, bytes);
        const whole = moved >>> 9;
        if (whole > 0) this.disk.write(this.lba, whole, this.buf, 0);
      }
      const whole = moved >>> 9;
      this.lba += whole;
      this.remaining -= whole;
      if (moved < bytes) {
        // The PRD table ended before the device's data did.
        this.writeAddress(this.lba);
        this.finishDma(true);
        this.fail(ERR_ABRT);
        return;
      }
    }
    this.writeAddress(this.lba - 1);
    this.finishDma(false);
    this.complete();
  }

  protected saveExtra(): DeviceState {
    return {
      curHeads: this.curHeads,
      curSpt: this.curSpt,
      multiple: this.multiple,
      writeCache: this.writeCache,
      lookAhead: this.lookAhead,
      standby: this.standby,
      xferMode: this.xferMode,
      cmd: this.cmd,
      lba: this.lba,
      remaining: this.remaining,
      blockSectors: this.blockSectors,
      lba48: this.lba48,
      useLba: this.useLba,
      pendingErr: this.pendingErr,
    };
  }

  protected loadExtra(s: DeviceState): void {
    this.curHeads = Number(s.curHeads);
    this.curSpt = Number(s.curSpt);
    this.multiple = Number(s.multiple);
    this.writeCache = s.writeCache === true;
    this.lookAhead = s.lookAhead === true;
    this.standby = s.standby === true;
    this.xferMode = Number(s.xferMode);
    this.cmd = Number(s.cmd);
    this.lba = Number(s.lba);
    this.remaining = Number(s.remaining);
    this.blockSectors = Number(s.blockSectors);
    this.lba48 = s.lba48 === true;
    this.useLba = s.useLba === true;
    this.pendingErr = Number(s.pendingErr);
  }

  /** Machine reset: translation and modes return to their defaults. */
  override powerOn(): void {
    this.curHeads = this.heads;
    this.curSpt = this.spt;
    this.multiple = 0;
    this.writeCache = true;
    this.lookAhead = true;
    this.standby = false;
    this.xferMode = 0x22;
    super.powerOn();
  }
}
