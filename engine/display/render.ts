/**
 * Turns the adapter's state into an RGBA picture, the way the CRTC,
 * sequencer, attribute controller and DAC would scan it out.
 *
 * Resolution rule: a frame is rendered at the mode's *logical* resolution,
 * one output pixel per mode pixel: 720×400 for 80-column text (9-dot cells),
 * 640×480 for mode 12h, 320×200 for modes 04h/0Dh/13h. Concretely:
 *   - width: text = character clocks × 8 or 9 dots; 256-colour = clocks × 4;
 *     other graphics = clocks × 8 (the halved dot clock of 320-wide modes is
 *     not expanded);
 *   - height: displayed scan lines, halved for double scan; in graphics modes
 *     also divided by the scan lines per character row when each row repeats
 *     the same memory (mode 13h's "maximum scan line 1"), but not when the
 *     CGA row-scan substitution makes each scan line of a row distinct.
 * VBE modes render at XRES×YRES. An unprogrammed CRTC renders 720×400 black.
 * The overscan border is not part of the frame (it is only shown, filling the
 * frame, while the screen is blanked by Palette Address Source = 0).
 *
 * Timing-dependent output (cursor and character blink) comes from the
 * adapter's frame number, i.e. virtual time, never host time.
 */
import type { VgaAdapter } from '../devices/vga/vga.js';
import { DispiIndex } from '../devices/vga/vbe-dispi.js';
import { fontMapOffset } from '../devices/vga/vga-modes.js';
import { crtcAddress, crtcGeometry, type CrtcGeometry } from './crtc-geometry.js';

export interface Frame {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, alpha 255. */
  data: Uint8Array;
}

const MAX_DIM = 4096;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Packed RGBA as an int32 (the same bits a Uint32 would hold). Signed on
 * purpose: values stay small integers for the JIT instead of becoming
 * doubles above 2^31, which made the pixel loops several times slower.
 */
function rgba(r: number, g: number, b: number): number {
  return LITTLE_ENDIAN ? (255 << 24) | (b << 16) | (g << 8) | r : (r << 24) | (g << 16) | (b << 8) | 255;
}

/**
 * Renders frames for one or more adapters. The returned frame's `data` is a
 * view of a buffer the renderer reuses: it is valid until the next `render`
 * call on the same renderer (copy it to keep it).
 */
export class ScreenRenderer {
  private buffer = new Uint8Array(0);
  private pixels = new Int32Array(0);
  /** DAC index → packed RGBA for the current frame. */
  private readonly dacLut = new Int32Array(256);
  /** 4-bit pixel value → DAC index through the attribute controller. */
  private readonly attrLut = new Uint8Array(16);
  /** One scan line of DAC indices, with room for panning. */
  private line = new Uint8Array(0);
  private readonly rgbTmp = new Uint8Array(3);

  render(vga: VgaAdapter): Frame {
    this.buildDacLut(vga);
    if (vga.vbeEnabled) return this.renderVbe(vga);
    const g = crtcGeometry(vga);
    if (vga.crtc[1] === 0 && vga.crtc[0x12] === 0) return this.solid(720, 400, this.rgbaOf(0, 0, 0));
    this.buildAttrLut(vga);
    if (g.text) return this.renderText(vga, g);
    return this.renderGraphics(vga, g);
  }

  // ---------------------------------------------------------------- helpers

  private frame(width: number, height: number): Frame {
    width = Math.max(1, Math.min(MAX_DIM, width));
    height = Math.max(1, Math.min(MAX_DIM, height));
    const bytes = width * height * 4;
    if (this.buffer.length < bytes) {
      this.buffer = new Uint8Array(bytes);
      this.pixels = new Int32Array(this.buffer.buffer);
    }
    return { width, height, data: this.buffer.subarray(0, bytes) };
  }

  private ensureLine(n: number): Uint8Array {
    if (this.line.length < n) this.line = new Uint8Array(n);
    return this.line;
  }

  private rgbaOf(r: number, g: number, b: number): number {
    return rgba(r, g, b);
  }

  private solid(width: number, height: number, color: number): Frame {
    const f = this.frame(width, height);
    this.pixels.fill(color, 0, f.width * f.height);
    return f;
  }

  private buildDacLut(vga: VgaAdapter): void {
    const t = this.rgbTmp;
    for (let i = 0; i < 256; i++) {
      vga.dacRgb(i, t, 0);
      this.dacLut[i] = rgba(t[0], t[1], t[2]);
    }
  }

