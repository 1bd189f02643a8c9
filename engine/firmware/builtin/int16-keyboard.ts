/**
 * Keyboard: the IRQ 1 handler (INT 09h) that turns scan codes from the 8042
 * into BIOS key codes in the BDA ring buffer, and INT 16h that hands them to
 * programs. Key codes (scan << 8 | ASCII) follow the IBM PC/AT Technical
 * Reference keyboard tables; extended keys read through AH=10h keep their
 * E0h marker, the classic AH=00h turns it into 00h.
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import type { BiosCall } from './bios-call.js';
import { BDA, BdaOff } from './bda.js';

// Shift-state bits in BDA 0x417.
const RSHIFT = 0x01;
const LSHIFT = 0x02;
const CTRL = 0x04;
const ALT = 0x08;
const SCROLL = 0x10;
const NUM = 0x20;
const CAPS = 0x40;
const INSERT = 0x80;

/** Set-1 make code → [plain, shifted] ASCII for keys that type a character. */
const CHARS: Record<number, [string, string]> = {
  0x02: ['1', '!'], 0x03: ['2', '@'], 0x04: ['3', '#'], 0x05: ['4', '$'], 0x06: ['5', '%'],
  0x07: ['6', '^'], 0x08: ['7', '&'], 0x09: ['8', '*'], 0x0a: ['9', '('], 0x0b: ['0', ')'],
  0x0c: ['-', '_'], 0x0d: ['=', '+'], 0x10: ['q', 'Q'], 0x11: ['w', 'W'], 0x12: ['e', 'E'],
  0x13: ['r', 'R'], 0x14: ['t', 'T'], 0x15: ['y', 'Y'], 0x16: ['u', 'U'], 0x17: ['i', 'I'],
  0x18: ['o', 'O'], 0x19: ['p', 'P'], 0x1a: ['[', '{'], 0x1b: [']', '}'], 0x1e: ['a', 'A'],
  0x1f: ['s', 'S'], 0x20: ['d', 'D'], 0x21: ['f', 'F'], 0x22: ['g', 'G'], 0x23: ['h', 'H'],
  0x24: ['j', 'J'], 0x25: ['k', 'K'], 0x26: ['l', 'L'], 0x27: [';', ':'], 0x28: ["'", '"'],
  0x29: ['`', '~'], 0x2b: ['\\', '|'], 0x2c: ['z', 'Z'], 0x2d: ['x', 'X'], 0x2e: ['c', 'C'],
  0x2f: ['v', 'V'], 0x30: ['b', 'B'], 0x31: ['n', 'N'], 0x32: ['m', 'M'], 0x33: [',', '<'],
  0x34: ['.', '>'], 0x35: ['/', '?'], 0x39: [' ', ' '],
};

/** Keys with fixed codes: [plain, shift, ctrl, alt] key words. */
const FIXED: Record<number, [number, number, number, number]> = {
  0x01: [0x011b, 0x011b, 0x011b, 0x0100], // Esc
  0x0e: [0x0e08, 0x0e08, 0x0e7f, 0x0e00], // Backspace
  0x0f: [0x0f09, 0x0f00, 0x9400, 0xa500], // Tab
  0x1c: [0x1c0d, 0x1c0d, 0x1c0a, 0x1c00], // Enter
  0x37: [0x372a, 0x372a, 0x9600, 0x3700], // keypad *
  0x4a: [0x4a2d, 0x4a2d, 0x8e00, 0x4a00], // keypad -
  0x4e: [0x4e2b, 0x4e2b, 0x9000, 0x4e00], // keypad +
};

/** Cursor-pad keys (keypad when not E0-prefixed): [plain, ctrl, alt(E0 only), numlock digit]. */
const PAD: Record<number, [number, number, number, string]> = {
  0x47: [0x4700, 0x7700, 0x9700, '7'], // Home
  0x48: [0x4800, 0x8d00, 0x9800, '8'], // Up
  0x49: [0x4900, 0x8400, 0x9900, '9'], // PgUp
  0x4b: [0x4b00, 0x7300, 0x9b00, '4'], // Left
  0x4c: [0x4c00, 0x8f00, 0x0000, '5'],
  0x4d: [0x4d00, 0x7400, 0x9d00, '6'], // Right
  0x4f: [0x4f00, 0x7500, 0x9f00, '1'], // End
  0x50: [0x5000, 0x9100, 0xa000, '2'], // Down
  0x51: [0x5100, 0x7600, 0xa100, '3'], // PgDn
  0x52: [0x5200, 0x9200, 0xa200, '0'], // Ins
  0x53: [0x5300, 0x9300, 0xa300, '.'], // Del
};

