/**
 * The guest's physical address space: RAM, ROM and memory-mapped I/O.
 *
 * Every 4 KiB page of the 4 GiB space has a kind in a typed array, so the hot
 * path (a RAM access) is one table load and one typed-array access. ROM and
 * MMIO go through the slow path. The address mask models both the CPU's
 * address-bus width (20 bits on the 8086, 24 on the 286) and the A20 gate
 * (IBM PC/AT: A20 forced low makes addresses wrap at 1 MiB).
 *
 * Pages that hold translated code are flagged in `codePages`; a write to such
 * a page calls `onCodeWrite`, which is how the translator sees self-modifying
 * code without slowing down ordinary stores.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_COUNT = 1 << (32 - PAGE_SHIFT);

/** One past the last page of a region; plain division because base + size may be 2^32. */
function pageEnd(base: number, size: number): number {
  return Math.floor((base + size) / PAGE_SIZE);
}

export const enum PageKind {
  Ram = 0,
  Rom = 1,
  Mmio = 2,
  Unmapped = 3,
}

export interface MmioHandler {
  /** Offsets passed to the handler are relative to the region's base. */
  read8(offset: number): number;
  write8(offset: number, value: number): void;
  /** Optional wide handlers, called for naturally aligned 16/32-bit accesses only. */
  read16?(offset: number): number;
  write16?(offset: number, value: number): void;
  read32?(offset: number): number;
  write32?(offset: number, value: number): void;
}

interface MmioRegion {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly handler: MmioHandler;
}

interface RomRegion {
  readonly name: string;
  readonly base: number;
  readonly data: Uint8Array;
}

function regionBytes(r: MmioRegion | RomRegion): number {
  return 'size' in r ? r.size : r.data.length;
}

export class PhysicalMemory {
  readonly ram: Uint8Array;
  readonly pageKind = new Uint8Array(PAGE_COUNT);
  /** Non-zero for pages that hold translated code (set by the translator). */
  readonly codePages = new Uint8Array(PAGE_COUNT);
  onCodeWrite: (addr: number, size: number) => void = () => {};
  /** Called after ROM/MMIO regions are mapped or unmapped (code caches drop what they derived from RAM). */
  onMapChange: () => void = () => {};

  /** Width of the address bus; see `setAddressBusBits`. */
  private busMask = 0xffffffff;
  private a20 = true;
  /** busMask combined with the A20 gate; applied to every physical address. */
  addressMask = 0xffffffff;

  private readonly mmioByPage: (MmioRegion | undefined)[] = new Array(PAGE_COUNT);
  private readonly romByPage: (RomRegion | undefined)[] = new Array(PAGE_COUNT);
  private readonly regions: (MmioRegion | RomRegion)[] = [];

  constructor(ramBytes: number) {
    if (ramBytes <= 0 || ramBytes % PAGE_SIZE !== 0 || ramBytes > 0xc0000000) {
      throw new Error(`RAM size ${ramBytes} must be a positive multiple of 4 KiB below 3 GiB`);
    }
    this.ram = new Uint8Array(ramBytes);
    const ramPages = ramBytes >>> PAGE_SHIFT;
    this.pageKind.fill(PageKind.Unmapped, ramPages);
  }

  /** 20 for the 8086/80186, 24 for the 80286, 32 for the 80386 and later. */
  setAddressBusBits(bits: number): void {
    this.busMask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
    this.updateMask();
  }

  get a20Enabled(): boolean {
    return this.a20;
  }

  setA20(enabled: boolean): void {
    this.a20 = enabled;
    this.updateMask();
  }

  private updateMask(): void {
    this.addressMask = (this.a20 ? this.busMask : this.busMask & ~0x100000) >>> 0;
  }

  /** Map a device's registers (e.g. the VGA window at 0xA0000, a linear framebuffer). */
  mapMmio(name: string, base: number, size: number, handler: MmioHandler): void {
    this.checkRange(name, base, size);
    const region: MmioRegion = { name, base, size, handler };
    for (let p = base >>> PAGE_SHIFT; p < pageEnd(base, size); p++) {
      this.pageKind[p] = PageKind.Mmio;
      this.mmioByPage[p] = region;
      this.romByPage[p] = undefined;
    }
    this.regions.push(region);
    this.onMapChange();
  }

