/**
 * The x86 I/O port space (64 Ki byte ports) as a table of handlers.
 *
 * Devices register the ports they decode; nothing else in the engine knows
 * which device owns which port. Unclaimed ports read as all-ones (an open ISA
 * bus floats high) and ignore writes, as on a real PC.
 *
 * 16- and 32-bit accesses go to a device's wide handler when it registered one,
 * otherwise they are split into byte accesses in little-endian order, which is
 * what the ISA bus does for an 8-bit device.
 */
export type PortRead = (port: number) => number;
export type PortWrite = (port: number, value: number) => void;

export interface PortHandlers {
  read8?: PortRead;
  write8?: PortWrite;
  read16?: PortRead;
  write16?: PortWrite;
  read32?: PortRead;
  write32?: PortWrite;
}

/** Observer for every byte written to a port (used by `--port-log`). */
export type PortWriteTap = (port: number, value: number, size: 1 | 2 | 4) => void;

const PORTS = 0x10000;

export class IoBus {
  private readonly r8: (PortRead | undefined)[] = new Array(PORTS);
  private readonly w8: (PortWrite | undefined)[] = new Array(PORTS);
  private readonly r16: (PortRead | undefined)[] = new Array(PORTS);
  private readonly w16: (PortWrite | undefined)[] = new Array(PORTS);
  private readonly r32: (PortRead | undefined)[] = new Array(PORTS);
  private readonly w32: (PortWrite | undefined)[] = new Array(PORTS);
  private readonly owner: (string | undefined)[] = new Array(PORTS);
  private tap: PortWriteTap | undefined;

  /**
   * Claim `count` consecutive ports starting at `first` for `owner`.
   * Throws if another device already owns one of them: two devices decoding
   * the same port is a configuration bug, never something to resolve silently.
   */
  register(owner: string, first: number, count: number, handlers: PortHandlers): void {
    for (let p = first; p < first + count; p++) {
      const port = p & 0xffff;
      const prev = this.owner[port];
      if (prev !== undefined && prev !== owner) {
        throw new Error(`I/O port 0x${port.toString(16)} is claimed by both ${prev} and ${owner}`);
      }
      this.owner[port] = owner;
      if (handlers.read8) this.r8[port] = handlers.read8;
      if (handlers.write8) this.w8[port] = handlers.write8;
      if (handlers.read16) this.r16[port] = handlers.read16;
      if (handlers.write16) this.w16[port] = handlers.write16;
      if (handlers.read32) this.r32[port] = handlers.read32;
      if (handlers.write32) this.w32[port] = handlers.write32;
    }
  }

  /** Name of the device that owns `port`, for diagnostics. */
  ownerOf(port: number): string | undefined {
    return this.owner[port & 0xffff];
  }

  setWriteTap(tap: PortWriteTap | undefined): void {
    this.tap = tap;
  }

  read8(port: number): number {
    const h = this.r8[port & 0xffff];
    return h === undefined ? 0xff : h(port & 0xffff) & 0xff;
  }

  write8(port: number, value: number): void {
    port &= 0xffff;
    if (this.tap !== undefined) this.tap(port, value & 0xff, 1);
    const h = this.w8[port];
    if (h !== undefined) h(port, value & 0xff);
  }

  read16(port: number): number {
    port &= 0xffff;
    const h = this.r16[port];
    if (h !== undefined) return h(port) & 0xffff;
    return this.read8(port) | (this.read8(port + 1) << 8);
  }

  write16(port: number, value: number): void {
    port &= 0xffff;
    const h = this.w16[port];
    if (h !== undefined) {
      if (this.tap !== undefined) this.tap(port, value & 0xffff, 2);
      h(port, value & 0xffff);
      return;
    }
    this.write8(port, value);
    this.write8(port + 1, value >>> 8);
  }

  read32(port: number): number {
    port &= 0xffff;
    const h = this.r32[port];
    if (h !== undefined) return h(port) >>> 0;
    return (this.read16(port) | (this.read16(port + 2) << 16)) >>> 0;
  }

  write32(port: number, value: number): void {
    port &= 0xffff;
    const h = this.w32[port];
    if (h !== undefined) {
      if (this.tap !== undefined) this.tap(port, value >>> 0, 4);
      h(port, value >>> 0);
      return;
    }
    this.write16(port, value);
    this.write16(port + 2, value >>> 16);
  }
}