/** Translate one set-1 make code to a BIOS key word (0 = no key), given shift flags and the E0 prefix. */
export function keyWord(scan: number, flags: number, e0: boolean): number {
  const shift = (flags & (LSHIFT | RSHIFT)) !== 0;
  const ctrl = (flags & CTRL) !== 0;
  const alt = (flags & ALT) !== 0;
  if (scan >= 0x3b && scan <= 0x44) {
    const n = scan - 0x3b; // F1–F10
    if (alt) return (0x68 + n) << 8;
    if (ctrl) return (0x5e + n) << 8;
    if (shift) return (0x54 + n) << 8;
    return scan << 8;
  }
  if (scan === 0x57 || scan === 0x58) {
    const n = scan - 0x57; // F11, F12
    if (alt) return (0x8b + n) << 8;
    if (ctrl) return (0x89 + n) << 8;
    if (shift) return (0x87 + n) << 8;
    return (0x85 + n) << 8;
  }
  const pad = PAD[scan];
  if (pad !== undefined) {
    if (e0) {
      if (alt) return pad[2];
      return (ctrl ? pad[1] : pad[0]) | 0xe0;
    }
    if (alt || ctrl) return ctrl ? pad[1] : 0;
    const num = (flags & NUM) !== 0;
    if (num !== shift) return (scan << 8) | pad[3].charCodeAt(0);
    return pad[0];
  }
  if (e0 && scan === 0x1c) return ctrl ? 0xe00a : alt ? 0xa600 : 0xe00d; // keypad Enter
  if (e0 && scan === 0x35) return ctrl ? 0x9500 : alt ? 0xa400 : 0xe02f; // keypad /
  const fixed = FIXED[scan];
  if (fixed !== undefined) return alt ? fixed[3] : ctrl ? fixed[2] : shift ? fixed[1] : fixed[0];
  const ch = CHARS[scan];
  if (ch === undefined) return 0;
  if (alt) return scan === 0x39 ? 0x3920 : scan << 8;
  const letter = ch[0] >= 'a' && ch[0] <= 'z';
  if (ctrl) {
    if (letter) return (scan << 8) | (ch[0].charCodeAt(0) - 0x60);
    if (scan === 0x39) return 0x3920;
    return 0;
  }
  const caps = letter && (flags & CAPS) !== 0;
  const useShift = shift !== caps;
  return (scan << 8) | (useShift ? ch[1] : ch[0]).charCodeAt(0);
}

/** Keyboard ring buffer in the BDA (head/tail are offsets from segment 40h). */
export function pushKey(mem: PhysicalMemory, word: number): boolean {
  const start = mem.read16(BDA + BdaOff.kbdBufStart) || 0x1e;
  const end = mem.read16(BDA + BdaOff.kbdBufEnd) || 0x3e;
  const tail = mem.read16(BDA + BdaOff.kbdTail);
  let next = tail + 2;
  if (next >= end) next = start;
  if (next === mem.read16(BDA + BdaOff.kbdHead)) return false; // full: the key is dropped (a real BIOS beeps)
  mem.write16(BDA + tail, word);
  mem.write16(BDA + BdaOff.kbdTail, next);
  return true;
}

function peekKey(mem: PhysicalMemory): number | undefined {
  const head = mem.read16(BDA + BdaOff.kbdHead);
  if (head === mem.read16(BDA + BdaOff.kbdTail)) return undefined;
  return mem.read16(BDA + head);
}