  /**
   * Attribute controller path for a 4-bit pixel (FreeVGA "Attribute Controller
   * Registers"): Color Plane Enable masks it, the palette register maps it to
   * 6 bits, and Color Select supplies bits 7–6 (and bits 5–4 when Mode Control
   * bit 7, P54S, is set).
   */
  private buildAttrLut(vga: VgaAdapter): void {
    const a = vga.attr;
    const planeEnable = a[0x12] & 0x0f;
    const colorSelect = a[0x14];
    const p54s = (a[0x10] & 0x80) !== 0;
    for (let i = 0; i < 16; i++) {
      let v = a[i & planeEnable] & 0x3f;
      if (p54s) v = (v & 0x0f) | ((colorSelect & 0x03) << 4);
      v |= (colorSelect & 0x0c) << 4;
      this.attrLut[i] = v;
    }
  }

  /** Screen blanked by Clocking Mode bit 5 (black) or by Palette Address Source = 0 (overscan colour). */
  private blankColor(vga: VgaAdapter): number | undefined {
    if ((vga.seq[1] & 0x20) !== 0) return this.rgbaOf(0, 0, 0);
    if ((vga.attrAddress & 0x20) === 0) return this.dacLut[vga.attr[0x11]];
    return undefined;
  }

  /**
   * Walk the displayed scan lines as the CRTC does (row scan counter, double
   * scan, line compare) and call `emit` for each output line.
   */
  private scan(
    g: CrtcGeometry,
    collapse: number,
    outHeight: number,
    emit: (y: number, rowAddr: number, rowScan: number, split: boolean) => void,
  ): void {
    let rowAddr = g.start;
    let rowScan = g.presetRowScan;
    let second = false;
    let split = false;
    let y = 0;
    for (let v = 0; v < g.displayLines && y < outHeight; v++) {
      if (v === g.lineCompare) {
        rowAddr = 0;
        rowScan = 0;
        second = false;
        split = true;
      }
      if (v % collapse === 0) emit(y++, rowAddr, rowScan, split);
      if (g.doubleScan && !second) {
        second = true;
        continue;
      }
      second = false;
      if (rowScan >= g.rowHeight - 1) {
        rowScan = 0;
        rowAddr += g.rowAdvance;
      } else {
        rowScan++;
      }
    }
  }

  // ------------------------------------------------------------------- text

  private renderText(vga: VgaAdapter, g: CrtcGeometry): Frame {
    const cw = g.charWidth;
    const width = g.hChars * cw;
    const height = Math.floor(g.displayLines / (g.doubleScan ? 2 : 1));
    const f = this.frame(width, height);
    const blank = this.blankColor(vga);
    if (blank !== undefined) {
      this.pixels.fill(blank, 0, f.width * f.height);
      return f;
    }
    const vram = vga.vram;
    const a = vga.attr;
    const lineGraphics = (a[0x10] & 0x04) !== 0;
    const blinkEnabled = (a[0x10] & 0x08) !== 0;
    const panning = a[0x13] & 0x0f;
    const pan = cw === 9 ? (panning >= 8 ? 0 : panning + 1) : panning & 7;
    const panSplitReset = (a[0x10] & 0x20) !== 0;
    const frameNo = vga.frameNumber();
    const cursorOn = ((frameNo >> 3) & 1) === 0;
    const blinkVisible = ((frameNo >> 4) & 1) === 0;
    const c = vga.crtc;
    const cursorDisabled = (c[0x0a] & 0x20) !== 0;
    const cursorStart = c[0x0a] & 0x1f;
    const cursorEnd = c[0x0b] & 0x1f;
    const cursorLoc = ((c[0x0e] << 8) | c[0x0f]) + ((c[0x0b] >> 5) & 3);
    const underline = c[0x14] & 0x1f;
    const cms = vga.seq[3];
    const fontA = fontMapOffset(((cms >> 2) & 3) | ((cms >> 3) & 4));
    const fontB = fontMapOffset((cms & 3) | ((cms >> 2) & 4));
    const attrLut = this.attrLut;
    const dacLut = this.dacLut;
    const pixels = this.pixels;
    const line = this.ensureLine(width + 2 * cw);
    this.scan(g, g.doubleScan ? 2 : 1, f.height, (y, rowAddr, rowScan, split) => {
      // Fill one extra character so horizontal panning has pixels to shift in.
      for (let i = 0; i <= g.hChars; i++) {
        const counter = rowAddr + i;
        const addr = crtcAddress(g, counter, rowScan) << 2;
        const ch = vram[addr];
        const at = vram[addr + 1];
        let glyph = vram[(((at & 0x08) !== 0 ? fontA : fontB) + ch * 32 + rowScan) << 2 | 2];
        // Underline and cursor cover the whole cell, ninth dot included.
        let fullWidth = false;
        if ((at & 0x77) === 0x01 && rowScan === underline) fullWidth = true;
        let fg = at & 0x0f;
        const bg = blinkEnabled ? (at >> 4) & 7 : at >> 4;
        if (blinkEnabled && (at & 0x80) !== 0 && !blinkVisible) fg = bg;
        if (
          !cursorDisabled && cursorOn && counter === cursorLoc &&
          rowScan >= cursorStart && rowScan <= cursorEnd
        ) {
          fullWidth = true;
        }
        if (fullWidth) glyph = 0xff;
        const fgc = attrLut[fg];
        const bgc = attrLut[bg];
        const o = i * cw;
        for (let b = 0; b < 8; b++) line[o + b] = (glyph << b) & 0x80 ? fgc : bgc;
        if (cw === 9) {
          // Line Graphics Enable: 0xC0–0xDF repeat dot 8 in dot 9 so box lines join.
          line[o + 8] = fullWidth || (lineGraphics && ch >= 0xc0 && ch <= 0xdf && (glyph & 1) !== 0) ? fgc : bgc;
        }
      }
      const shift = split && panSplitReset ? 0 : pan;
      const out = y * f.width;
      for (let x = 0; x < f.width; x++) pixels[out + x] = dacLut[line[x + shift]];
    });
    return f;
  }

