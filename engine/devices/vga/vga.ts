/**
 * VGA display adapter with the Bochs VBE (DISPI) extension.
 *
 * Register semantics follow the IBM VGA Technical Reference and the FreeVGA
 * register descriptions; the section names below are FreeVGA's.
 *
 * Memory model. VRAM is one byte array. The 256 KiB of VGA memory are four
 * 64 KiB planes stored interleaved: byte `o` of plane `p` lives at
 * `vram[o * 4 + p]`, so one 32-bit word holds the four bytes the latches load
 * from a plane offset. The VBE linear framebuffer addresses the same array
 * byte by byte. Host addressing (FreeVGA "Sequencer Memory Mode" and
 * "Graphics Mode" registers):
 *   - chain-4: host address A selects plane A[1:0] at plane offset A & ~3, which
 *     is what the CRTC in doubleword mode scans (so mode 13h and mode X agree
 *     with hardware about where a pixel is);
 *   - odd/even: A[0] selects plane 0/1 (or 2/3), plane offset A & ~1, which is
 *     what the CRTC in word mode scans;
 *   - planar: all planes at offset A, gated by the Map Mask.
 * Writes go through the graphics controller's rotate / set-reset / ALU / bit
 * mask pipeline in every addressing mode (FreeVGA "Graphics Controller").
 *
 * Time. Input Status 1 (retrace, display enable) and the blink phase are
 * functions of the virtual clock and the CRTC timing registers, never of
 * host time, so a run and its screenshots are reproducible.
 *
 * Not modelled (stored where they are registers, but without effect):
 * the vertical retrace interrupt (CRTC 11h bits 4–5), the Odd/Even Page
 * Select of Miscellaneous Output (bit 5) and the Chain Odd/Even bit of
 * Graphics Miscellaneous (odd/even addressing follows Memory Mode bit 2 for
 * writes and Graphics Mode bit 4 for reads), the sequencer reset, interlace
 * and light pen. Input Status 0 always reports a colour monitor (switch sense
 * bit 4 set).
 */
import type { MmioHandler } from '../../bus/physical-memory.js';
import type { Device, DeviceContext, DeviceState, StateValue } from '../device.js';
import {
  DISPI_REGISTER_COUNT,
  DispiIndex,
  VBE_DISPI_8BIT_DAC,
  VBE_DISPI_DATA_PORT,
  VBE_DISPI_ENABLED,
  VBE_DISPI_GETCAPS,
  VBE_DISPI_ID0,
  VBE_DISPI_ID5,
  VBE_DISPI_INDEX_PORT,
  VBE_DISPI_LFB_ENABLED,
  VBE_DISPI_MAX_BPP,
  VBE_DISPI_MAX_XRES,
  VBE_DISPI_MAX_YRES,
  VBE_DISPI_NOCLEARMEM,
  VBE_SUPPORTED_BPP,
  vbePitch,
} from './vbe-dispi.js';
import { vgaPciFunction, type VgaPciFunction } from './vga-pci.js';

export interface VgaOptions {
  /** VRAM size in bytes: a power of two, at least 256 KiB. Default 16 MiB. */
  vramBytes?: number;
  /** Physical address of the linear framebuffer (PCI BAR0). Default 0xE0000000. */
  lfbBase?: number;
}

export const VGA_WINDOW_BASE = 0xa0000;
export const VGA_WINDOW_SIZE = 0x20000;
const PLANE_SIZE = 0x10000;

/** Register counts (FreeVGA): sequencer 0–4, CRTC 0–18h, graphics 0–8, attribute 0–14h. */
export const SEQ_COUNT = 5;
export const CRTC_COUNT = 25;
export const GC_COUNT = 9;
export const ATTR_COUNT = 21;

/** Pixel clocks selected by Miscellaneous Output bits 3–2 (IBM VGA: 25.175 and 28.322 MHz). */
const DOT_CLOCKS_HZ = [25_175_000, 28_322_000, 25_175_000, 28_322_000];

export interface CrtTiming {
  /** Nanoseconds per scan line and per frame. */
  lineNs: number;
  frameNs: number;
  /** Scan lines per frame, displayed scan lines, first retrace line, retrace length. */
  totalLines: number;
  displayLines: number;
  retraceStart: number;
  retraceLines: number;
  /** Fraction of a line that is active display. */
  activeFraction: number;
}

export class VgaAdapter implements Device {
  readonly name = 'vga';
  readonly vramBytes: number;
  readonly vram: Uint8Array;

