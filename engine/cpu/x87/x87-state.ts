/**
 * The x87 FPU register file (SDM Vol. 1 §8.1): eight 80-bit data registers
 * addressed as a stack from TOP, the control word, the status word, the tag
 * word and the last-instruction pointers. MMX registers alias the data
 * registers' significands (SDM Vol. 1 §9.5), so they live here too.
 *
 * Tags are kept as "empty or not" per physical register; the full two-bit tag
 * (valid / zero / special) is derived from the contents whenever the guest
 * reads it, which is what FSTENV/FSAVE store (SDM Vol. 1 §8.1.7) and what
 * FLDENV/FRSTOR/FXRSTOR recompute after loading.
 */
import { type F80, ZERO, make, isZero, isNaN80, isInf, isDenormal, isUnsupported, FpCtx } from './float80.js';

/** Status-word bits (SDM Vol. 1 Figure 8-4). */
export const FSW_ES = 0x80;
export const FSW_C0 = 0x100;
export const FSW_C1 = 0x200;
export const FSW_C2 = 0x400;
export const FSW_C3 = 0x4000;
export const FSW_B = 0x8000;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;

export class X87State {
  /** Control word; FNINIT value 037Fh (SDM Vol. 1 Table 8-2 notes). */
  fcw = 0x037f;
  /** Status word without TOP (bits 11–13 are `top`). */
  fsw = 0;
  top = 0;
  /** Bit i set: physical register i is empty. */
  empty = 0xff;
  readonly regs: F80[] = new Array<F80>(8).fill(ZERO);
  fip = 0;
  fcs = 0;
  fdp = 0;
  fds = 0;
  /** Last non-control opcode: 11 bits (first byte & 7) << 8 | ModRM. */
  fop = 0;
  /** IGNNE# asserted by a write to port F0h while FERR# was active (PC/AT convention). */
  ignne = false;
  private readonly ctxObj = new FpCtx();

  /**
   * Hardware reset state (SDM Vol. 3 Table 9-1, P6 family): FCW 0040h,
   * FSW 0, all registers +0.0 and tagged valid-zero (FTW 5555h).
   */
  powerOn(): void {
    this.fninit();
    this.fcw = 0x0040;
    this.empty = 0;
    this.regs.fill(ZERO);
    this.ignne = false;
  }

  /** FNINIT (SDM Vol. 2 FINIT): control word 037Fh, status 0, all tags empty, pointers 0; data registers kept. */
  fninit(): void {
    this.fcw = 0x037f;
    this.fsw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  /** The rounding environment of the control word, with cleared results. */
  ctx(): FpCtx {
    const c = this.ctxObj;
    c.reset();
    c.masks = this.fcw & 0x3f;
    c.rc = (this.fcw >> 10) & 3;
    const pc = (this.fcw >> 8) & 3;
    c.prec = pc === 0 ? 24 : pc === 2 ? 53 : 64;
    return c;
  }

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return (this.empty & (1 << this.phys(i))) !== 0;
  }

  get(i: number): F80 {
    return this.regs[this.phys(i)];
  }

  set(i: number, v: F80): void {
    const p = this.phys(i);
    this.regs[p] = v;
    this.empty &= ~(1 << p);
  }

  free(i: number): void {
    this.empty |= 1 << this.phys(i);
  }

  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** Status word as the guest reads it (TOP in bits 11–13). */
  status(): number {
    return (this.fsw & ~0x3800) | (this.top << 11);
  }

  setStatus(v: number): void {
    this.fsw = v & ~0x3800 & 0xffff;
    this.top = (v >> 11) & 7;
  }

  /** Two-bit tag of physical register p from its contents (SDM Vol. 1 Figure 8-7). */
  tagOf(p: number): number {
    if ((this.empty & (1 << p)) !== 0) return 3;
    const v = this.regs[p];
    if (isZero(v)) return 1;
    if (isNaN80(v) || isInf(v) || isDenormal(v) || isUnsupported(v)) return 2;
    return 0;
  }

  tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) t |= this.tagOf(p) << (2 * p);
    return t;
  }

  /** Load a full tag word: only "empty" is taken from it, the rest follows the contents. */
  setTagWord(t: number): void {
    let e = 0;
    for (let p = 0; p < 8; p++) if (((t >> (2 * p)) & 3) === 3) e |= 1 << p;
    this.empty = e;
  }

  /** FXSAVE's abridged tag byte: bit p set = physical register p not empty (SDM Vol. 2 FXSAVE). */
  abridgedTag(): number {
    return ~this.empty & 0xff;
  }

  // ---- MMX view (SDM Vol. 1 §9.5) ------------------------------------------------------

  mmx(n: number): bigint {
    return this.regs[n].mant;
  }

  /** An MMX write: significand = v, sign and exponent all ones. */
  setMmx(n: number, v: bigint): void {
    this.regs[n] = make(1, 0x7fff, v);
  }

  /** Every MMX instruction: TOP = 0 and all tags valid (SDM Vol. 1 Table 9-2). */
  mmxEnter(): void {
    this.top = 0;
    this.empty = 0;
  }

  // ---- snapshots ---------------------------------------------------------------------

  save(): { [k: string]: number | string | boolean | number[] | string[] } {
    return {
      fcw: this.fcw,
      fsw: this.fsw,
      top: this.top,
      empty: this.empty,
      regs: this.regs.map((r) => `${r.sign}:${r.exp.toString(16)}:${r.mant.toString(16)}`),
      ptr: [this.fip, this.fcs, this.fdp, this.fds, this.fop],
      ignne: this.ignne,
    };
  }

  load(s: { [k: string]: unknown }): void {
    this.fcw = s.fcw as number;
    this.fsw = s.fsw as number;
    this.top = s.top as number;
    this.empty = s.empty as number;
    (s.regs as string[]).forEach((t, i) => {
      const [sg, ex, m] = t.split(':');
      this.regs[i] = make(Number(sg), parseInt(ex, 16), BigInt('0x' + m));
    });
    [this.fip, this.fcs, this.fdp, this.fds, this.fop] = s.ptr as number[];
    this.ignne = s.ignne as boolean;
  }
}