  // --------------------------------------------------------------- graphics

  private renderGraphics(vga: VgaAdapter, g: CrtcGeometry): Frame {
    const shift256 = (vga.gc[5] & 0x40) !== 0;
    const interleave = !shift256 && (vga.gc[5] & 0x20) !== 0;
    const perClock = shift256 ? 4 : 8;
    const width = g.hChars * perClock;
    const rowsRepeat = g.substituteMa13 || g.substituteMa14 ? 1 : g.rowHeight;
    const collapse = (g.doubleScan ? 2 : 1) * rowsRepeat;
    const height = Math.floor(g.displayLines / collapse);
    const f = this.frame(width, height);
    const blank = this.blankColor(vga);
    if (blank !== undefined) {
      this.pixels.fill(blank, 0, f.width * f.height);
      return f;
    }
    const vram = vga.vram;
    const attrLut = this.attrLut;
    const dacLut = this.dacLut;
    const pixels = this.pixels;
    const a = vga.attr;
    const eightBit = (a[0x10] & 0x40) !== 0;
    const panning = a[0x13] & 0x0f;
    const pan = shift256 ? (panning >> 1) & 3 : panning & 7;
    const panSplitReset = (a[0x10] & 0x20) !== 0;
    const line = this.ensureLine(width + 2 * perClock);
    this.scan(g, collapse, f.height, (y, rowAddr, rowScan, split) => {
      for (let i = 0; i <= g.hChars; i++) {
        const addr = crtcAddress(g, rowAddr + i, rowScan) << 2;
        const p0 = vram[addr];
        const p1 = vram[addr + 1];
        const p2 = vram[addr + 2];
        const p3 = vram[addr + 3];
        const o = i * perClock;
        if (shift256) {
          // 256-colour shift: one pixel per plane; the attribute controller
          // maps each nibble through the palette when in 8-bit mode.
          line[o] = eightBit ? (attrLut[p0 >> 4] << 4) | (attrLut[p0 & 15] & 15) : attrLut[p0 & 15];
          line[o + 1] = eightBit ? (attrLut[p1 >> 4] << 4) | (attrLut[p1 & 15] & 15) : attrLut[p1 & 15];
          line[o + 2] = eightBit ? (attrLut[p2 >> 4] << 4) | (attrLut[p2 & 15] & 15) : attrLut[p2 & 15];
          line[o + 3] = eightBit ? (attrLut[p3 >> 4] << 4) | (attrLut[p3 & 15] & 15) : attrLut[p3 & 15];
        } else if (interleave) {
          // CGA shift (Shift Register Interleave): 2-bit pixels, planes 0/2 then 1/3.
          for (let k = 0; k < 4; k++) {
            const s = 6 - 2 * k;
            line[o + k] = attrLut[((p0 >> s) & 3) | (((p2 >> s) & 3) << 2)];
            line[o + 4 + k] = attrLut[((p1 >> s) & 3) | (((p3 >> s) & 3) << 2)];
          }
        } else {
          // Planar: gather the four plane bits of 8 pixels into 8 nibbles at once.
          const nibbles = SPREAD[p0] | (SPREAD[p1] << 1) | (SPREAD[p2] << 2) | (SPREAD[p3] << 3);
          for (let k = 0; k < 8; k++) line[o + k] = attrLut[(nibbles >>> (28 - 4 * k)) & 15];
        }
      }
      const shift = split && panSplitReset ? 0 : pan;
      const out = y * f.width;
      for (let x = 0; x < f.width; x++) pixels[out + x] = dacLut[line[x + shift]];
    });
    return f;
  }