  /** Miscellaneous Output (3C2 write / 3CC read) and Feature Control (3DA/3BA write, 3CA read). */
  misc = 0;
  featureControl = 0;
  readonly seq = new Uint8Array(SEQ_COUNT);
  seqIndex = 0;
  readonly crtc = new Uint8Array(CRTC_COUNT);
  crtcIndex = 0;
  readonly gc = new Uint8Array(GC_COUNT);
  gcIndex = 0;
  readonly attr = new Uint8Array(ATTR_COUNT);
  /** Attribute Address register: index in bits 4–0, Palette Address Source in bit 5. */
  attrAddress = 0;
  /** false: next 3C0 write is the address; true: it is data. Reset by reading Input Status 1. */
  attrFlipFlop = false;
  /** 256 entries × (R, G, B), 6-bit values (8-bit when the VBE 8-bit DAC bit is set). */
  readonly dac = new Uint8Array(768);
  dacWriteIndex = 0;
  dacReadIndex = 0;
  /** Component (0–2) of the entry being read or written through 3C9. */
  dacComponent = 0;
  /** Last of 3C7/3C8 written: true when the DAC is in read mode (DAC State register). */
  dacReadMode = false;
  readonly dacPending = new Uint8Array(3);
  pelMask = 0xff;
  /** The four 8-bit latches, loaded by every host read of VGA memory. */
  readonly latch = new Uint8Array(4);

  readonly vbe = new Uint16Array(DISPI_REGISTER_COUNT);
  vbeIndex = 0;
  lfbBase: number;

  private readonly ctx: DeviceContext;
  /** timing() result; cleared by any write that can change it (misc, sequencer, CRTC, VBE). */
  private timingCache: CrtTiming | undefined;

  constructor(ctx: DeviceContext, options: VgaOptions = {}) {
    const vramBytes = options.vramBytes ?? 16 * 1024 * 1024;
    if (vramBytes < 4 * PLANE_SIZE || (vramBytes & (vramBytes - 1)) !== 0) {
      throw new Error(`VGA VRAM size ${vramBytes} must be a power of two of at least 256 KiB`);
    }
    this.ctx = ctx;
    this.vramBytes = vramBytes;
    this.vram = new Uint8Array(vramBytes);
    this.lfbBase = (options.lfbBase ?? 0xe0000000) >>> 0;
    this.reset();

    const io = ctx.io;
    const vgaPorts = {
      read8: (port: number) => this.portRead(port),
      write8: (port: number, value: number) => this.portWrite(port, value),
    };
    // 3B0–3DF except 3BC–3BF, which belong to the parallel port that lived
    // on the MDA card (LPT at 3BC); claiming them would collide with it.
    io.register(this.name, 0x3b0, 0x0c, vgaPorts);
    io.register(this.name, 0x3c0, 0x20, vgaPorts);
    io.register(this.name, VBE_DISPI_INDEX_PORT, 2, {
      read16: (port) => (port === VBE_DISPI_INDEX_PORT ? this.vbeIndex : this.dispiRead()),
      write16: (port, value) => {
        if (port === VBE_DISPI_INDEX_PORT) this.vbeIndex = value;
        else this.dispiWrite(value);
      },
      // Byte access to the 16-bit data port reaches the low or high half.
      read8: (port) => (port === VBE_DISPI_INDEX_PORT ? this.vbeIndex & 0xff : this.dispiRead() & 0xff),
      write8: (port, value) => {
        if (port === VBE_DISPI_INDEX_PORT) this.vbeIndex = (this.vbeIndex & 0xff00) | value;
        else this.dispiWrite(value);
      },
    });

    ctx.memory.mapMmio('vga-window', VGA_WINDOW_BASE, VGA_WINDOW_SIZE, {
      read8: (off) => this.windowRead(off),
      write8: (off, value) => this.windowWrite(off, value),
    });
    ctx.memory.mapMmio('vga-lfb', this.lfbBase, vramBytes, this.lfbHandler);
  }

  /** The PCI function description for the integrator (BAR0 = this adapter's LFB). */
  get pciFunction(): VgaPciFunction {
    return vgaPciFunction(this.lfbBase, this.vramBytes);
  }

  /** Move the linear framebuffer (the guest reprogrammed PCI BAR0). */
  setLfbBase(base: number): void {
    base >>>= 0;
    if (base === this.lfbBase) return;
    this.ctx.memory.unmap(this.lfbBase, this.vramBytes);
    this.lfbBase = base;
    this.ctx.memory.mapMmio('vga-lfb', base, this.vramBytes, this.lfbHandler);
  }

