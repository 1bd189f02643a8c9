/**
 * INT 10h — video services on the VGA/VBE adapter: mode set, cursor, pages,
 * scrolling, character and pixel I/O in text and graphics modes, palette and
 * DAC, fonts, and VBE 2.0 (4Fxxh) on the Bochs DISPI interface.
 *
 * Everything goes through the adapter's I/O ports and memory window, as a
 * ROM BIOS would: mode register values come from `devices/vga/vga-modes.ts`
 * (written through the ports), characters are stored at B800h/B000h, pixels
 * through the graphics controller. The BDA video fields (40:49–40:89) are
 * kept as programs expect (IBM PC/AT Technical Reference).
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import { programMode, loadFont } from '../../devices/vga/vga-modes.js';
import type { BiosCall } from './bios-call.js';
import { R, S } from './bios-cpu.js';
import { BDA, BdaOff } from './bda.js';
import { FONT_8X14, FONT_8X16, FONT_8X8, FONT_8X8_HIGH, ROM_SEGMENT, VBE_AREA } from './bios-rom.js';
import { BIOS_MODES, VBE_MODES, type BiosMode, type VbeMode } from './video-modes.js';

export interface VideoFonts {
  f8: Uint8Array;
  f14: Uint8Array;
  f16: Uint8Array;
}

const DISPI_INDEX = 0x1ce;
const DISPI_DATA = 0x1cf;
const enum Dispi {
  Xres = 1,
  Yres = 2,
  Bpp = 3,
  Enable = 4,
  Bank = 5,
  VirtWidth = 6,
  VirtHeight = 7,
  XOffset = 8,
  YOffset = 9,
}

const VBE_OK = 0x004f;
const VBE_FAIL = 0x014f;

export class VideoBios {
  /** Current VBE mode number, or 0 in a standard VGA mode. */
  private vbeMode = 0;

  constructor(
    private readonly io: IoBus,
    private readonly mem: PhysicalMemory,
    private readonly fonts: VideoFonts,
    private readonly lfbBase: number,
    private readonly vramBytes: number,
  ) {}

  saveState(): { vbeMode: number } {
    return { vbeMode: this.vbeMode };
  }

  loadState(s: { vbeMode: number }): void {
    this.vbeMode = s.vbeMode;
  }

  // ---- BDA helpers ----------------------------------------------------------

  private bda8(off: number): number {
    return this.mem.read8(BDA + off);
  }
  private bda16(off: number): number {
    return this.mem.read16(BDA + off);
  }
  private setBda8(off: number, v: number): void {
    this.mem.write8(BDA + off, v);
  }
  private setBda16(off: number, v: number): void {
    this.mem.write16(BDA + off, v);
  }

  private mode(): BiosMode {
    return BIOS_MODES.get(this.bda8(BdaOff.videoMode) & 0x7f) ?? BIOS_MODES.get(0x03)!;
  }

  private crtc(index: number, value: number): void {
    const port = this.bda16(BdaOff.crtcPort) || 0x3d4;
    this.io.write8(port, index);
    this.io.write8(port + 1, value);
  }

  cursor(page: number): { row: number; col: number } {
    const w = this.bda16(BdaOff.cursorPos + (page & 7) * 2);
    return { row: w >> 8, col: w & 0xff };
  }

  setCursor(page: number, row: number, col: number): void {
    this.setBda16(BdaOff.cursorPos + (page & 7) * 2, ((row & 0xff) << 8) | (col & 0xff));
    if ((page & 7) === this.bda8(BdaOff.videoPage)) {
      const m = this.mode();
      const pos = (this.bda16(BdaOff.videoPageOffset) >> 1) + row * m.cols + col;
      this.crtc(0x0e, pos >> 8);
      this.crtc(0x0f, pos & 0xff);
    }
  }

  // ---- mode set ---------------------------------------------------------------

  /** INT 10h AH=00h. Bit 7 of the mode keeps video memory. */
  setMode(modeByte: number): boolean {
    const number = modeByte & 0x7f;
    const m = BIOS_MODES.get(number);
    if (m === undefined) return false;
    const keep = (modeByte & 0x80) !== 0;
    if (this.vbeMode !== 0) this.disableVbe();
    programMode(this.io, number);
    if (m.kind === 'text') {
      loadFont(this.io, this.mem, this.fonts.f16, 16);
    }
    this.setBda8(BdaOff.videoMode, number);
    this.setBda16(BdaOff.videoCols, m.cols);
    this.setBda16(BdaOff.videoPageSize, m.pageSize);
    this.setBda16(BdaOff.videoPageOffset, 0);
    for (let p = 0; p < 8; p++) this.setBda16(BdaOff.cursorPos + p * 2, 0);
    this.setBda16(BdaOff.cursorShape, m.kind === 'text' ? 0x0607 : 0);
    this.setBda8(BdaOff.videoPage, 0);
    this.setBda16(BdaOff.crtcPort, number === 0x07 ? 0x3b4 : 0x3d4);
    this.setBda8(BdaOff.videoRows, m.rows - 1);
    this.setBda16(BdaOff.charHeight, m.charHeight);
    this.setBda8(BdaOff.videoCtl, (keep ? 0x80 : 0) | 0x60);
    this.setBda8(BdaOff.videoSwitches, 0xf9);
    this.setBda8(BdaOff.videoModeSet, 0x51);
    this.setBda8(BdaOff.videoModeCtl, [0x2c, 0x28, 0x2d, 0x29, 0x2a, 0x2e, 0x1e, 0x29][number] ?? 0x29);
    this.setBda8(BdaOff.videoPalette, number === 0x06 ? 0x3f : 0x30);
    // Graphics characters: INT 43h → 8×8 (CGA modes), 8×14, 8×16 as the mode's cell; INT 1Fh → upper 8×8.
    const cell = m.charHeight === 16 ? FONT_8X16 : m.charHeight === 14 ? FONT_8X14 : FONT_8X8;
    this.mem.write16(0x43 * 4, cell);
    this.mem.write16(0x43 * 4 + 2, ROM_SEGMENT);
    if (!keep) this.clear(m);
    this.vbeMode = 0;
    return true;
  }

  private clear(m: BiosMode): void {
    const base = m.segment * 16;
    if (m.kind === 'text') {
      const bytes = m.pageSize * m.pages;
      for (let i = 0; i < bytes; i += 2) this.mem.write16(base + i, 0x0720);
      return;
    }
    if (m.kind === 'planar') {
      this.io.write8(0x3c4, 0x02);
      this.io.write8(0x3c5, 0x0f); // all planes
      for (let i = 0; i < 0x10000; i++) this.mem.write8(base + i, 0);
      return;
    }
    for (let i = 0; i < 0x10000; i++) this.mem.write8(base + i, 0);
  }

  // ---- text output ------------------------------------------------------------

  private cellAddr(m: BiosMode, page: number, row: number, col: number): number {
    return m.segment * 16 + (page & 7) * m.pageSize + (row * m.cols + col) * 2;
  }

  /** Draw one character cell in the current mode (text: char and optional attribute; graphics: glyph in colour). */
  private putChar(page: number, row: number, col: number, ch: number, attr: number, useAttr: boolean): void {
    const m = this.mode();
    if (m.kind === 'text') {
      const a = this.cellAddr(m, page, row, col);
      this.mem.write8(a, ch);
      if (useAttr) this.mem.write8(a + 1, attr);
      return;
    }
    const h = m.charHeight;
    const glyph = h === 16 ? this.fonts.f16 : h === 14 ? this.fonts.f14 : this.fonts.f8;
    const xor = (attr & 0x80) !== 0 && m.kind !== 'linear8';
    const color = m.kind === 'linear8' ? attr : attr & 0x7f;
    for (let y = 0; y < h; y++) {
      const bits = glyph[ch * h + y];
      for (let x = 0; x < 8; x++) {
        const on = (bits >> (7 - x)) & 1;
        const px = col * 8 + x;
        const py = row * h + y;
        if (xor) {
          if (on) this.putPixel(px, py, this.getPixel(px, py, page) ^ color, page);
        } else {
          this.putPixel(px, py, on ? color : 0, page);
        }
      }
    }
  }

  private getChar(page: number, row: number, col: number): number {
    const m = this.mode();
    if (m.kind !== 'text') return 0;
    return this.mem.read16(this.cellAddr(m, page, row, col));
  }

  /** AH=0Eh: teletype output with CR, LF, BS and BEL handling and scrolling. */
  teletype(ch: number, color: number): void {
    const m = this.mode();
    const page = this.bda8(BdaOff.videoPage);
    const { row, col } = this.cursor(page);
    switch (ch) {
      case 0x07:
        return;
      case 0x08:
        return this.setCursor(page, row, col > 0 ? col - 1 : 0);
      case 0x0a:
        return this.moveTo(page, row + 1, col);
      case 0x0d:
        return this.setCursor(page, row, 0);
      default:
        this.putChar(page, row, col, ch, color, m.kind !== 'text');
        return this.advance(page);
    }
  }

  /** Move the cursor one cell on, wrapping at the right edge. */
  private advance(page: number): void {
    const m = this.mode();
    const { row, col } = this.cursor(page);
    if (col + 1 >= m.cols) this.moveTo(page, row + 1, 0);
    else this.setCursor(page, row, col + 1);
  }

  /** Set the cursor, scrolling the page up when it moves below the last row. */
  private moveTo(page: number, row: number, col: number): void {
    const m = this.mode();
    if (row >= m.rows) {
      // Text mode keeps the attribute of the bottom-left cell for the new line.
      const attr = m.kind === 'text' ? this.getChar(page, m.rows - 1, 0) >> 8 || 0x07 : 0;
      this.scroll(page, 1, attr, 0, 0, m.rows - 1, m.cols - 1, true);
      row = m.rows - 1;
    }
    this.setCursor(page, row, col);
  }

  writeString(s: string, attr = 0x07): void {
    for (const ch of Buffer.from(s, 'latin1')) this.teletype(ch, attr);
  }

  /** AH=06h/07h: scroll a window up or down (lines = 0 clears it). */
  private scroll(page: number, lines: number, attr: number, top: number, left: number, bottom: number, right: number, up: boolean): void {
    const m = this.mode();
    bottom = Math.min(bottom, m.rows - 1);
    right = Math.min(right, m.cols - 1);
    if (top > bottom || left > right) return;
    const height = bottom - top + 1;
    if (lines === 0 || lines > height) lines = height;
    const copyRow = (dst: number, src: number): void => {
      for (let c = left; c <= right; c++) this.copyCell(page, src, c, dst, c);
    };
    const blankRow = (r: number): void => {
      for (let c = left; c <= right; c++) this.putChar(page, r, c, 0x20, attr, true);
    };
    if (up) {
      for (let r = top; r <= bottom - lines; r++) copyRow(r, r + lines);
      for (let r = bottom - lines + 1; r <= bottom; r++) blankRow(r);
    } else {
      for (let r = bottom; r >= top + lines; r--) copyRow(r, r - lines);
      for (let r = top; r < top + lines; r++) blankRow(r);
    }
  }

  private copyCell(page: number, srcRow: number, srcCol: number, dstRow: number, dstCol: number): void {
    const m = this.mode();
    if (m.kind === 'text') {
      this.mem.write16(this.cellAddr(m, page, dstRow, dstCol), this.mem.read16(this.cellAddr(m, page, srcRow, srcCol)));
      return;
    }
    const h = m.charHeight;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < 8; x++) {
        this.putPixel(dstCol * 8 + x, dstRow * h + y, this.getPixel(srcCol * 8 + x, srcRow * h + y, page), page);
      }
    }
  }

  // ---- pixels -------------------------------------------------------------------

  putPixel(x: number, y: number, color: number, page = 0): void {
    const m = this.mode();
    if (x < 0 || y < 0 || x >= m.width || y >= m.height) return;
    const base = m.segment * 16;
    switch (m.kind) {
      case 'linear8':
        this.mem.write8(base + y * 320 + x, color);
        return;
      case 'cga2': {
        const a = base + (y & 1) * 0x2000 + (y >> 1) * 80 + (x >> 2);
        const shift = (3 - (x & 3)) * 2;
        const old = this.mem.read8(a);
        const v = (color & 0x80 ? old ^ ((color & 3) << shift) : (old & ~(3 << shift)) | ((color & 3) << shift)) & 0xff;
        this.mem.write8(a, v);
        return;
      }
      case 'cga1': {
        const a = base + (y & 1) * 0x2000 + (y >> 1) * 80 + (x >> 3);
        const bit = 0x80 >> (x & 7);
        const old = this.mem.read8(a);
        this.mem.write8(a, color & 0x80 ? old ^ (color & 1 ? bit : 0) : color & 1 ? old | bit : old & ~bit);
        return;
      }
      case 'planar': {
        // Write mode 2: the CPU byte is the colour, the bit mask picks the pixel (IBM VGA, Graphics Mode register).
        const a = base + page * m.pageSize + y * (m.width >> 3) + (x >> 3);
        const io = this.io;
        io.write8(0x3c4, 0x02);
        io.write8(0x3c5, 0x0f);
        io.write8(0x3ce, 0x05);
        io.write8(0x3cf, 0x02);
        io.write8(0x3ce, 0x03);
        io.write8(0x3cf, color & 0x80 ? 0x18 : 0x00); // XOR function for bit 7
        io.write8(0x3ce, 0x08);
        io.write8(0x3cf, 0x80 >> (x & 7));
        this.mem.read8(a); // load the latches
        this.mem.write8(a, color & 0x0f);
        io.write8(0x3ce, 0x08);
        io.write8(0x3cf, 0xff);
        io.write8(0x3ce, 0x05);
        io.write8(0x3cf, 0x00);
        io.write8(0x3ce, 0x03);
        io.write8(0x3cf, 0x00);
        return;
      }
      default:
        return;
    }
  }

  getPixel(x: number, y: number, page = 0): number {
    const m = this.mode();
    if (x < 0 || y < 0 || x >= m.width || y >= m.height) return 0;
    const base = m.segment * 16;
    switch (m.kind) {
      case 'linear8':
        return this.mem.read8(base + y * 320 + x);
      case 'cga2':
        return (this.mem.read8(base + (y & 1) * 0x2000 + (y >> 1) * 80 + (x >> 2)) >> ((3 - (x & 3)) * 2)) & 3;
      case 'cga1':
        return (this.mem.read8(base + (y & 1) * 0x2000 + (y >> 1) * 80 + (x >> 3)) >> (7 - (x & 7))) & 1;
      case 'planar': {
        const a = base + page * m.pageSize + y * (m.width >> 3) + (x >> 3);
        let color = 0;
        for (let p = 0; p < 4; p++) {
          this.io.write8(0x3ce, 0x04);
          this.io.write8(0x3cf, p);
          if ((this.mem.read8(a) >> (7 - (x & 7))) & 1) color |= 1 << p;
        }
        return color;
      }
      default:
        return 0;
    }
  }

  // ---- INT 10h dispatch -----------------------------------------------------------

  int10(c: BiosCall): void {
    const m = this.mode();
    switch (c.ah) {
      case 0x00:
        this.setMode(c.al);
        c.al = m.kind === 'text' ? 0x30 : 0x20; // VGA BIOS convention: AL = mode-set status byte
        break;
      case 0x01: {
        this.setBda16(BdaOff.cursorShape, c.cx);
        const h = this.bda16(BdaOff.charHeight) || 16;
        let start = c.ch & 0x3f;
        let end = c.cl & 0x1f;
        // CGA cursor emulation: 8-line cursor values scale to the character cell.
        if (h > 8 && start < 8 && end < 8 && !(c.ch & 0x20)) {
          if (start >= 4) start += h - 9;
          if (end >= 4) end += h - 9;
        }
        this.crtc(0x0a, (c.ch & 0x20) | start);
        this.crtc(0x0b, end);
        break;
      }
      case 0x02:
        this.setCursor(c.bh, c.dh, c.dl);
        break;
      case 0x03: {
        const p = this.cursor(c.bh);
        c.dh = p.row;
        c.dl = p.col;
        c.cx = this.bda16(BdaOff.cursorShape);
        c.ax = 0;
        break;
      }
      case 0x05: {
        const page = c.al & 7;
        this.setBda8(BdaOff.videoPage, page);
        const off = page * m.pageSize;
        this.setBda16(BdaOff.videoPageOffset, off);
        const start = m.kind === 'text' ? off >> 1 : off;
        this.crtc(0x0c, start >> 8);
        this.crtc(0x0d, start & 0xff);
        const cur = this.cursor(page);
        this.setCursor(page, cur.row, cur.col);
        break;
      }
      case 0x06:
      case 0x07:
        this.scroll(this.bda8(BdaOff.videoPage), c.al, c.bh, c.ch, c.cl, c.dh, c.dl, c.ah === 0x06);
        break;
      case 0x08: {
        const p = this.cursor(c.bh);
        c.ax = m.kind === 'text' ? this.getChar(c.bh, p.row, p.col) : 0;
        break;
      }
      case 0x09:
      case 0x0a: {
        const p = this.cursor(c.bh);
        let row = p.row;
        let col = p.col;
        for (let i = 0; i < c.cx; i++) {
          this.putChar(c.bh, row, col, c.al, c.bl, c.ah === 0x09 || m.kind !== 'text');
          if (++col >= m.cols) {
            col = 0;
            if (++row >= m.rows) break;
          }
        }
        break;
      }
      case 0x0b:
        // CGA palette/background: the border colour goes to the attribute controller's overscan register.
        if (c.bh === 0x00) {
          this.io.read8(0x3da);
          this.io.write8(0x3c0, 0x11 | 0x20);
          this.io.write8(0x3c0, c.bl & 0x0f);
        }
        break;
      case 0x0c:
        this.putPixel(c.cx, c.dx, c.al, c.bh);
        break;
      case 0x0d:
        c.al = this.getPixel(c.cx, c.dx, c.bh);
        break;
      case 0x0e:
        this.teletype(c.al, c.bl);
        break;
      case 0x0f:
        c.ah = m.cols;
        c.al = this.bda8(BdaOff.videoMode) | (this.bda8(BdaOff.videoCtl) & 0x80);
        c.bh = this.bda8(BdaOff.videoPage);
        break;
      case 0x10:
        this.palette(c);
        break;
      case 0x11:
        this.font(c);
        break;
      case 0x12:
        if (c.bl === 0x10) {
          c.bh = 0x00; // colour
          c.bl = 0x03; // 256 KiB
          c.ch = 0x00;
          c.cl = 0x09;
        } else if (c.bl >= 0x30 && c.bl <= 0x36) {
          c.al = 0x12;
        }
        break;
      case 0x13:
        this.writeStringService(c);
        break;
      case 0x1a:
        if (c.al === 0x00) {
          c.al = 0x1a;
          c.bl = 0x08; // VGA with colour display
          c.bh = 0x00;
        }
        break;
      case 0x4f:
        this.vbe(c);
        break;
      default:
        break;
    }
    c.done();
  }

  private writeStringService(c: BiosCall): void {
    const page = c.bh;
    const saved = this.cursor(page);
    this.setCursor(page, c.dh, c.dl);
    const withAttr = (c.al & 2) !== 0;
    const seg = c.es;
    let off = c.bp;
    const savedPage = this.bda8(BdaOff.videoPage);
    this.setBda8(BdaOff.videoPage, page);
    for (let i = 0; i < c.cx; i++) {
      const ch = c.rb(seg, off++);
      const attr = withAttr ? c.rb(seg, off++) : c.bl;
      if (ch === 0x07 || ch === 0x08 || ch === 0x0a || ch === 0x0d) {
        this.teletype(ch, attr);
      } else {
        const p = this.cursor(page);
        this.putChar(page, p.row, p.col, ch, attr, true);
        this.advance(page);
      }
    }
    this.setBda8(BdaOff.videoPage, savedPage);
    if ((c.al & 1) === 0) this.setCursor(page, saved.row, saved.col);
  }

  private palette(c: BiosCall): void {
    const io = this.io;
    const attrWrite = (index: number, v: number): void => {
      io.read8(0x3da);
      io.write8(0x3c0, index);
      io.write8(0x3c0, v);
      io.write8(0x3c0, 0x20); // re-enable video
    };
    const attrRead = (index: number): number => {
      io.read8(0x3da);
      io.write8(0x3c0, index);
      const v = io.read8(0x3c1);
      io.read8(0x3da);
      io.write8(0x3c0, 0x20);
      return v;
    };
    switch (c.al) {
      case 0x00:
        attrWrite(c.bl & 0x1f, c.bh);
        break;
      case 0x01:
        attrWrite(0x11, c.bh);
        break;
      case 0x02:
        for (let i = 0; i < 16; i++) attrWrite(i, c.rb(c.es, c.dx + i));
        attrWrite(0x11, c.rb(c.es, c.dx + 16));
        break;
      case 0x03: {
        const mc = attrRead(0x10);
        attrWrite(0x10, c.bl ? mc | 0x08 : mc & ~0x08);
        break;
      }
      case 0x07:
        c.bh = attrRead(c.bl & 0x1f);
        break;
      case 0x08:
        c.bh = attrRead(0x11);
        break;
      case 0x09:
        for (let i = 0; i < 16; i++) c.wb(c.es, c.dx + i, attrRead(i));
        c.wb(c.es, c.dx + 16, attrRead(0x11));
        break;
      case 0x10:
        io.write8(0x3c8, c.bl);
        io.write8(0x3c9, c.dh);
        io.write8(0x3c9, c.ch);
        io.write8(0x3c9, c.cl);
        break;
      case 0x12:
        io.write8(0x3c8, c.bl);
        for (let i = 0; i < c.cx * 3; i++) io.write8(0x3c9, c.rb(c.es, c.dx + i));
        break;
      case 0x15:
        io.write8(0x3c7, c.bl);
        c.dh = io.read8(0x3c9);
        c.ch = io.read8(0x3c9);
        c.cl = io.read8(0x3c9);
        break;
      case 0x17:
        io.write8(0x3c7, c.bl);
        for (let i = 0; i < c.cx * 3; i++) c.wb(c.es, c.dx + i, io.read8(0x3c9));
        break;
      case 0x1a:
        c.bl = (attrRead(0x10) >> 7) & 1;
        c.bh = attrRead(0x14) & 0x0f;
        break;
      default:
        break;
    }
  }

  private font(c: BiosCall): void {
    switch (c.al) {
      case 0x00:
      case 0x10: {
        // User font at ES:BP: CX glyphs from DX, BH bytes per glyph, into block BL.
        const h = c.bh || 16;
        const count = Math.min(c.cx, 256 - Math.min(c.dx, 256));
        if (h > 32 || count === 0) break;
        const glyphs = new Uint8Array(count * h);
        for (let i = 0; i < glyphs.length; i++) glyphs[i] = c.rb(c.es, c.bp + i);
        loadFont(this.io, this.mem, glyphs, h, c.bl & 7, c.dx, count);
        break;
      }
      case 0x01:
      case 0x11:
        loadFont(this.io, this.mem, this.fonts.f14, 14);
        break;
      case 0x02:
      case 0x12:
        loadFont(this.io, this.mem, this.fonts.f8, 8);
        break;
      case 0x04:
      case 0x14:
        loadFont(this.io, this.mem, this.fonts.f16, 16);
        break;
      case 0x03:
        this.io.write8(0x3c4, 0x03);
        this.io.write8(0x3c5, c.bl);
        break;
      case 0x30: {
        const ptrs: Record<number, [number, number]> = {
          0: [this.mem.read16(0x1f * 4 + 2), this.mem.read16(0x1f * 4)],
          1: [this.mem.read16(0x43 * 4 + 2), this.mem.read16(0x43 * 4)],
          2: [ROM_SEGMENT, FONT_8X14],
          3: [ROM_SEGMENT, FONT_8X8],
          4: [ROM_SEGMENT, FONT_8X8_HIGH],
          5: [ROM_SEGMENT, FONT_8X14],
          6: [ROM_SEGMENT, FONT_8X16],
          7: [ROM_SEGMENT, FONT_8X16],
        };
        const p = ptrs[c.bh] ?? ptrs[1];
        c.cpu.setSegReal(S.ES, p[0]);
        c.set16(R.BP, p[1]);
        c.cx = this.bda16(BdaOff.charHeight) || 16;
        c.dl = this.bda8(BdaOff.videoRows);
        break;
      }
      default:
        break;
    }
  }

  // ---- VBE 2.0 ------------------------------------------------------------------------

  private dispi(index: number, value?: number): number {
    this.io.write16(DISPI_INDEX, index);
    if (value !== undefined) this.io.write16(DISPI_DATA, value);
    return this.io.read16(DISPI_DATA);
  }

  private disableVbe(): void {
    this.dispi(Dispi.Enable, 0);
    this.vbeMode = 0;
  }

  private vbeModeInfo(number: number): VbeMode | undefined {
    return VBE_MODES.find((v) => v.number === (number & 0x1ff));
  }

  private fits(v: VbeMode): boolean {
    return v.width * v.height * Math.ceil(v.bpp / 8) <= this.vramBytes;
  }

  /** Strings and the mode list that VbeInfoBlock points into, written to the BIOS ROM area in RAM-visible form. */
  static vbeRomData(): { offset: number; bytes: Uint8Array; oem: number; modes: number; vendor: number; product: number; rev: number } {
    const parts: number[] = [];
    const str = (s: string): number => {
      const at = VBE_AREA + parts.length;
      for (const ch of Buffer.from(s + '\0', 'latin1')) parts.push(ch);
      return at;
    };
    const oem = str('compat-lab VBE 2.0');
    const vendor = str('compat-lab');
    const product = str('Bochs DISPI adapter');
    const rev = str('1.0');
    const modes = VBE_AREA + parts.length;
    for (const m of VBE_MODES) parts.push(m.number & 0xff, m.number >> 8);
    parts.push(0xff, 0xff);
    return { offset: VBE_AREA, bytes: Uint8Array.from(parts), oem, modes, vendor, product, rev };
  }

  private vbe(c: BiosCall): void {
    const fn = c.al;
    const es = c.es;
    const di = c.di;
    const ok = (): void => {
      c.ax = VBE_OK;
    };
    switch (fn) {
      case 0x00: {
        const data = VideoBios.vbeRomData();
        const vbe2 = c.rd(es, di) === 0x32454256; // "VBE2"
        const size = vbe2 ? 512 : 256;
        for (let i = 0; i < size; i++) c.wb(es, di + i, 0);
        c.wd(es, di, 0x41534556); // "VESA"
        c.ww(es, di + 4, 0x0200);
        c.ww(es, di + 6, data.oem);
        c.ww(es, di + 8, ROM_SEGMENT);
        c.wd(es, di + 10, 0x00000001); // DAC width switchable (we always answer 6 bits)
        c.ww(es, di + 14, data.modes);
        c.ww(es, di + 16, ROM_SEGMENT);
        c.ww(es, di + 18, Math.floor(this.vramBytes / 0x10000));
        if (vbe2) {
          c.ww(es, di + 20, 0x0100);
          c.ww(es, di + 22, data.vendor);
          c.ww(es, di + 24, ROM_SEGMENT);
          c.ww(es, di + 26, data.product);
          c.ww(es, di + 28, ROM_SEGMENT);
          c.ww(es, di + 30, data.rev);
          c.ww(es, di + 32, ROM_SEGMENT);
        }
        return ok();
      }
      case 0x01: {
        const v = this.vbeModeInfo(c.cx);
        if (v === undefined || !this.fits(v)) {
          c.ax = VBE_FAIL;
          return;
        }
        for (let i = 0; i < 256; i++) c.wb(es, di + i, 0);
        const bytesPP = Math.ceil(v.bpp / 8);
        const pitch = v.width * bytesPP;
        c.ww(es, di + 0, 0x009b | 0x0004); // supported, TTY, colour, graphics, LFB
        c.wb(es, di + 2, 0x07); // window A: exists, readable, writable
        c.wb(es, di + 3, 0x00);
        c.ww(es, di + 4, 64); // granularity KiB
        c.ww(es, di + 6, 64); // window size KiB
        c.ww(es, di + 8, 0xa000);
        c.ww(es, di + 16, pitch);
        c.ww(es, di + 18, v.width);
        c.ww(es, di + 20, v.height);
        c.wb(es, di + 22, 8);
        c.wb(es, di + 23, 16);
        c.wb(es, di + 24, 1);
        c.wb(es, di + 25, v.bpp);
        c.wb(es, di + 26, 1);
        c.wb(es, di + 27, v.bpp === 8 ? 0x04 : 0x06); // packed pixel / direct colour
        c.wb(es, di + 29, Math.max(0, Math.floor(this.vramBytes / (pitch * v.height)) - 1));
        c.wb(es, di + 30, 1);
        const masks: Record<number, number[]> = {
          15: [5, 10, 5, 5, 5, 0, 1, 15],
          16: [5, 11, 6, 5, 5, 0, 0, 0],
          24: [8, 16, 8, 8, 8, 0, 0, 0],
          32: [8, 16, 8, 8, 8, 0, 8, 24],
        };
        const mk = masks[v.bpp];
        if (mk !== undefined) mk.forEach((b, i) => c.wb(es, di + 31 + i, b));
        c.wd(es, di + 40, this.lfbBase);
        return ok();
      }
      case 0x02: {
        const number = c.bx & 0x1ff;
        const noClear = (c.bx & 0x8000) !== 0;
        if (number < 0x100) {
          if (!this.setMode(c.bx & 0xff | (noClear ? 0x80 : 0))) {
            c.ax = VBE_FAIL;
            return;
          }
          return ok();
        }
        const v = this.vbeModeInfo(number);
        if (v === undefined || !this.fits(v)) {
          c.ax = VBE_FAIL;
          return;
        }
        this.dispi(Dispi.Enable, 0);
        this.dispi(Dispi.Xres, v.width);
        this.dispi(Dispi.Yres, v.height);
        this.dispi(Dispi.Bpp, v.bpp);
        this.dispi(Dispi.Bank, 0);
        this.dispi(Dispi.Enable, 0x01 | 0x40 | (noClear ? 0x80 : 0));
        this.vbeMode = number | (c.bx & 0x4000);
        this.setBda8(BdaOff.videoMode, 0x62); // a value outside the standard set, as VBE BIOSes store
        return ok();
      }
      case 0x03:
        c.bx = this.vbeMode !== 0 ? this.vbeMode : this.bda8(BdaOff.videoMode);
        return ok();
      case 0x05:
        if (c.bh === 0x00) {
          this.dispi(Dispi.Bank, c.dx);
        } else {
          c.dx = this.dispi(Dispi.Bank);
        }
        return ok();
      case 0x06: {
        const bpp = this.dispi(Dispi.Bpp) || 8;
        const bytesPP = Math.ceil(bpp / 8);
        if (c.bl === 0x00) this.dispi(Dispi.VirtWidth, c.cx);
        else if (c.bl === 0x02) this.dispi(Dispi.VirtWidth, Math.floor(c.cx / bytesPP));
        const width = this.dispi(Dispi.VirtWidth);
        c.bx = width * bytesPP;
        c.cx = width;
        c.dx = this.dispi(Dispi.VirtHeight);
        return ok();
      }
      case 0x07:
        if (c.bl === 0x00 || c.bl === 0x80) {
          this.dispi(Dispi.XOffset, c.cx);
          this.dispi(Dispi.YOffset, c.dx);
        } else {
          c.cx = this.dispi(Dispi.XOffset);
          c.dx = this.dispi(Dispi.YOffset);
        }
        return ok();
      case 0x08:
        c.bh = 6;
        return ok();
      case 0x09: {
        if (c.bl !== 0x00 && c.bl !== 0x80) {
          c.ax = VBE_FAIL;
          return;
        }
        this.io.write8(0x3c8, c.dx & 0xff);
        for (let i = 0; i < c.cx; i++) {
          const a = di + i * 4;
          this.io.write8(0x3c9, c.rb(es, a + 2));
          this.io.write8(0x3c9, c.rb(es, a + 1));
          this.io.write8(0x3c9, c.rb(es, a));
        }
        return ok();
      }
      default:
        c.ax = VBE_FAIL;
        return;
    }
  }
}