function popKey(mem: PhysicalMemory): number | undefined {
  const head = mem.read16(BDA + BdaOff.kbdHead);
  if (head === mem.read16(BDA + BdaOff.kbdTail)) return undefined;
  const word = mem.read16(BDA + head);
  const end = mem.read16(BDA + BdaOff.kbdBufEnd) || 0x3e;
  let next = head + 2;
  if (next >= end) next = mem.read16(BDA + BdaOff.kbdBufStart) || 0x1e;
  mem.write16(BDA + BdaOff.kbdHead, next);
  return word;
}

export class KeyboardBios {
  /** An E0 prefix byte arrived; the next code is an extended key. */
  private e0 = false;

  constructor(
    private readonly io: IoBus,
    private readonly mem: PhysicalMemory,
    /** Called for Ctrl+Alt+Del (the BIOS reboots). */
    private readonly onCtrlAltDel: () => void,
  ) {}

  /** INT 09h: one byte from the 8042 output buffer. */
  irq1(): void {
    const code = this.io.read8(0x60);
    this.handleScan(code);
    this.io.write8(0x20, 0x20); // non-specific EOI to the master PIC
  }

  handleScan(code: number): void {
    const mem = this.mem;
    if (code === 0xe0) {
      this.e0 = true;
      return;
    }
    const e0 = this.e0;
    this.e0 = false;
    const release = (code & 0x80) !== 0;
    const scan = code & 0x7f;
    let flags = mem.read8(BDA + BdaOff.kbdFlags0);
    const toggle = (bit: number): void => {
      if (!release) flags ^= bit;
    };
    switch (scan) {
      case 0x2a:
        if (e0) return; // fake shift around extended keys
        flags = release ? flags & ~LSHIFT : flags | LSHIFT;
        break;
      case 0x36:
        if (e0) return;
        flags = release ? flags & ~RSHIFT : flags | RSHIFT;
        break;
      case 0x1d:
        flags = release ? flags & ~CTRL : flags | CTRL;
        break;
      case 0x38:
        flags = release ? flags & ~ALT : flags | ALT;
        break;
      case 0x3a:
        toggle(CAPS);
        break;
      case 0x45:
        if (!e0) toggle(NUM);
        break;
      case 0x46:
        if (!e0) toggle(SCROLL);
        break;
      default: {
        if (release) return;
        if (scan === 0x52 && !e0) flags ^= INSERT;
        if (scan === 0x53 && (flags & (CTRL | ALT)) === (CTRL | ALT)) {
          this.onCtrlAltDel();
          return;
        }
        const word = keyWord(scan, flags, e0);
        if (word !== 0) pushKey(mem, word);
        mem.write8(BDA + BdaOff.kbdFlags0, flags);
        return;
      }
    }
    mem.write8(BDA + BdaOff.kbdFlags0, flags);
  }

  /** INT 16h. */
  int16(c: BiosCall): void {
    const mem = this.mem;
    const fn = c.ah;
    const enhanced = fn >= 0x10;
    /** The classic functions hide extended keys' E0 marker and drop keys that did not exist on the 84-key keyboard. */
    const classic = (w: number): number => ((w & 0xff) === 0xe0 && w >>> 8 !== 0 ? w & 0xff00 : w);
    switch (fn) {
      case 0x00:
      case 0x10: {
        const w = popKey(mem);
        if (w === undefined) return c.retryLater();
        c.ax = enhanced ? w : classic(w);
        return c.done();
      }
      case 0x01:
      case 0x11: {
        const w = peekKey(mem);
        c.setZero(w === undefined);
        if (w !== undefined) c.ax = enhanced ? w : classic(w);
        return c.done();
      }
      case 0x02:
        c.al = mem.read8(BDA + BdaOff.kbdFlags0);
        return c.done();
      case 0x12:
        c.al = mem.read8(BDA + BdaOff.kbdFlags0);
        c.ah = mem.read8(BDA + BdaOff.kbdFlags1);
        return c.done();
      case 0x03: // typematic rate: accepted, the emulated keyboard repeats nothing on its own
        return c.done();
      case 0x05:
        c.al = pushKey(mem, c.cx) ? 0 : 1;
        return c.done();
      case 0x09: // keyboard functionality: AH=10h functions and AH=05h supported
        c.al = 0x24;
        return c.done();
      case 0x0a: // keyboard ID: MF2
        c.bx = 0x41ab;
        return c.done();
      default:
        return c.done();
    }
  }
}