  private readonly lfbHandler: MmioHandler = {
    read8: (off) => this.vram[off],
    write8: (off, value) => {
      this.vram[off] = value;
    },
    read16: (off) => this.vram[off] | (this.vram[off + 1] << 8),
    write16: (off, value) => {
      this.vram[off] = value;
      this.vram[off + 1] = value >>> 8;
    },
    read32: (off) =>
      (this.vram[off] | (this.vram[off + 1] << 8) | (this.vram[off + 2] << 16) | (this.vram[off + 3] << 24)) >>> 0,
    write32: (off, value) => {
      this.vram[off] = value;
      this.vram[off + 1] = value >>> 8;
      this.vram[off + 2] = value >>> 16;
      this.vram[off + 3] = value >>> 24;
    },
  };

  reset(): void {
    this.vram.fill(0);
    this.misc = 0;
    this.featureControl = 0;
    this.seq.fill(0);
    this.crtc.fill(0);
    this.gc.fill(0);
    this.attr.fill(0);
    this.seqIndex = this.crtcIndex = this.gcIndex = this.attrAddress = 0;
    this.attrFlipFlop = false;
    this.dac.fill(0);
    this.dacWriteIndex = this.dacReadIndex = this.dacComponent = 0;
    this.dacReadMode = false;
    this.dacPending.fill(0);
    this.pelMask = 0xff;
    this.latch.fill(0);
    this.vbe.fill(0);
    this.vbe[DispiIndex.Id] = VBE_DISPI_ID0;
    this.vbe[DispiIndex.VideoMemory64K] = this.vramBytes >>> 16;
    this.vbeIndex = 0;
    this.timingCache = undefined;
    this.updatePlaneMask();
  }

  // ---------------------------------------------------------------- I/O ports

  /** Miscellaneous Output bit 0 (I/O Address Select): CRTC and Input Status 1 at 3Dx (1) or 3Bx (0). */
  private get colorIo(): boolean {
    return (this.misc & 1) !== 0;
  }

  /** Is `port` (3B0–3BF or 3D0–3DF) decoded under the current I/O address select? */
  private decoded(port: number): boolean {
    if (port >= 0x3b0 && port <= 0x3bf) return !this.colorIo;
    if (port >= 0x3d0 && port <= 0x3df) return this.colorIo;
    return true;
  }

  /**
   * The 6845-compatible CRTC index/data pair also answers at the even/odd
   * ports 3x0–3x7 (MDA/CGA aliases of 3x4/3x5).
   */
  private static canonicalPort(port: number): number {
    const low = port & 0x0f;
    if ((port & 0x3f0) !== 0x3c0 && low < 8) return (port & ~0x0f) | 4 | (low & 1);
    return port;
  }

  portRead(port: number): number {
    if (!this.decoded(port)) return 0xff;
    port = VgaAdapter.canonicalPort(port);
    switch (port) {
      case 0x3c0:
        return this.attrAddress;
      case 0x3c1: {
        const i = this.attrAddress & 0x1f;
        return i < ATTR_COUNT ? this.attr[i] : 0;
      }
      case 0x3c2:
        // Input Status 0: bit 4 is the monitor switch sense; report a colour display attached.
        return 0x10;
      case 0x3c3:
        return 1;
      case 0x3c4:
        return this.seqIndex;
      case 0x3c5:
        return this.seqIndex < SEQ_COUNT ? this.seq[this.seqIndex] : 0xff;
      case 0x3c6:
        return this.pelMask;
      case 0x3c7:
        // DAC State register: 11b after a write to 3C7 (read mode), 00b after 3C8.
        return this.dacReadMode ? 3 : 0;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9:
        return this.dacDataRead();
      case 0x3ca:
        return this.featureControl;
      case 0x3cc:
        return this.misc;
      case 0x3ce:
        return this.gcIndex;
      case 0x3cf:
        return this.gcIndex < GC_COUNT ? this.gc[this.gcIndex] : 0xff;
      case 0x3b4:
      case 0x3d4:
        return this.crtcIndex;
      case 0x3b5:
      case 0x3d5:
        return this.crtcRead(this.crtcIndex);
      case 0x3ba:
      case 0x3da:
        this.attrFlipFlop = false;
        return this.inputStatus1();
      default:
        return 0xff;
    }
  }

