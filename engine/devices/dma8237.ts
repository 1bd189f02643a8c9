/**
 * Two cascaded Intel 8237A DMA controllers, as on the IBM PC/AT.
 *
 * DMA1 (channels 0–3, byte transfers) decodes 0x00–0x0F; DMA2 (channels 4–7,
 * word transfers) decodes 0xC0–0xDE on even ports, and its channel 4 is the
 * cascade input from DMA1. The 74LS612 page registers at 0x81/0x82/0x83/0x87
 * (channels 2, 3, 1, 0) and 0x89/0x8A/0x8B/0x8F (6, 7, 5, 4) supply address
 * bits 23–16. On DMA2 the 16-bit address register counts words, so the
 * physical address is page[7:1] << 17 | address << 1 and the transfer stays
 * inside a 128 KiB block; DMA1 stays inside a 64 KiB block.
 *
 * Register semantics follow the 8237A datasheet: a byte-pointer flip-flop
 * selects low/high byte of the 16-bit address/count registers; a channel
 * transfers count + 1 units; at terminal count (count wraps from 0 to FFFFh)
 * the status TC bit is set and the channel either reloads its base registers
 * (auto-initialize) or masks itself.
 *
 * Peripherals (floppy, Sound Blaster, …) call `transferToMemory` /
 * `transferFromMemory` with the bytes they have or want; the controller moves
 * as many as the channel's programming allows.
 */
import type { PhysicalMemory } from '../bus/physical-memory.js';
import type { Device, DeviceContext, DeviceState } from './device.js';

/** Mode register transfer type, bits 3–2. */
export const enum DmaTransfer {
  Verify = 0,
  /** I/O → memory ("write" from the memory's point of view). */
  Write = 1,
  /** Memory → I/O. */
  Read = 2,
}

/** Page register port for each channel (IBM PC/AT technical reference). */
const PAGE_PORTS = [0x87, 0x83, 0x81, 0x82, 0x8f, 0x8b, 0x89, 0x8a];

export class Dma8237 implements Device {
  readonly name = 'dma8237';
  private readonly memory: PhysicalMemory;

  private readonly baseAddr = new Uint16Array(8);
  private readonly baseCount = new Uint16Array(8);
  private readonly curAddr = new Uint16Array(8);
  private readonly curCount = new Uint16Array(8);
  private readonly mode = new Uint8Array(8);
  private readonly page = new Uint8Array(8);
  /** Bit n masks channel n (channel 4 masked means DMA1 is cut off, as on hardware). */
  private mask = 0xff;
  /** Low nibble: TC reached; high nibble: software request. One byte per controller. */
  private readonly status = new Uint8Array(2);
  private readonly command = new Uint8Array(2);
  private readonly flipFlop = new Uint8Array(2);
  private readonly temp = new Uint8Array(2);
  /** Set when the last transfer call on a channel ended at terminal count. */
  private readonly tcHit = new Uint8Array(8);

  constructor(ctx: DeviceContext) {
    this.memory = ctx.memory;
    ctx.io.register(this.name, 0x00, 16, {
      read8: (p) => this.readReg(0, p),
      write8: (p, v) => this.writeReg(0, p, v),
    });
    for (let r = 0; r < 16; r++) {
      ctx.io.register(this.name, 0xc0 + r * 2, 1, {
        read8: () => this.readReg(1, r),
        write8: (_p, v) => this.writeReg(1, r, v),
      });
    }
    PAGE_PORTS.forEach((port, ch) => {
      ctx.io.register(this.name, port, 1, {
        read8: () => this.page[ch],
        write8: (_p, v) => {
          this.page[ch] = v;
        },
      });
    });
  }

