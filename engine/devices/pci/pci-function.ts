/**
 * One PCI function's 256-byte type-0 configuration space.
 *
 * Registers are plain bytes plus a per-bit write mask, which is how the PCI
 * Local Bus Specification 3.0 §6.1 describes them: read-only bits keep their
 * reset value, writable bits latch what software writes. Base address
 * registers (§6.2.5.1) get their mask from the region size, so writing
 * all-ones reads back the size mask with the type bits, which is how firmware
 * sizes a BAR. Status bits that are "write 1 to clear" (§6.2.3) have their own
 * mask.
 */

export type BarKind = 'io' | 'mem';

export interface PciBarSpec {
  /** Region size in bytes; a power of two, at least 4 (I/O) or 16 (memory). */
  size: number;
  kind: BarKind;
  /** Memory BARs only: set the prefetchable bit (bit 3). */
  prefetchable?: boolean;
  /**
   * Called whenever the region's effective decode address changes: a new BAR
   * value while decoding is enabled, or the command register switching I/O or
   * memory decode on or off. `null` means "decode nothing".
   */
  onMap?(base: number | null): void;
}

export interface PciFunctionSpec {
  bus?: number;
  device: number;
  function: number;
  vendorId: number;
  deviceId: number;
  /** 24-bit class code: base class << 16 | sub-class << 8 | programming interface. */
  classCode: number;
  revision?: number;
  /** Header type byte 0x0E; set bit 7 on function 0 of a multi-function device. */
  headerType?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** Interrupt pin (0x3D): 0 none, 1 INTA# … 4 INTD#. */
  interruptPin?: number;
  /** Up to six BARs; `undefined` entries are unimplemented (read as zero). */
  bars?: (PciBarSpec | undefined)[];
  /** Expansion ROM BAR (0x30), e.g. a VGA BIOS. */
  rom?: { size: number; onMap?(base: number | null): void };
  /** Reset value of the command register (0x04). */
  command?: number;
  /** Reset value of the status register (0x06). */
  status?: number;
  /** Device-specific registers (0x40–0xFF) software may write: offset → writable-bit mask. */
  writableRegisters?: { [offset: number]: number };
  /** Device-specific reset values (0x40–0xFF): offset → byte. */
  initialValues?: { [offset: number]: number };
  /** Called after a write lands in the device-specific area, with the offset and new byte. */
  onRegisterWrite?(offset: number, value: number): void;
}

const CMD_IO = 0x01;
const CMD_MEM = 0x02;

export class PciFunction {
  readonly config = new Uint8Array(256);
  /** Bits software may change. */
  private readonly writeMask = new Uint8Array(256);
  /** Bits a 1 clears (status register error bits). */
  private readonly clearMask = new Uint8Array(256);
  private readonly reset0 = new Uint8Array(256);
  /** Last base reported to each BAR's onMap (index 6 = ROM); null = not decoding, undefined = must re-announce. */
  private readonly mapped: (number | null | undefined)[] = new Array<number | null>(7).fill(null);
  readonly bus: number;
  readonly device: number;
  readonly fn: number;

  constructor(readonly spec: PciFunctionSpec) {
    this.bus = spec.bus ?? 0;
    this.device = spec.device;
    this.fn = spec.function;
    if (this.device < 0 || this.device > 31 || this.fn < 0 || this.fn > 7 || this.bus < 0 || this.bus > 255) {
      throw new Error(`PCI address ${this.bus}:${this.device}.${this.fn} is out of range`);
    }
    const c = this.config;
    put16(c, 0x00, spec.vendorId);
    put16(c, 0x02, spec.deviceId);
    put16(c, 0x04, spec.command ?? 0);
    put16(c, 0x06, spec.status ?? 0x0280);
    c[0x08] = spec.revision ?? 0;
    c[0x09] = spec.classCode & 0xff;
    c[0x0a] = (spec.classCode >>> 8) & 0xff;
    c[0x0b] = (spec.classCode >>> 16) & 0xff;
    c[0x0e] = spec.headerType ?? 0;
    put16(c, 0x2c, spec.subsystemVendorId ?? 0);
    put16(c, 0x2e, spec.subsystemId ?? 0);
    c[0x3d] = spec.interruptPin ?? 0;

    // Command: I/O, memory, bus master, parity/SERR enables, interrupt disable (§6.2.2).
    put16(this.writeMask, 0x04, 0x0547);
    // Status: master/target abort and parity error bits are write-1-to-clear (§6.2.3).
    put16(this.clearMask, 0x06, 0xf900);
    this.writeMask[0x0c] = 0xff; // cache line size
    this.writeMask[0x0d] = 0xff; // latency timer
    this.writeMask[0x3c] = 0xff; // interrupt line (scratch for firmware)

    const bars = spec.bars ?? [];
    if (bars.length > 6) throw new Error('a type-0 PCI header has at most six BARs');
    bars.forEach((bar, i) => {
      if (bar === undefined) return;
      const min = bar.kind === 'io' ? 4 : 16;
      if (bar.size < min || (bar.size & (bar.size - 1)) !== 0 || bar.size > 0x80000000) {
        throw new Error(`PCI ${this.address}: BAR${i} size ${bar.size} is not a power of two >= ${min}`);
      }
      const low = bar.kind === 'io' ? 0x1 : bar.prefetchable ? 0x8 : 0x0;
      put32(c, 0x10 + i * 4, low);
      put32(this.writeMask, 0x10 + i * 4, ~(bar.size - 1) >>> 0);
    });
    if (spec.rom !== undefined) {
      const size = spec.rom.size;
      if (size < 2048 || (size & (size - 1)) !== 0) throw new Error(`PCI ${this.address}: ROM size ${size} is not a power of two >= 2 KiB`);
      put32(this.writeMask, 0x30, (~(size - 1) | 1) >>> 0);
    }
    for (const [off, mask] of Object.entries(spec.writableRegisters ?? {})) {
      const o = Number(off);
      if (o < 0x40 || o > 0xff) throw new Error(`PCI ${this.address}: device register 0x${o.toString(16)} is outside 0x40–0xFF`);
      this.writeMask[o] = mask;
    }
    for (const [off, value] of Object.entries(spec.initialValues ?? {})) {
      const o = Number(off);
      if (o < 0x40 || o > 0xff) throw new Error(`PCI ${this.address}: device register 0x${o.toString(16)} is outside 0x40–0xFF`);
      c[o] = value;
    }
    this.reset0.set(c);
  }

