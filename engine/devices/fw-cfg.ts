/**
 * QEMU firmware configuration interface (fw_cfg), I/O-port flavour, as
 * SeaBIOS probes it. Facts from QEMU's public specification
 * (docs/specs/fw_cfg.rst): a 16-bit selector at 0x510, a byte-wide data
 * port at 0x511 that auto-increments through the selected item (reads past
 * the end return 0), and the optional DMA interface at 0x514 (a 64-bit
 * big-endian guest address written as two 32-bit halves; writing the low
 * half starts the transfer described by the FWCfgDmaAccess structure there).
 *
 * Well-known items: 0000 signature "QEMU", 0001 feature bitmap, 0003 RAM
 * size (LE64), 0005 CPU count (LE16), 000F max CPUs (LE16), 0019 the file
 * directory (BE32 count, then per file BE32 size, BE16 select, BE16
 * reserved, 56-byte NUL-terminated name). Named files get selectors from
 * 0020 in the order they are added; the directory lists them by name.
 */
import type { PhysicalMemory } from '../bus/physical-memory.js';
import type { Device, DeviceContext, DeviceState } from './device.js';

export const FW_CFG_PORT_SEL = 0x510;
export const FW_CFG_PORT_DATA = 0x511;
export const FW_CFG_PORT_DMA = 0x514;

export const FW_CFG_SIGNATURE = 0x0000;
export const FW_CFG_ID = 0x0001;
export const FW_CFG_UUID = 0x0002;
export const FW_CFG_RAM_SIZE = 0x0003;
export const FW_CFG_NOGRAPHIC = 0x0004;
export const FW_CFG_NB_CPUS = 0x0005;
export const FW_CFG_BOOT_MENU = 0x000e;
export const FW_CFG_MAX_CPUS = 0x000f;
export const FW_CFG_FILE_DIR = 0x0019;
export const FW_CFG_FILE_FIRST = 0x0020;
/** Selector bit 14 marks a write; it is not part of the item key. */
const FW_CFG_WRITE_CHANNEL = 0x4000;
const FILE_NAME_BYTES = 56;

// FWCfgDmaAccess.control bits.
const DMA_ERROR = 0x01;
const DMA_READ = 0x02;
const DMA_SKIP = 0x04;
const DMA_SELECT = 0x08;
const DMA_WRITE = 0x10;

export interface FwCfgOptions {
  ramBytes: number;
  cpus?: number;
  maxCpus?: number;
  /** Offer the DMA interface (advertised in FW_CFG_ID bit 1). Default true. */
  dma?: boolean;
}

export class FwCfg implements Device {
  readonly name = 'fw-cfg';
  private readonly memory: PhysicalMemory;
  private readonly items = new Map<number, Uint8Array>();
  private readonly files: { name: string; select: number }[] = [];
  private readonly dmaEnabled: boolean;
  private selector = 0;
  private offset = 0;
  private dmaHigh = 0;

  constructor(ctx: DeviceContext, options: FwCfgOptions) {
    this.memory = ctx.memory;
    this.dmaEnabled = options.dma ?? true;
    const cpus = options.cpus ?? 1;
    this.items.set(FW_CFG_SIGNATURE, Uint8Array.from([0x51, 0x45, 0x4d, 0x55])); // "QEMU"
    this.items.set(FW_CFG_ID, le(this.dmaEnabled ? 0x03 : 0x01, 4));
    this.items.set(FW_CFG_RAM_SIZE, le(options.ramBytes, 8));
    this.items.set(FW_CFG_NB_CPUS, le(cpus, 2));
    this.items.set(FW_CFG_MAX_CPUS, le(options.maxCpus ?? cpus, 2));
    this.items.set(FW_CFG_NOGRAPHIC, le(0, 2));
    this.items.set(FW_CFG_BOOT_MENU, le(0, 2));
    this.rebuildDirectory();

    ctx.io.register(this.name, FW_CFG_PORT_SEL, 1, {
      write8: (_p, v) => this.select(v),
      write16: (_p, v) => this.select(v),
      read16: () => 0xffff,
    });
    ctx.io.register(this.name, FW_CFG_PORT_DATA, 1, {
      read8: () => this.readByte(),
    });
    if (this.dmaEnabled) {
      ctx.io.register(this.name, FW_CFG_PORT_DMA, 8, {
        // Reading the address register returns "QEMU CFG" in big-endian byte order.
        read32: (p) => (p === FW_CFG_PORT_DMA ? 0x554d4551 : p === FW_CFG_PORT_DMA + 4 ? 0x47464320 : 0xffffffff),
        write32: (p, v) => {
          if (p === FW_CFG_PORT_DMA) this.dmaHigh = bswap32(v);
          else if (p === FW_CFG_PORT_DMA + 4) {
            const addr = this.dmaHigh * 0x100000000 + bswap32(v);
            // The high half applies to one transfer only, so 32-bit guests may write just the low half.
            this.dmaHigh = 0;
            this.runDma(addr);
          }
        },
      });
    }
  }