  private readReg(ctl: number, reg: number): number {
    if (reg < 8) {
      const ch = ctl * 4 + (reg >>> 1);
      const v = (reg & 1) === 0 ? this.curAddr[ch] : this.curCount[ch];
      const ff = this.flipFlop[ctl];
      this.flipFlop[ctl] ^= 1;
      return ff === 0 ? v & 0xff : v >>> 8;
    }
    switch (reg) {
      case 8: {
        // Reading status clears the TC bits (datasheet: "cleared ... upon a Status Read").
        const s = this.status[ctl];
        this.status[ctl] &= 0xf0;
        return s;
      }
      case 13:
        return this.temp[ctl];
      case 15:
        // Mask register read-back (supported by the PC/AT-compatible integrated controllers).
        return 0xf0 | ((this.mask >>> (ctl * 4)) & 0x0f);
      default:
        return 0xff;
    }
  }

  private writeReg(ctl: number, reg: number, v: number): void {
    if (reg < 8) {
      const ch = ctl * 4 + (reg >>> 1);
      const ff = this.flipFlop[ctl];
      this.flipFlop[ctl] ^= 1;
      // A write programs both the base and the current register.
      const arrBase = (reg & 1) === 0 ? this.baseAddr : this.baseCount;
      const arrCur = (reg & 1) === 0 ? this.curAddr : this.curCount;
      const nv = ff === 0 ? (arrBase[ch] & 0xff00) | v : (arrBase[ch] & 0x00ff) | (v << 8);
      arrBase[ch] = nv;
      arrCur[ch] = nv;
      return;
    }
    const first = ctl * 4;
    switch (reg) {
      case 8:
        this.command[ctl] = v;
        break;
      case 9: {
        const bit = 1 << ((v & 3) + 4);
        if ((v & 4) !== 0) this.status[ctl] |= bit;
        else this.status[ctl] &= ~bit;
        break;
      }
      case 10: {
        const bit = 1 << (first + (v & 3));
        if ((v & 4) !== 0) this.mask |= bit;
        else this.mask &= ~bit;
        break;
      }
      case 11:
        this.mode[first + (v & 3)] = v & 0xfc;
        break;
      case 12:
        this.flipFlop[ctl] = 0;
        break;
      case 13:
        // Master clear: like a hardware reset of this controller (all channels masked).
        this.command[ctl] = 0;
        this.status[ctl] = 0;
        this.flipFlop[ctl] = 0;
        this.temp[ctl] = 0;
        this.mask |= 0x0f << first;
        break;
      case 14:
        this.mask &= ~(0x0f << first);
        break;
      case 15:
        this.mask = (this.mask & ~(0x0f << first)) | ((v & 0x0f) << first);
        break;
    }
  }

  /** True when the channel can transfer: unmasked, its controller enabled, and DMA1 cascaded through channel 4. */
  isActive(channel: number): boolean {
    const ctl = channel >>> 2;
    if ((this.mask & (1 << channel)) !== 0) return false;
    if ((this.command[ctl] & 0x04) !== 0) return false; // controller disable
    if (ctl === 0 && ((this.mask & 0x10) !== 0 || (this.command[1] & 0x04) !== 0)) return false;
    return true;
  }

  /** Transfer type programmed in the channel's mode register. */
  transferType(channel: number): DmaTransfer {
    return ((this.mode[channel] >>> 2) & 3) as DmaTransfer;
  }

  /** Bytes left before terminal count (count + 1 units). */
  remainingBytes(channel: number): number {
    return (this.curCount[channel] + 1) * (channel >= 4 ? 2 : 1);
  }

  /** Whether the most recent transfer call on `channel` reached terminal count. */
  hitTerminalCount(channel: number): boolean {
    return this.tcHit[channel] !== 0;
  }

  /**
   * Peripheral → memory (a DMA "write" cycle). Moves up to `length` bytes of
   * `src` from `offset`, stopping early at terminal count. A verify-mode
   * channel counts without storing. Returns the bytes consumed (0 if the
   * channel is masked or programmed for the other direction).
   */
  transferToMemory(channel: number, src: Uint8Array, offset: number, length: number): number {
    const type = this.transferType(channel);
    if (type !== DmaTransfer.Write && type !== DmaTransfer.Verify) {
      this.tcHit[channel] = 0;
      return 0;
    }
    return this.run(channel, src, offset, length, type === DmaTransfer.Write ? 1 : 0);
  }