  portWrite(port: number, value: number): void {
    if (!this.decoded(port)) return;
    port = VgaAdapter.canonicalPort(port);
    this.timingCache = undefined;
    switch (port) {
      case 0x3c0:
        if (!this.attrFlipFlop) {
          this.attrAddress = value & 0x3f;
        } else {
          const i = this.attrAddress & 0x1f;
          if (i < ATTR_COUNT) this.attr[i] = i < 16 ? value & 0x3f : value;
        }
        this.attrFlipFlop = !this.attrFlipFlop;
        return;
      case 0x3c2:
        this.misc = value;
        return;
      case 0x3c4:
        this.seqIndex = value & 0x07;
        return;
      case 0x3c5:
        if (this.seqIndex < SEQ_COUNT) this.seq[this.seqIndex] = value;
        return;
      case 0x3c6:
        this.pelMask = value;
        return;
      case 0x3c7:
        this.dacReadIndex = value;
        this.dacComponent = 0;
        this.dacReadMode = true;
        return;
      case 0x3c8:
        this.dacWriteIndex = value;
        this.dacComponent = 0;
        this.dacReadMode = false;
        return;
      case 0x3c9:
        this.dacDataWrite(value);
        return;
      case 0x3ce:
        this.gcIndex = value & 0x0f;
        return;
      case 0x3cf:
        if (this.gcIndex < GC_COUNT) this.gc[this.gcIndex] = value;
        return;
      case 0x3b4:
      case 0x3d4:
        this.crtcIndex = value & 0x3f;
        return;
      case 0x3b5:
      case 0x3d5:
        this.crtcWrite(this.crtcIndex, value);
        return;
      case 0x3ba:
      case 0x3da:
        this.featureControl = value;
        return;
      default:
        return;
    }
  }

  /**
   * CRTC reads. Besides registers 00h–18h, the VGA answers three read-only
   * diagnostic indexes that drivers use to save state (IBM VGA: 22h the
   * latch selected by Read Map Select, 24h the attribute flip-flop in bit 7,
   * 26h the attribute address register).
   */
  private crtcRead(index: number): number {
    if (index < CRTC_COUNT) return this.crtc[index];
    switch (index) {
      case 0x22:
        return this.latch[this.gc[4] & 3];
      case 0x24:
        return this.attrFlipFlop ? 0x80 : 0;
      case 0x26:
        return this.attrAddress & 0x3f;
      default:
        return 0xff;
    }
  }

  private crtcWrite(index: number, value: number): void {
    if (index >= CRTC_COUNT) return;
    // CRTC 11h bit 7 (Protect): registers 0–7 are read-only, except the
    // Line Compare bit 8 (bit 4 of Overflow, 07h) which stays writable.
    if ((this.crtc[0x11] & 0x80) !== 0 && index <= 7) {
      if (index === 7) this.crtc[7] = (this.crtc[7] & ~0x10) | (value & 0x10);
      return;
    }
    this.crtc[index] = value;
  }

  private dacDataWrite(value: number): void {
    const mask = this.dac8Bit ? 0xff : 0x3f;
    this.dacPending[this.dacComponent] = value & mask;
    if (++this.dacComponent === 3) {
      // The DAC takes the entry once all three components are written (FreeVGA "DAC Data").
      this.dac.set(this.dacPending, this.dacWriteIndex * 3);
      this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
      this.dacComponent = 0;
    }
  }

  private dacDataRead(): number {
    const v = this.dac[this.dacReadIndex * 3 + this.dacComponent];
    if (++this.dacComponent === 3) {
      this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
      this.dacComponent = 0;
    }
    return v;
  }

  get dac8Bit(): boolean {
    return (this.vbe[DispiIndex.Enable] & VBE_DISPI_8BIT_DAC) !== 0;
  }

  // ------------------------------------------------------------------ timing

  /** CRT timing from the CRTC, sequencer and misc registers (FreeVGA "CRTC" timing model). */
  timing(): CrtTiming {
    if (this.timingCache === undefined) this.timingCache = this.computeTiming();
    return this.timingCache;
  }