  // -------------------------------------------------------------------- VBE

  private renderVbe(vga: VgaAdapter): Frame {
    const v = vga.vbe;
    const width = v[DispiIndex.XRes];
    const height = v[DispiIndex.YRes];
    const bpp = v[DispiIndex.Bpp];
    const f = this.frame(width, height);
    const pitch = vga.vbePitch;
    const vram = vga.vram;
    const pixels = this.pixels;
    const dacLut = this.dacLut;
    const bytesPP = (bpp + 7) >> 3;
    const limit = vga.vramBytes;
    if (bpp === 4) {
      this.buildAttrLut(vga);
      const attrLut = this.attrLut;
      const planeLimit = limit >> 2;
      for (let y = 0; y < f.height; y++) {
        const row = (y + v[DispiIndex.YOffset]) * pitch;
        for (let x = 0; x < f.width; x++) {
          const px = x + v[DispiIndex.XOffset];
          const o = row + (px >> 3);
          let idx = 0;
          if (o < planeLimit) {
            const s = 7 - (px & 7);
            const b = o << 2;
            idx = ((vram[b] >> s) & 1) | (((vram[b + 1] >> s) & 1) << 1) | (((vram[b + 2] >> s) & 1) << 2) | (((vram[b + 3] >> s) & 1) << 3);
          }
          pixels[y * f.width + x] = dacLut[attrLut[idx]];
        }
      }
      return f;
    }
    const start = v[DispiIndex.YOffset] * pitch + v[DispiIndex.XOffset] * bytesPP;
    for (let y = 0; y < f.height; y++) {
      let o = start + y * pitch;
      const out = y * f.width;
      for (let x = 0; x < f.width; x++, o += bytesPP) {
        if (o + bytesPP > limit) {
          pixels[out + x] = rgba(0, 0, 0);
          continue;
        }
        let px: number;
        switch (bpp) {
          case 8:
            px = dacLut[vram[o]];
            break;
          case 15: {
            const w = vram[o] | (vram[o + 1] << 8);
            px = rgba(expand5((w >> 10) & 31), expand5((w >> 5) & 31), expand5(w & 31));
            break;
          }
          case 16: {
            const w = vram[o] | (vram[o + 1] << 8);
            px = rgba(expand5((w >> 11) & 31), expand6((w >> 5) & 63), expand5(w & 31));
            break;
          }
          default:
            // 24 and 32 bpp: bytes are blue, green, red (, unused).
            px = rgba(vram[o + 2], vram[o + 1], vram[o]);
            break;
        }
        pixels[out + x] = px;
      }
    }
    return f;
  }
}

/**
 * SPREAD[b] puts bit 7-k of byte b at bit 28-4k (k = 0…7): one plane's bits of
 * 8 pixels spread to the bottom bit of 8 nibbles, leftmost pixel highest.
 */
const SPREAD = new Int32Array(256);
for (let b = 0; b < 256; b++) {
  let v = 0;
  for (let k = 0; k < 8; k++) if ((b >> (7 - k)) & 1) v |= 1 << (28 - 4 * k);
  SPREAD[b] = v;
}

function expand5(v: number): number {
  return (v << 3) | (v >> 2);
}

function expand6(v: number): number {
  return (v << 2) | (v >> 4);
}

const renderers = new WeakMap<VgaAdapter, ScreenRenderer>();

/**
 * Render `vga`'s current screen. Uses one renderer per adapter, so the
 * returned `data` is overwritten by the next `render` of the same adapter.
 */
export function render(vga: VgaAdapter): Frame {
  let r = renderers.get(vga);
  if (r === undefined) {
    r = new ScreenRenderer();
    renderers.set(vga, r);
  }
  return r.render(vga);
}
