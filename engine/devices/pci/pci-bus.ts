/**
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2).
 *
 * 0xCF8 is the 32-bit CONFIG_ADDRESS register (bit 31 enable, bus 23–16,
 * device 15–11, function 10–8, dword register 7–2); 0xCFC–0xCFF is the
 * CONFIG_DATA window onto that dword, with byte, word and dword access. A
 * read from an address where no function answers returns all-ones, which is
 * how firmware enumerates (vendor ID 0xFFFF = nobody home).
 */
import type { Device, DeviceContext, DeviceState } from '../device.js';
import { PciFunction, type PciFunctionSpec } from './pci-function.js';

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;

export class PciBus implements Device {
  readonly name = 'pci';
  private configAddress = 0;
  private readonly functions = new Map<number, PciFunction>();

  constructor(ctx: DeviceContext) {
    // Only dword accesses reach CONFIG_ADDRESS; byte/word I/O to 0xCF8–0xCFB is
    // forwarded elsewhere on real chipsets (0xCF9 is the PIIX reset control).
    ctx.io.register(this.name, CONFIG_ADDRESS, 1, {
      read32: () => this.configAddress,
      write32: (_p, v) => {
        this.configAddress = (v & 0x80fffffc) >>> 0;
      },
    });
    ctx.io.register(this.name, CONFIG_DATA, 4, {
      read8: (p) => this.readData(p - CONFIG_DATA, 1),
      write8: (p, v) => this.writeData(p - CONFIG_DATA, 1, v),
      read16: (p) => this.readData(p - CONFIG_DATA, 2),
      write16: (p, v) => this.writeData(p - CONFIG_DATA, 2, v),
      read32: (p) => this.readData(p - CONFIG_DATA, 4),
      write32: (p, v) => this.writeData(p - CONFIG_DATA, 4, v),
    });
  }

  /**
   * Register a function. Returns it so the owner can read its registers
   * (BAR bases, command bits) later. Throws if the slot is taken.
   */
  addFunction(spec: PciFunctionSpec): PciFunction {
    const fn = new PciFunction(spec);
    const key = slotKey(fn.bus, fn.device, fn.fn);
    if (this.functions.has(key)) throw new Error(`PCI function ${fn.address} is registered twice`);
    this.functions.set(key, fn);
    return fn;
  }

  getFunction(bus: number, device: number, fn: number): PciFunction | undefined {
    return this.functions.get(slotKey(bus, device, fn));
  }

  /** All functions in bus/device/function order. */
  list(): PciFunction[] {
    return [...this.functions.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  /** Configuration read as firmware does it, for tests and debug tools. */
  configRead(bus: number, device: number, fn: number, offset: number, size: 1 | 2 | 4): number {
    const f = this.getFunction(bus, device, fn);
    if (f === undefined) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    let v = 0;
    for (let i = 0; i < size; i++) v |= f.readByte(offset + i) << (i * 8);
    return v >>> 0;
  }

  configWrite(bus: number, device: number, fn: number, offset: number, size: 1 | 2 | 4, value: number): void {
    const f = this.getFunction(bus, device, fn);
    if (f === undefined) return;
    for (let i = 0; i < size; i++) f.writeByte(offset + i, (value >>> (i * 8)) & 0xff);
    f.afterWrite(offset & 0xff, size);
  }

  private target(): { f: PciFunction | undefined; reg: number } | null {
    const a = this.configAddress;
    if ((a & 0x80000000) === 0) return null;
    const bus = (a >>> 16) & 0xff;
    const device = (a >>> 11) & 0x1f;
    const fn = (a >>> 8) & 0x7;
    return { f: this.getFunction(bus, device, fn), reg: a & 0xfc };
  }

  private readData(byteInDword: number, size: 1 | 2 | 4): number {
    const t = this.target();
    const ones = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    if (t === null || t.f === undefined) return ones;
    let v = 0;
    for (let i = 0; i < size; i++) v |= t.f.readByte(t.reg + byteInDword + i) << (i * 8);
    return v >>> 0;
  }

  private writeData(byteInDword: number, size: 1 | 2 | 4, value: number): void {
    const t = this.target();
    if (t === null || t.f === undefined) return;
    const off = t.reg + byteInDword;
    for (let i = 0; i < size; i++) t.f.writeByte(off + i, (value >>> (i * 8)) & 0xff);
    t.f.afterWrite(off, size);
  }

  reset(): void {
    this.configAddress = 0;
    for (const f of this.list()) f.reset();
  }

  saveState(): DeviceState {
    const spaces: { [key: string]: Uint8Array } = {};
    for (const f of this.list()) spaces[f.address] = f.config.slice();
    return { configAddress: this.configAddress, spaces };
  }

  loadState(state: DeviceState): void {
    this.configAddress = Number(state.configAddress) >>> 0;
    const spaces = state.spaces as { [key: string]: unknown };
    for (const f of this.list()) {
      const bytes = spaces[f.address];
      if (!(bytes instanceof Uint8Array)) throw new Error(`PCI snapshot has no config space for ${f.address}`);
      f.restore(bytes);
    }
  }
}

function slotKey(bus: number, device: number, fn: number): number {
  return (bus << 8) | (device << 3) | fn;
}