  private computeTiming(): CrtTiming {
    if (this.vbeEnabled) {
      // VBE modes have no CRTC programming; model a 60 Hz frame with 5 % blanking.
      const displayLines = Math.max(1, this.vbe[DispiIndex.YRes]);
      const totalLines = displayLines + Math.ceil(displayLines / 20) + 3;
      const frameNs = 1e9 / 60;
      return {
        lineNs: frameNs / totalLines,
        frameNs,
        totalLines,
        displayLines,
        retraceStart: displayLines + 1,
        retraceLines: 2,
        activeFraction: 0.8,
      };
    }
    const c = this.crtc;
    const charWidth = (this.seq[1] & 1) !== 0 ? 8 : 9;
    const dotDiv = (this.seq[1] & 0x08) !== 0 ? 2 : 1;
    const hTotal = c[0] + 5;
    const hDisplay = c[1] + 1;
    const clock = DOT_CLOCKS_HZ[(this.misc >> 2) & 3];
    let totalLines = (c[6] | ((c[7] & 0x01) << 8) | ((c[7] & 0x20) << 4)) + 2;
    let displayLines = (c[0x12] | ((c[7] & 0x02) << 7) | ((c[7] & 0x40) << 3)) + 1;
    let retraceStart = c[0x10] | ((c[7] & 0x04) << 6) | ((c[7] & 0x80) << 2);
    let retraceLines = ((c[0x11] & 0x0f) - retraceStart) & 0x0f || 16;
    if (c[0] === 0 || totalLines <= 2) {
      // Unprogrammed CRTC (power-on): pretend to be the 70 Hz 400-line timing so pollers terminate.
      totalLines = 449;
      displayLines = 400;
      retraceStart = 412;
      retraceLines = 2;
    }
    displayLines = Math.min(displayLines, totalLines);
    const lineNs = (hTotal * charWidth * dotDiv * 1e9) / clock;
    return {
      lineNs,
      frameNs: lineNs * totalLines,
      totalLines,
      displayLines,
      retraceStart,
      retraceLines,
      activeFraction: Math.min(1, hDisplay / hTotal),
    };
  }

  /** Frames displayed since power-on (drives cursor and character blink). */
  frameNumber(): number {
    return Math.floor(this.ctx.clock.nowNs / this.timing().frameNs);
  }

  /**
   * Input Status 1 (3DA/3BA): bit 3 vertical retrace, bit 0 "display disabled"
   * (in horizontal or vertical blanking). Derived from the virtual clock.
   */
  private inputStatus1(): number {
    const t = this.timing();
    const inFrame = this.ctx.clock.nowNs % t.frameNs;
    const line = Math.floor(inFrame / t.lineNs);
    const inLine = inFrame - line * t.lineNs;
    const vretrace = line >= t.retraceStart && line < t.retraceStart + t.retraceLines;
    const blank = line >= t.displayLines || inLine >= t.lineNs * t.activeFraction;
    return (vretrace ? 0x08 : 0) | (blank ? 0x01 : 0);
  }

  // ------------------------------------------------------------- VBE DISPI

  get vbeEnabled(): boolean {
    return (this.vbe[DispiIndex.Enable] & VBE_DISPI_ENABLED) !== 0;
  }

  /** Bytes per scan line of the current VBE mode (per plane for 4 bpp). */
  get vbePitch(): number {
    return vbePitch(this.vbe[DispiIndex.VirtWidth], this.vbe[DispiIndex.Bpp]);
  }

  private dispiRead(): number {
    const i = this.vbeIndex;
    const getCaps = (this.vbe[DispiIndex.Enable] & VBE_DISPI_GETCAPS) !== 0;
    switch (i) {
      case DispiIndex.XRes:
        return getCaps ? VBE_DISPI_MAX_XRES : this.vbe[i];
      case DispiIndex.YRes:
        return getCaps ? VBE_DISPI_MAX_YRES : this.vbe[i];
      case DispiIndex.Bpp:
        return getCaps ? VBE_DISPI_MAX_BPP : this.vbe[i];
      default:
        return i < DISPI_REGISTER_COUNT ? this.vbe[i] : 0;
    }
  }