  /** Map read-only memory (system BIOS, option ROMs). Writes to it are ignored, as on hardware. */
  mapRom(name: string, base: number, data: Uint8Array): void {
    const size = Math.ceil(data.length / PAGE_SIZE) * PAGE_SIZE;
    this.checkRange(name, base, size);
    const padded = new Uint8Array(size);
    padded.fill(0xff);
    padded.set(data);
    const region: RomRegion = { name, base, data: padded };
    for (let p = base >>> PAGE_SHIFT; p < pageEnd(base, size); p++) {
      this.pageKind[p] = PageKind.Rom;
      this.romByPage[p] = region;
      this.mmioByPage[p] = undefined;
    }
    this.regions.push(region);
    this.onMapChange();
  }

  /**
   * Remove the ROM or MMIO region mapped at `base` and give its pages in
   * [base, base + size) back to whatever lies underneath: an earlier region
   * it had covered (a PCI BAR being sized over the BIOS ROM at the top of
   * 4 GiB, say), else RAM, else nothing. Pages that belong to other regions
   * are left alone, so moving one device's window can never unmap another
   * device's.
   */
  unmap(base: number, size: number): void {
    const owned = (r: MmioRegion | RomRegion | undefined): boolean => r !== undefined && r.base === base;
    const first = base >>> PAGE_SHIFT;
    const end = pageEnd(base, size);
    // Forget the regions wholly inside the range; a larger one keeps its pages outside it.
    for (let i = this.regions.length - 1; i >= 0; i--) {
      const r = this.regions[i];
      if (r.base === base && pageEnd(r.base, regionBytes(r)) <= end) this.regions.splice(i, 1);
    }
    for (let p = first; p < end; p++) {
      if (!owned(this.mmioByPage[p]) && !owned(this.romByPage[p])) continue;
      this.pageKind[p] = p < this.ram.length >>> PAGE_SHIFT ? PageKind.Ram : PageKind.Unmapped;
      this.mmioByPage[p] = undefined;
      this.romByPage[p] = undefined;
      const under = this.topRegionAt(p, base);
      if (under === undefined) continue;
      if ('handler' in under) {
        this.pageKind[p] = PageKind.Mmio;
        this.mmioByPage[p] = under;
      } else {
        this.pageKind[p] = PageKind.Rom;
        this.romByPage[p] = under;
      }
    }
    this.onMapChange();
  }

  /** The most recently mapped region, other than one based at `exclude`, covering page `p`. */
  private topRegionAt(p: number, exclude: number): MmioRegion | RomRegion | undefined {
    for (let i = this.regions.length - 1; i >= 0; i--) {
      const r = this.regions[i];
      if (r.base !== exclude && p >= r.base >>> PAGE_SHIFT && p < pageEnd(r.base, regionBytes(r))) return r;
    }
    return undefined;
  }