  /** Memory → peripheral (a DMA "read" cycle) into `dst`. Returns the bytes produced. */
  transferFromMemory(channel: number, dst: Uint8Array, offset: number, length: number): number {
    const type = this.transferType(channel);
    if (type !== DmaTransfer.Read && type !== DmaTransfer.Verify) {
      this.tcHit[channel] = 0;
      return 0;
    }
    return this.run(channel, dst, offset, length, type === DmaTransfer.Read ? 2 : 0);
  }

  /** op: 0 verify (count only), 1 buffer → memory, 2 memory → buffer. */
  private run(ch: number, buf: Uint8Array, offset: number, length: number, op: number): number {
    this.tcHit[ch] = 0;
    if (!this.isActive(ch)) return 0;
    const wide = ch >= 4;
    const unit = wide ? 2 : 1;
    const decrement = (this.mode[ch] & 0x20) !== 0;
    const mem = this.memory;
    let done = 0;
    while (done + unit <= length) {
      const a = this.curAddr[ch];
      const phys = wide ? ((this.page[ch] & 0xfe) << 16) | (a << 1) : (this.page[ch] << 16) | a;
      for (let i = 0; i < unit; i++) {
        if (op === 1) mem.write8(phys + i, buf[offset + done + i]);
        else if (op === 2) buf[offset + done + i] = mem.read8(phys + i);
      }
      done += unit;
      this.curAddr[ch] = decrement ? a - 1 : a + 1;
      const c = this.curCount[ch];
      this.curCount[ch] = c - 1;
      if (c === 0) {
        this.terminalCount(ch);
        break;
      }
    }
    return done;
  }

  private terminalCount(ch: number): void {
    this.tcHit[ch] = 1;
    const ctl = ch >>> 2;
    this.status[ctl] |= 1 << (ch & 3);
    this.status[ctl] &= ~(1 << ((ch & 3) + 4));
    if ((this.mode[ch] & 0x10) !== 0) {
      this.curAddr[ch] = this.baseAddr[ch];
      this.curCount[ch] = this.baseCount[ch];
    } else {
      this.mask |= 1 << ch;
    }
  }

  reset(): void {
    this.baseAddr.fill(0);
    this.baseCount.fill(0);
    this.curAddr.fill(0);
    this.curCount.fill(0);
    this.mode.fill(0);
    this.page.fill(0);
    this.mask = 0xff;
    this.status.fill(0);
    this.command.fill(0);
    this.flipFlop.fill(0);
    this.temp.fill(0);
    this.tcHit.fill(0);
  }

  saveState(): DeviceState {
    const u16 = (a: Uint16Array): Uint8Array => new Uint8Array(a.slice().buffer);
    return {
      baseAddr: u16(this.baseAddr),
      baseCount: u16(this.baseCount),
      curAddr: u16(this.curAddr),
      curCount: u16(this.curCount),
      mode: this.mode.slice(),
      page: this.page.slice(),
      mask: this.mask,
      status: this.status.slice(),
      command: this.command.slice(),
      flipFlop: this.flipFlop.slice(),
      temp: this.temp.slice(),
      tcHit: this.tcHit.slice(),
    };
  }

  loadState(state: DeviceState): void {
    const bytes = (k: string): Uint8Array => {
      const v = state[k];
      if (!(v instanceof Uint8Array)) throw new Error(`dma8237 snapshot: ${k} is missing`);
      return v;
    };
    const u16 = (k: string, dst: Uint16Array): void => {
      const b = bytes(k);
      dst.set(new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + dst.length * 2)));
    };
    u16('baseAddr', this.baseAddr);
    u16('baseCount', this.baseCount);
    u16('curAddr', this.curAddr);
    u16('curCount', this.curCount);
    this.mode.set(bytes('mode'));
    this.page.set(bytes('page'));
    this.mask = Number(state.mask);
    this.status.set(bytes('status'));
    this.command.set(bytes('command'));
    this.flipFlop.set(bytes('flipFlop'));
    this.temp.set(bytes('temp'));
    this.tcHit.set(bytes('tcHit'));
  }
}