  private dispiWrite(value: number): void {
    const v = this.vbe;
    this.timingCache = undefined;
    switch (this.vbeIndex) {
      case DispiIndex.Id:
        if (value >= VBE_DISPI_ID0 && value <= VBE_DISPI_ID5) v[DispiIndex.Id] = value;
        return;
      case DispiIndex.XRes:
      case DispiIndex.YRes:
        // The mode geometry only changes while the extension is disabled.
        if (!this.vbeEnabled) v[this.vbeIndex] = value;
        return;
      case DispiIndex.Bpp:
        if (!this.vbeEnabled) {
          const bpp = value === 0 ? 8 : value;
          if (VBE_SUPPORTED_BPP.includes(bpp)) v[DispiIndex.Bpp] = bpp;
        }
        return;
      case DispiIndex.Enable:
        this.dispiEnable(value);
        this.updatePlaneMask();
        return;
      case DispiIndex.Bank:
        if (value < this.vramBytes >>> 16) v[DispiIndex.Bank] = value;
        return;
      case DispiIndex.VirtWidth:
        if (vbePitch(value, v[DispiIndex.Bpp]) > 0) {
          v[DispiIndex.VirtWidth] = value;
          this.updateVirtHeight();
        }
        return;
      case DispiIndex.VirtHeight:
        v[DispiIndex.VirtHeight] = Math.min(value, this.maxVirtHeight());
        return;
      case DispiIndex.XOffset:
      case DispiIndex.YOffset:
        v[this.vbeIndex] = value;
        return;
      default:
        return;
    }
  }

  private maxVirtHeight(): number {
    const pitch = this.vbePitch;
    if (pitch === 0) return 0;
    const planes = this.vbe[DispiIndex.Bpp] === 4 ? 4 : 1;
    return Math.min(0xffff, Math.floor(this.vramBytes / planes / pitch));
  }

  private updateVirtHeight(): void {
    this.vbe[DispiIndex.VirtHeight] = this.maxVirtHeight();
  }

  private dispiEnable(value: number): void {
    const v = this.vbe;
    const wasEnabled = this.vbeEnabled;
    if ((value & VBE_DISPI_ENABLED) !== 0 && !wasEnabled) {
      const x = v[DispiIndex.XRes];
      const y = v[DispiIndex.YRes];
      const bpp = v[DispiIndex.Bpp] || 8;
      const planes = bpp === 4 ? 4 : 1;
      // Refuse a mode that does not fit: the guest sees ENABLE stay clear.
      if (x === 0 || y === 0 || x > VBE_DISPI_MAX_XRES || y > VBE_DISPI_MAX_YRES || (bpp === 4 && x % 8 !== 0)) {
        v[DispiIndex.Enable] = value & ~VBE_DISPI_ENABLED & 0xffff;
        return;
      }
      if (vbePitch(x, bpp) * y * planes > this.vramBytes) {
        v[DispiIndex.Enable] = value & ~VBE_DISPI_ENABLED & 0xffff;
        return;
      }
      v[DispiIndex.Bpp] = bpp;
      v[DispiIndex.VirtWidth] = x;
      v[DispiIndex.XOffset] = 0;
      v[DispiIndex.YOffset] = 0;
      v[DispiIndex.Bank] = 0;
      v[DispiIndex.Enable] = value;
      this.updateVirtHeight();
      if ((value & VBE_DISPI_NOCLEARMEM) === 0) this.vram.fill(0);
      if (bpp === 4) {
        // 4-bpp modes use the VGA planar pipeline for the A0000 window: leave
        // it addressing all four planes linearly (as mode 12h does) whatever
        // mode the guest came from.
        this.seq[2] = 0x0f;
        this.seq[4] = 0x06;
        this.gc[5] &= ~0x10;
        this.gc[6] = 0x05;
      }
      return;
    }
    v[DispiIndex.Enable] = value;
  }

  /** VBE_DISPI_LFB_ENABLED as last written (informational; the LFB is always decoded). */
  get lfbEnabled(): boolean {
    return (this.vbe[DispiIndex.Enable] & VBE_DISPI_LFB_ENABLED) !== 0;
  }

  // ------------------------------------------------------ host memory window

  /**
   * Offset into plane space for a host access at `off` (relative to 0xA0000),
   * or -1 when the Memory Map Select of Graphics Miscellaneous (GC 06h bits
   * 3–2) does not decode that address: 0 = A0000–BFFFF, 1 = A0000–AFFFF,
   * 2 = B0000–B7FFF, 3 = B8000–BFFFF.
   */
  private windowAddress(off: number): number {
    switch ((this.gc[6] >> 2) & 3) {
      case 0:
        return off;
      case 1:
        return off < 0x10000 ? off : -1;
      case 2:
        return off >= 0x10000 && off < 0x18000 ? off - 0x10000 : -1;
      default:
        return off >= 0x18000 ? off - 0x18000 : -1;
    }
  }

  /**
   * Plane offset mask: 64 KiB planes, or all of VRAM for the VBE 4-bpp planar
   * modes. Kept in a field (refreshed on every DISPI write, reset and load)
   * because every host access needs it.
   */
  private planeMask = PLANE_SIZE - 1;