  private checkRange(name: string, base: number, size: number): void {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0 || base + size > 0x100000000) {
      throw new Error(`${name}: region 0x${base.toString(16)}+0x${size.toString(16)} is not page-aligned inside 4 GiB`);
    }
  }

  read8(addr: number): number {
    addr = (addr & this.addressMask) >>> 0;
    if (this.pageKind[addr >>> PAGE_SHIFT] === PageKind.Ram) return this.ram[addr];
    return this.slowRead8(addr);
  }

  read16(addr: number): number {
    addr = (addr & this.addressMask) >>> 0;
    if ((addr & 0xfff) !== 0xfff && this.pageKind[addr >>> PAGE_SHIFT] === PageKind.Ram) {
      return this.ram[addr] | (this.ram[addr + 1] << 8);
    }
    if ((addr & 1) === 0) {
      const m = this.wideMmio(addr);
      if (m?.handler.read16 !== undefined) return m.handler.read16(addr - m.base) & 0xffff;
    }
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    addr = (addr & this.addressMask) >>> 0;
    if ((addr & 0xfff) <= 0xffc && this.pageKind[addr >>> PAGE_SHIFT] === PageKind.Ram) {
      const r = this.ram;
      return (r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24)) >>> 0;
    }
    if ((addr & 3) === 0) {
      const m = this.wideMmio(addr);
      if (m?.handler.read32 !== undefined) return m.handler.read32(addr - m.base) >>> 0;
    }
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }

  write8(addr: number, value: number): void {
    addr = (addr & this.addressMask) >>> 0;
    const page = addr >>> PAGE_SHIFT;
    if (this.pageKind[page] === PageKind.Ram) {
      this.ram[addr] = value;
      if (this.codePages[page] !== 0) this.onCodeWrite(addr, 1);
      return;
    }
    this.slowWrite8(addr, value & 0xff);
  }

  write16(addr: number, value: number): void {
    addr = (addr & this.addressMask) >>> 0;
    const page = addr >>> PAGE_SHIFT;
    if ((addr & 0xfff) !== 0xfff && this.pageKind[page] === PageKind.Ram) {
      this.ram[addr] = value;
      this.ram[addr + 1] = value >>> 8;
      if (this.codePages[page] !== 0) this.onCodeWrite(addr, 2);
      return;
    }
    if ((addr & 1) === 0) {
      const m = this.wideMmio(addr);
      if (m?.handler.write16 !== undefined) return m.handler.write16(addr - m.base, value & 0xffff);
    }
    this.write8(addr, value);
    this.write8(addr + 1, value >>> 8);
  }

  write32(addr: number, value: number): void {
    addr = (addr & this.addressMask) >>> 0;
    const page = addr >>> PAGE_SHIFT;
    if ((addr & 0xfff) <= 0xffc && this.pageKind[page] === PageKind.Ram) {
      const r = this.ram;
      r[addr] = value;
      r[addr + 1] = value >>> 8;
      r[addr + 2] = value >>> 16;
      r[addr + 3] = value >>> 24;
      if (this.codePages[page] !== 0) this.onCodeWrite(addr, 4);
      return;
    }
    if ((addr & 3) === 0) {
      const m = this.wideMmio(addr);
      if (m?.handler.write32 !== undefined) return m.handler.write32(addr - m.base, value >>> 0);
    }
    this.write16(addr, value);
    this.write16(addr + 2, value >>> 16);
  }

  /**
   * The MMIO region under a naturally aligned 16/32-bit access (which never
   * crosses a page), so a device with wide handlers (a framebuffer) gets one
   * call instead of two or four byte calls. Unaligned accesses, and devices
   * without wide handlers, still go byte by byte, little-endian.
   */
  private wideMmio(addr: number): MmioRegion | undefined {
    const page = addr >>> PAGE_SHIFT;
    return this.pageKind[page] === PageKind.Mmio ? this.mmioByPage[page] : undefined;
  }

  private slowRead8(addr: number): number {
    const page = addr >>> PAGE_SHIFT;
    switch (this.pageKind[page]) {
      case PageKind.Rom: {
        const rom = this.romByPage[page]!;
        return rom.data[addr - rom.base];
      }
      case PageKind.Mmio: {
        const m = this.mmioByPage[page]!;
        return m.handler.read8(addr - m.base) & 0xff;
      }
      default:
        return 0xff;
    }
  }

  private slowWrite8(addr: number, value: number): void {
    const page = addr >>> PAGE_SHIFT;
    if (this.pageKind[page] === PageKind.Mmio) {
      const m = this.mmioByPage[page]!;
      m.handler.write8(addr - m.base, value);
    }
  }

  /** Copy bytes in from the host (firmware loading, DMA). Goes through the same page kinds as the CPU. */
  writeBytes(addr: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.write8(addr + i, data[i]);
  }

  readBytes(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(addr + i);
    return out;
  }
}