  /** Set a numbered item (e.g. FW_CFG_UUID, 0x8000-range architecture items). */
  setItem(key: number, bytes: Uint8Array): void {
    if (key === FW_CFG_FILE_DIR) throw new Error('fw_cfg: the file directory is generated; use addFile');
    this.items.set(key & ~FW_CFG_WRITE_CHANNEL, bytes.slice());
  }

  /** Add a named file such as `etc/e820` or `bootorder`; returns its selector. */
  addFile(name: string, bytes: Uint8Array): number {
    if (name.length === 0 || name.length >= FILE_NAME_BYTES || !/^[\x20-\x7e]+$/.test(name)) {
      throw new Error(`fw_cfg file name "${name}" must be 1–55 printable ASCII characters`);
    }
    if (this.files.some((f) => f.name === name)) throw new Error(`fw_cfg file "${name}" is added twice`);
    const select = FW_CFG_FILE_FIRST + this.files.length;
    if (select >= FW_CFG_WRITE_CHANNEL) throw new Error('fw_cfg: too many files');
    this.files.push({ name, select });
    this.items.set(select, bytes.slice());
    this.rebuildDirectory();
    return select;
  }

  /** Replace the contents of a file added earlier (the machine may fill tables late). */
  replaceFile(name: string, bytes: Uint8Array): void {
    const f = this.files.find((x) => x.name === name);
    if (f === undefined) throw new Error(`fw_cfg file "${name}" does not exist`);
    this.items.set(f.select, bytes.slice());
    this.rebuildDirectory();
  }

  private rebuildDirectory(): void {
    const sorted = [...this.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dir = new Uint8Array(4 + sorted.length * 64);
    const view = new DataView(dir.buffer);
    view.setUint32(0, sorted.length, false);
    sorted.forEach((f, i) => {
      const o = 4 + i * 64;
      view.setUint32(o, this.items.get(f.select)!.length, false);
      view.setUint16(o + 4, f.select, false);
      for (let c = 0; c < f.name.length; c++) dir[o + 8 + c] = f.name.charCodeAt(c);
    });
    this.items.set(FW_CFG_FILE_DIR, dir);
  }

  private select(v: number): void {
    this.selector = v & 0xffff;
    this.offset = 0;
  }

  private current(): Uint8Array | undefined {
    return this.items.get(this.selector & ~FW_CFG_WRITE_CHANNEL);
  }

  private readByte(): number {
    const item = this.current();
    if (item === undefined || this.offset >= item.length) return 0;
    return item[this.offset++];
  }

  /** Execute one FWCfgDmaAccess at guest physical `addr` and write back its control word. */
  private runDma(addr: number): void {
    const m = this.memory;
    const control = be32(m, addr);
    let length = be32(m, addr + 4);
    const target = be32(m, addr + 8) * 0x100000000 + be32(m, addr + 12);
    let error = false;
    if ((control & DMA_SELECT) !== 0) this.select(control >>> 16);
    const item = this.current();
    if ((control & DMA_WRITE) !== 0) {
      error = true; // no item is writable
    } else if ((control & (DMA_READ | DMA_SKIP)) !== 0) {
      let dst = target;
      while (length > 0) {
        const v = item !== undefined && this.offset < item.length ? item[this.offset] : 0;
        if (item !== undefined && this.offset < item.length) this.offset++;
        if ((control & DMA_READ) !== 0) m.write8(dst++, v);
        length--;
      }
    }
    const done = error ? DMA_ERROR : 0;
    m.write32(addr, bswap32(done));
  }

  reset(): void {
    this.selector = 0;
    this.offset = 0;
    this.dmaHigh = 0;
  }

  saveState(): DeviceState {
    return { selector: this.selector, offset: this.offset, dmaHigh: this.dmaHigh };
  }

  loadState(s: DeviceState): void {
    this.selector = Number(s.selector);
    this.offset = Number(s.offset);
    this.dmaHigh = Number(s.dmaHigh);
  }
}

function le(v: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

function be32(m: PhysicalMemory, addr: number): number {
  return bswap32(m.read32(addr));
}