  private updatePlaneMask(): void {
    this.planeMask = this.vbeEnabled && this.vbe[DispiIndex.Bpp] === 4 ? (this.vramBytes >>> 2) - 1 : PLANE_SIZE - 1;
  }

  windowRead(off: number): number {
    if (this.vbeEnabled) {
      if (off >= 0x10000) return 0xff;
      const addr = (this.vbe[DispiIndex.Bank] << 16) + off;
      if (this.vbe[DispiIndex.Bpp] !== 4) return addr < this.vramBytes ? this.vram[addr] : 0xff;
      return this.planarRead(addr);
    }
    const a = this.windowAddress(off);
    return a < 0 ? 0xff : this.planarRead(a);
  }

  windowWrite(off: number, value: number): void {
    if (this.vbeEnabled) {
      if (off >= 0x10000) return;
      const addr = (this.vbe[DispiIndex.Bank] << 16) + off;
      if (this.vbe[DispiIndex.Bpp] !== 4) {
        if (addr < this.vramBytes) this.vram[addr] = value;
        return;
      }
      this.planarWrite(addr, value);
      return;
    }
    const a = this.windowAddress(off);
    if (a >= 0) this.planarWrite(a, value);
  }

  /** Host read through the graphics controller (FreeVGA "Graphics Mode": read modes 0 and 1). */
  private planarRead(a: number): number {
    let o: number;
    let plane: number;
    if ((this.seq[4] & 0x08) !== 0) {
      plane = a & 3;
      o = a & ~3;
    } else if ((this.gc[5] & 0x10) !== 0) {
      // Host Odd/Even read: A0 picks the odd or even map of the pair chosen by Read Map Select bit 1.
      plane = (this.gc[4] & 2) | (a & 1);
      o = a & ~1;
    } else {
      plane = this.gc[4] & 3;
      o = a;
    }
    const base = (o & this.planeMask) << 2;
    const vram = this.vram;
    const latch = this.latch;
    latch[0] = vram[base];
    latch[1] = vram[base + 1];
    latch[2] = vram[base + 2];
    latch[3] = vram[base + 3];
    if ((this.gc[5] & 0x08) === 0) return latch[plane];
    // Read mode 1: a bit is 1 where every plane enabled in Color Don't Care matches Color Compare.
    const compare = this.gc[2];
    const care = this.gc[7];
    let diff = 0;
    for (let p = 0; p < 4; p++) {
      if ((care >> p) & 1) diff |= latch[p] ^ ((compare >> p) & 1 ? 0xff : 0);
    }
    return ~diff & 0xff;
  }

  /** Host write through the graphics controller (FreeVGA "Graphics Mode": write modes 0–3). */
  private planarWrite(a: number, value: number): void {
    let o: number;
    let planes = this.seq[2] & 0x0f;
    if ((this.seq[4] & 0x08) !== 0) {
      planes &= 1 << (a & 3);
      o = a & ~3;
    } else if ((this.seq[4] & 0x04) === 0) {
      // Odd/Even host write addressing: A0 selects planes 1/3 (odd) or 0/2 (even).
      planes &= (a & 1) !== 0 ? 0x0a : 0x05;
      o = a & ~1;
    } else {
      o = a;
    }
    if (planes === 0) return;
    const base = (o & this.planeMask) << 2;
    const gc = this.gc;
    const vram = this.vram;
    const latch = this.latch;
    const mode = gc[5] & 3;
    if (mode === 1) {
      // Write mode 1: the latches are written unchanged (bit mask and ALU do not apply).
      for (let p = 0; p < 4; p++) if ((planes >> p) & 1) vram[base + p] = latch[p];
      return;
    }
    const rotate = gc[3] & 7;
    const func = (gc[3] >> 3) & 3;
    let bitMask = gc[8];
    const rotated = ((value >> rotate) | (value << (8 - rotate))) & 0xff;
    if (mode === 0 && (gc[1] & 0x0f) === 0 && func === 0 && bitMask === 0xff) {
      // Common fast path: plain write of the rotated byte.
      for (let p = 0; p < 4; p++) if ((planes >> p) & 1) vram[base + p] = rotated;
      return;
    }
    if (mode === 3) bitMask &= rotated;
    for (let p = 0; p < 4; p++) {
      if (((planes >> p) & 1) === 0) continue;
      let v: number;
      if (mode === 0) {
        v = (gc[1] >> p) & 1 ? ((gc[0] >> p) & 1 ? 0xff : 0) : rotated;
      } else if (mode === 2) {
        v = (value >> p) & 1 ? 0xff : 0;
      } else {
        v = (gc[0] >> p) & 1 ? 0xff : 0;
      }
      const l = latch[p];
      switch (func) {
        case 1:
          v &= l;
          break;
        case 2:
          v |= l;
          break;
        case 3:
          v ^= l;
          break;
        default:
          break;
      }
      vram[base + p] = ((v & bitMask) | (l & ~bitMask)) & 0xff;
    }
  }