  get address(): string {
    return `${this.bus.toString(16).padStart(2, '0')}:${this.device.toString(16).padStart(2, '0')}.${this.fn}`;
  }

  get command(): number {
    return this.config[0x04] | (this.config[0x05] << 8);
  }

  /** Current base of BAR `i` with the type bits stripped (0 = unassigned). */
  barBase(i: number): number {
    const v = get32(this.config, 0x10 + i * 4);
    const bar = this.spec.bars?.[i];
    if (bar === undefined) return 0;
    return (bar.kind === 'io' ? v & ~0x3 : v & ~0xf) >>> 0;
  }

  readByte(offset: number): number {
    return this.config[offset & 0xff];
  }

  writeByte(offset: number, value: number): void {
    offset &= 0xff;
    const wm = this.writeMask[offset];
    const cm = this.clearMask[offset];
    const old = this.config[offset];
    this.config[offset] = ((old & ~wm & ~(cm & value)) | (value & wm)) & 0xff;
    if (offset >= 0x40 && this.spec.onRegisterWrite !== undefined && wm !== 0) {
      this.spec.onRegisterWrite(offset, this.config[offset]);
    }
  }

  /**
   * Called by the bus after a whole configuration access has landed, so a BAR
   * written as four bytes is reported once, with its final value.
   */
  afterWrite(offset: number, size: number): void {
    const end = offset + size;
    const touchesCommand = offset <= 0x04 && end > 0x04;
    for (let i = 0; i < 6; i++) {
      const at = 0x10 + i * 4;
      if (touchesCommand || (offset < at + 4 && end > at)) this.updateMapping(i);
    }
    if (touchesCommand || (offset < 0x34 && end > 0x30)) this.updateMapping(6);
  }

  private updateMapping(i: number): void {
    let base: number | null;
    let onMap: ((base: number | null) => void) | undefined;
    if (i === 6) {
      const rom = this.spec.rom;
      if (rom === undefined) return;
      onMap = rom.onMap;
      const v = get32(this.config, 0x30);
      base = (this.command & CMD_MEM) !== 0 && (v & 1) !== 0 ? (v & ~0x7ff) >>> 0 : null;
    } else {
      const bar = this.spec.bars?.[i];
      if (bar === undefined) return;
      onMap = bar.onMap;
      const enabled = (this.command & (bar.kind === 'io' ? CMD_IO : CMD_MEM)) !== 0;
      base = enabled ? this.barBase(i) : null;
    }
    if (this.mapped[i] === base) return;
    this.mapped[i] = base;
    if (onMap !== undefined) onMap(base);
  }

  reset(): void {
    this.config.set(this.reset0);
    for (let i = 0; i <= 6; i++) this.updateMapping(i);
  }

  /** Replace the whole space from a snapshot and re-announce BAR mappings. */
  restore(bytes: Uint8Array): void {
    if (bytes.length !== 256) throw new Error(`PCI ${this.address}: config snapshot must be 256 bytes`);
    this.config.set(bytes);
    this.mapped.fill(undefined);
    for (let i = 0; i <= 6; i++) this.updateMapping(i);
  }
}

export function put16(a: Uint8Array, off: number, v: number): void {
  a[off] = v & 0xff;
  a[off + 1] = (v >>> 8) & 0xff;
}

export function put32(a: Uint8Array, off: number, v: number): void {
  a[off] = v & 0xff;
  a[off + 1] = (v >>> 8) & 0xff;
  a[off + 2] = (v >>> 16) & 0xff;
  a[off + 3] = (v >>> 24) & 0xff;
}

export function get32(a: Uint8Array, off: number): number {
  return (a[off] | (a[off + 1] << 8) | (a[off + 2] << 16) | (a[off + 3] << 24)) >>> 0;
}
