/**
 * One channel of the PIIX bus-master IDE function (BMIDE, SFF-8038i rev 1.0
 * and the 82371SB datasheet §2.7): a command register (bit 0 start/stop,
 * bit 3 direction), a status register (bit 0 active, bit 1 error, bit 2
 * interrupt — bits 1 and 2 are write-1-to-clear — bits 5/6 drive 0/1 DMA
 * capable) and the physical address of a Physical Region Descriptor table.
 *
 * Each PRD is 8 bytes: a 32-bit buffer address (bit 0 zero), a 16-bit byte
 * count (0 means 64 KiB) and bit 15 of the last word marking the final entry.
 * The drive pulls and pushes data through `toMemory` / `fromMemory`, which
 * walk the table; the channel calls `finish` when the device's command ends.
 */
import { PageKind, PAGE_SHIFT, PAGE_SIZE, type PhysicalMemory } from '../../bus/physical-memory.js';
import type { DeviceState } from '../device.js';

export const BM_CMD_START = 0x01;
export const BM_CMD_WRITE = 0x08;
export const BM_ST_ACTIVE = 0x01;
export const BM_ST_ERROR = 0x02;
export const BM_ST_IRQ = 0x04;

export class BusMasterChannel {
  command = 0;
  status = 0;
  prdTable = 0;
  // PRD walk position.
  private prdNext = 0;
  private segAddr = 0;
  private segLeft = 0;
  private sawLast = false;

  constructor(
    private readonly memory: PhysicalMemory,
    /** Called when software sets the start bit, so a waiting drive can go. */
    private readonly onStart: () => void,
  ) {}

  get active(): boolean {
    return (this.status & BM_ST_ACTIVE) !== 0;
  }

  readByte(offset: number): number {
    switch (offset) {
      case 0:
        return this.command;
      case 2:
        return this.status;
      case 4:
      case 5:
      case 6:
      case 7:
        return (this.prdTable >>> ((offset - 4) * 8)) & 0xff;
      default:
        return 0;
    }
  }

  writeByte(offset: number, v: number): void {
    switch (offset) {
      case 0: {
        const wasStarted = (this.command & BM_CMD_START) !== 0;
        this.command = v & (BM_CMD_START | BM_CMD_WRITE);
        if ((v & BM_CMD_START) !== 0 && !wasStarted) {
          this.status |= BM_ST_ACTIVE;
          this.prdNext = this.prdTable;
          this.segLeft = 0;
          this.sawLast = false;
          this.onStart();
        } else if ((v & BM_CMD_START) === 0) {
          // Clearing start aborts the transfer (SFF-8038i §3.1).
          this.status &= ~BM_ST_ACTIVE;
        }
        break;
      }
      case 2:
        this.status = (this.status & ~(v & (BM_ST_ERROR | BM_ST_IRQ)) & ~0x60) | (v & 0x60);
        break;
      case 4:
      case 5:
      case 6:
      case 7: {
        const shift = (offset - 4) * 8;
        this.prdTable = ((this.prdTable & ~(0xff << shift)) | (v << shift)) >>> 0;
        this.prdTable &= ~3; // dword aligned
        this.prdTable >>>= 0;
        break;
      }
    }
  }

  /** Load the next PRD; false when the table is exhausted. */
  private nextSegment(): boolean {
    if (this.sawLast) return false;
    const m = this.memory;
    this.segAddr = m.read32(this.prdNext) & ~1;
    const count = m.read16(this.prdNext + 4);
    this.segLeft = count === 0 ? 0x10000 : count & ~1;
    this.sawLast = (m.read16(this.prdNext + 6) & 0x8000) !== 0;
    this.prdNext = (this.prdNext + 8) >>> 0;
    return true;
  }

  /** Copy device data into guest memory along the PRD list. Returns the bytes placed. */
  toMemory(src: Uint8Array, offset: number, length: number): number {
    let done = 0;
    while (done < length) {
      if (this.segLeft === 0 && !this.nextSegment()) break;
      const n = Math.min(length - done, this.segLeft);
      copyToGuest(this.memory, this.segAddr, src, offset + done, n);
      this.segAddr = (this.segAddr + n) >>> 0;
      this.segLeft -= n;
      done += n;
    }
    return done;
  }

  /** Copy guest memory into `dst` along the PRD list. Returns the bytes fetched. */
  fromMemory(dst: Uint8Array, offset: number, length: number): number {
    let done = 0;
    while (done < length) {
      if (this.segLeft === 0 && !this.nextSegment()) break;
      const n = Math.min(length - done, this.segLeft);
      copyFromGuest(this.memory, this.segAddr, dst, offset + done, n);
      this.segAddr = (this.segAddr + n) >>> 0;
      this.segLeft -= n;
      done += n;
    }
    return done;
  }

  /**
   * The device ended its command. Per SFF-8038i table 2, active stays set if
   * the PRD table still had room (the transfer was shorter than the table)
   * and is cleared if the table was used up; a failed transfer sets the error
   * bit. The interrupt bit is not set here: it latches the rising edge of
   * the channel's INTRQ (82371SB §2.7.3), so a drive with nIEN set leaves it
   * clear — see `IdeChannel.updateIrq`.
   */
  finish(failed: boolean): void {
    const exhausted = this.segLeft === 0 && this.sawLast;
    if (exhausted || failed) this.status &= ~BM_ST_ACTIVE;
    if (failed) this.status |= BM_ST_ERROR;
  }

  reset(): void {
    this.command = 0;
    this.status &= 0x60;
    this.prdTable = 0;
    this.prdNext = 0;
    this.segAddr = 0;
    this.segLeft = 0;
    this.sawLast = false;
  }

  saveState(): DeviceState {
    return {
      command: this.command,
      status: this.status,
      prdTable: this.prdTable,
      prdNext: this.prdNext,
      segAddr: this.segAddr,
      segLeft: this.segLeft,
      sawLast: this.sawLast,
    };
  }

  loadState(s: DeviceState): void {
    this.command = Number(s.command);
    this.status = Number(s.status);
    this.prdTable = Number(s.prdTable) >>> 0;
    this.prdNext = Number(s.prdNext) >>> 0;
    this.segAddr = Number(s.segAddr) >>> 0;
    this.segLeft = Number(s.segLeft);
    this.sawLast = s.sawLast === true;
  }
}

/**
 * Bus-master copies bypass the CPU's A20 gate (it is a CPU-side signal) and
 * use plain typed-array copies for ordinary RAM pages; pages holding
 * translated code, ROM or MMIO go byte by byte through PhysicalMemory.
 */
function copyToGuest(m: PhysicalMemory, addr: number, src: Uint8Array, off: number, len: number): void {
  while (len > 0) {
    const page = addr >>> PAGE_SHIFT;
    const n = Math.min(len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
    if (m.pageKind[page] === PageKind.Ram && m.codePages[page] === 0) {
      m.ram.set(src.subarray(off, off + n), addr);
    } else {
      for (let i = 0; i < n; i++) m.write8(addr + i, src[off + i]);
    }
    addr = (addr + n) >>> 0;
    off += n;
    len -= n;
  }
}

function copyFromGuest(m: PhysicalMemory, addr: number, dst: Uint8Array, off: number, len: number): void {
  while (len > 0) {
    const page = addr >>> PAGE_SHIFT;
    const n = Math.min(len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
    if (m.pageKind[page] === PageKind.Ram) {
      dst.set(m.ram.subarray(addr, addr + n), off);
    } else {
      for (let i = 0; i < n; i++) dst[off + i] = m.read8(addr + i);
    }
    addr = (addr + n) >>> 0;
    off += n;
    len -= n;
  }
}