  /** Byte `offset` of `plane` (0–3) of the VGA planes, for the renderer and tests. */
  planeByte(plane: number, offset: number): number {
    return this.vram[((offset & this.planeMask) << 2) | plane];
  }

  /** 8-bit RGB of DAC entry `index` after the Pixel Mask (3C6), 6-bit values scaled to 8 bits. */
  dacRgb(index: number, out: Uint8Array, at: number): void {
    const i = (index & this.pelMask) * 3;
    const d = this.dac;
    if (this.dac8Bit) {
      out[at] = d[i];
      out[at + 1] = d[i + 1];
      out[at + 2] = d[i + 2];
    } else {
      out[at] = (d[i] << 2) | (d[i] >> 4);
      out[at + 1] = (d[i + 1] << 2) | (d[i + 1] >> 4);
      out[at + 2] = (d[i + 2] << 2) | (d[i + 2] >> 4);
    }
  }

  // -------------------------------------------------------------- snapshots

  saveState(): DeviceState {
    return {
      misc: this.misc,
      featureControl: this.featureControl,
      seq: this.seq.slice(),
      seqIndex: this.seqIndex,
      crtc: this.crtc.slice(),
      crtcIndex: this.crtcIndex,
      gc: this.gc.slice(),
      gcIndex: this.gcIndex,
      attr: this.attr.slice(),
      attrAddress: this.attrAddress,
      attrFlipFlop: this.attrFlipFlop,
      dac: this.dac.slice(),
      dacWriteIndex: this.dacWriteIndex,
      dacReadIndex: this.dacReadIndex,
      dacComponent: this.dacComponent,
      dacReadMode: this.dacReadMode,
      dacPending: this.dacPending.slice(),
      pelMask: this.pelMask,
      latch: this.latch.slice(),
      vbe: Array.from(this.vbe),
      vbeIndex: this.vbeIndex,
      lfbBase: this.lfbBase,
      vram: this.vram.slice(),
    };
  }

  loadState(state: DeviceState): void {
    const num = (k: string): number => {
      const v = state[k];
      if (typeof v !== 'number') throw new Error(`vga state: '${k}' is not a number`);
      return v;
    };
    const bool = (k: string): boolean => {
      const v = state[k];
      if (typeof v !== 'boolean') throw new Error(`vga state: '${k}' is not a boolean`);
      return v;
    };
    const bytes = (k: string, into: Uint8Array): void => {
      const v: StateValue | undefined = state[k];
      if (!(v instanceof Uint8Array) || v.length !== into.length) {
        throw new Error(`vga state: '${k}' is not ${into.length} bytes`);
      }
      into.set(v);
    };
    const vbe = state.vbe;
    if (!Array.isArray(vbe) || vbe.length !== DISPI_REGISTER_COUNT || !vbe.every((x) => typeof x === 'number')) {
      throw new Error('vga state: vbe registers missing');
    }
    this.misc = num('misc');
    this.featureControl = num('featureControl');
    bytes('seq', this.seq);
    this.seqIndex = num('seqIndex');
    bytes('crtc', this.crtc);
    this.crtcIndex = num('crtcIndex');
    bytes('gc', this.gc);
    this.gcIndex = num('gcIndex');
    bytes('attr', this.attr);
    this.attrAddress = num('attrAddress');
    this.attrFlipFlop = bool('attrFlipFlop');
    bytes('dac', this.dac);
    this.dacWriteIndex = num('dacWriteIndex');
    this.dacReadIndex = num('dacReadIndex');
    this.dacComponent = num('dacComponent');
    this.dacReadMode = bool('dacReadMode');
    bytes('dacPending', this.dacPending);
    this.pelMask = num('pelMask');
    bytes('latch', this.latch);
    this.vbe.set(vbe as number[]);
    this.vbeIndex = num('vbeIndex');
    this.setLfbBase(num('lfbBase'));
    this.timingCache = undefined;
    this.updatePlaneMask();
    bytes('vram', this.vram);
  }
}
