/**
 * Semantic functions of the x87 instructions (the `fpu` rows of spec.ts),
 * one per mnemonic, over the decoded operands and the CPU's X87State.
 *
 * Every instruction starts with `enter` (SDM Vol. 3 Table 2-2: CR0.EM/TS give
 * #NM; a waiting instruction with a pending unmasked exception gives #MF, or
 * the PC's FERR#/IRQ13 path when CR0.NE = 0), computes with a fresh FpCtx
 * from the control word, and finishes with `finish`, which merges the raised
 * exceptions into the status word (SDM Vol. 1 §8.4–8.5), sets ES/B for
 * unmasked ones and records the last-instruction pointers (§8.1.8).
 * When an invalid-operation, denormal or zero-divide exception is unmasked
 * the destination is left unchanged (§4.9.2); stack over/underflow (§8.5.1.1)
 * raise IE with SF, C1 telling which.
 */
import { K, type Decoded, CS } from '../decoder.js';
import type { Cpu } from '../cpu.js';
import { CF, PF, ZF, OF, SF as SF_FLAG, AF } from '../spec.js';
import * as f from './float80.js';
import { type F80, FpCtx, IE, DE, ZE, SF, Cmp, INDEFINITE } from './float80.js';
import { FSW_B, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_CC, FSW_ES, type X87State } from './x87-state.js';
import * as t from './transcendental.js';
import { loadEnv, storeEnv, loadReg80, storeReg80, readBytes, writeBytes, fxsaveImage, fxrstorImage } from './x87-images.js';

type SemFn = (c: Cpu, d: Decoded) => void;

const CR0_MP = 0x2;
const CR0_EM = 0x4;
const CR0_TS = 0x8;
const CR0_NE = 0x20;
export const EX_NM = 7;
export const EX_MF = 16;
const EX_UD = 6;

/** How an instruction meets CR0 and pending exceptions (SDM Vol. 3 Table 2-2, Vol. 1 §8.3.12). */
export const enum Gate {
  /** Waiting x87 instruction: #NM on EM or TS, then pending exceptions. */
  Wait = 0,
  /** FN* control instruction: #NM on EM or TS, pending exceptions ignored. */
  NoWait = 1,
  /** MMX: #UD on EM, #NM on TS, then pending exceptions. */
  Mmx = 2,
  /** WAIT/FWAIT: #NM only with MP and TS, then pending exceptions. */
  Fwait = 3,
}

/**
 * The CR0 checks and pending-exception delivery. Returns false when the
 * instruction must not run now: with CR0.NE = 0 a pending exception asserts
 * FERR# (IRQ13 through the PIC on a PC) and the instruction waits — it is
 * retried until the handler clears the error or asserts IGNNE# by writing
 * port F0h (SDM Vol. 1 Appendix D.2). We assert FERR# when a waiting
 * instruction finds the error pending, the point where the processor must
 * stop; a hardware part may assert it as early as the faulting instruction.
 */
export function enter(c: Cpu, d: Decoded, gate: Gate): boolean {
  const cr0 = c.cr0;
  if (gate === Gate.Fwait) {
    if ((cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) c.fault(EX_NM, -1);
  } else if (gate === Gate.Mmx) {
    if ((cr0 & CR0_EM) !== 0) c.fault(EX_UD, -1);
    if ((cr0 & CR0_TS) !== 0) c.fault(EX_NM, -1);
  } else if ((cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(EX_NM, -1);
  if (gate === Gate.NoWait) return true;
  const s = c.fpu;
  if ((s.fsw & FSW_ES) === 0 || s.ignne) return true;
  if ((cr0 & CR0_NE) !== 0) c.fault(EX_MF, -1);
  c.setFerr(true);
  c.eip = d.start;
  return false;
}

/** ES and B follow the unmasked exception flags (SDM Vol. 1 §8.1.3.1); FERR# drops when they clear. */
export function updateEs(c: Cpu): void {
  const s = c.fpu;
  if ((s.fsw & 0x3f & ~s.fcw) !== 0) s.fsw |= FSW_ES | FSW_B;
  else {
    s.fsw &= ~(FSW_ES | FSW_B);
    c.setFerr(false);
  }
}

/** Merge the operation's exceptions; true when an unmasked IE/DE/ZE forbids writing the result. */
function raise(c: Cpu, ctx: FpCtx): boolean {
  const s = c.fpu;
  if (ctx.flags === 0) return false;
  s.fsw |= ctx.flags & 0x7f;
  updateEs(c);
  return (ctx.flags & ~ctx.masks & (IE | DE | ZE)) !== 0;
}

function setC1(s: X87State, on: boolean): void {
  s.fsw = on ? s.fsw | FSW_C1 : s.fsw & ~FSW_C1;
}

/** Record FIP/FCS/FOP (and FDP/FDS for a memory operand) of a non-control instruction (SDM Vol. 1 §8.1.8). */
function record(c: Cpu, d: Decoded): void {
  const s = c.fpu;
  s.fip = d.start;
  s.fcs = c.seg[CS];
  s.fop = ((d.op & 7) << 8) | (d.mod << 6) | (d.reg << 3) | d.rm;
  if (d.kind[0] === K.Mem) {
    s.fdp = d.ea;
    s.fds = c.seg[d.eaSeg];
  }
}

// ---- stack access ------------------------------------------------------------------------

/** ST(i), or the masked stack-underflow response (IE+SF, C1 = 0, QNaN indefinite as the operand). */
function st(s: X87State, i: number, ctx: FpCtx): F80 {
  if (!s.isEmpty(i)) return s.regs[s.phys(i)];
  ctx.flags |= IE | SF;
  ctx.c1 = false;
  return INDEFINITE;
}

/** Room for a push: false on stack overflow (IE+SF, C1 = 1) — the caller pushes the indefinite if masked. */
function canPush(s: X87State, ctx: FpCtx): boolean {
  if ((s.empty & (1 << ((s.top - 1) & 7))) !== 0) return true;
  ctx.flags |= IE | SF;
  ctx.c1 = true;
  return false;
}

function push(s: X87State, v: F80): void {
  s.top = (s.top - 1) & 7;
  s.set(0, v);
}

/** Push a computed value with the overflow rule: masked → indefinite, unmasked → nothing. */
function pushChecked(c: Cpu, ctx: FpCtx, v: F80): void {
  const s = c.fpu;
  if (canPush(s, ctx)) {
    if (!raise(c, ctx)) push(s, v);
    setC1(s, ctx.c1);
    return;
  }
  raise(c, ctx);
  setC1(s, true);
  if (ctx.masked(IE)) push(s, INDEFINITE);
}

// ---- memory operands -----------------------------------------------------------------------

const DV = new DataView(new ArrayBuffer(8));

function readMemValue(c: Cpu, d: Decoded, isInt: boolean, ctx: FpCtx): F80 {
  const seg = d.eaSeg;
  const ea = d.ea;
  switch (d.size[0]) {
    case 2:
      return f.fromInt(BigInt((c.read16(seg, ea) << 16) >> 16));
    case 4: {
      const v = c.read32(seg, ea);
      return isInt ? f.fromInt(BigInt(v | 0)) : f.fromF32(v, ctx);
    }
    case 8: {
      const b = readBytes(c, seg, ea, 8);
      for (let i = 0; i < 8; i++) DV.setUint8(i, b[i]);
      const v = DV.getBigUint64(0, true);
      return isInt ? f.fromInt(BigInt.asIntN(64, v)) : f.fromF64(v, ctx);
    }
    default:
      return loadReg80(readBytes(c, seg, ea, 10), 0);
  }
}

// ---- arithmetic --------------------------------------------------------------------------

type Op2 = (a: F80, b: F80, ctx: FpCtx) => F80;
const OPS: Record<string, Op2> = { add: f.add, mul: f.mul, sub: f.sub, subr: (a, b, x) => f.sub(b, a, x), div: f.div, divr: (a, b, x) => f.div(b, a, x) };

/**
 * FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR in every form: ST(0) op mem, ST(0) op ST(i),
 * ST(i) op ST(0) (DC), the popping DE forms and the integer FI* forms.
 */
function arith(op: Op2, isInt: boolean, pop: boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    let dst: number;
    let a: F80;
    let b: F80;
    if (d.kind[0] === K.Mem) {
      b = readMemValue(c, d, isInt, ctx);
      dst = 0;
      a = st(s, 0, ctx);
    } else {
      dst = d.regNo[0];
      a = st(s, dst, ctx);
      b = st(s, d.regNo[1], ctx);
    }
    const r = op(a, b, ctx);
    if (!raise(c, ctx)) {
      s.set(dst, r);
      if (pop) s.pop();
    }
    setC1(s, ctx.c1);
    record(c, d);
  };
}

function setCc(s: X87State, r: Cmp): void {
  s.fsw &= ~(FSW_C0 | FSW_C2 | FSW_C3 | FSW_C1);
  if (r === Cmp.Lt) s.fsw |= FSW_C0;
  else if (r === Cmp.Eq) s.fsw |= FSW_C3;
  else if (r === Cmp.Un) s.fsw |= FSW_C0 | FSW_C2 | FSW_C3;
}

/** FCOM, FCOMP, FCOMPP, the FUCOM and FICOM forms: condition codes C3,C2,C0 (SDM Vol. 2 FCOM Table 3-21). */
function fcom(pops: number, quietNaN: boolean, isInt = false): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const b = d.nargs === 0 ? st(s, 1, ctx) : d.kind[0] === K.Mem ? readMemValue(c, d, isInt, ctx) : st(s, d.regNo[0], ctx);
    const a = st(s, 0, ctx);
    const r = f.compare(a, b, quietNaN, ctx);
    if (!raise(c, ctx)) {
      setCc(s, r);
      for (let i = 0; i < pops; i++) s.pop();
    }
    record(c, d);
  };
}

/** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF, PF, CF (SDM Vol. 2 FCOMI); OF, SF, AF cleared. */
function fcomi(pop: boolean, quietNaN: boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const a = st(s, 0, ctx);
    const b = st(s, d.regNo[1], ctx);
    const r = f.compare(a, b, quietNaN, ctx);
    if (!raise(c, ctx)) {
      let fl = 0;
      if (r === Cmp.Lt) fl = CF;
      else if (r === Cmp.Eq) fl = ZF;
      else if (r === Cmp.Un) fl = ZF | PF | CF;
      c.flags = (c.flags & ~(CF | PF | ZF | OF | SF_FLAG | AF)) | fl;
      if (pop) s.pop();
    }
    setC1(s, false);
    record(c, d);
  };
}

/** FCMOVcc: ST(0) ← ST(i) when the EFLAGS condition holds (SDM Vol. 2 FCMOVcc). */
function fcmov(cond: (fl: number) => boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    st(s, 0, ctx);
    const b = st(s, d.regNo[1], ctx);
    if (!raise(c, ctx)) {
      if ((ctx.flags & SF) !== 0) s.set(0, INDEFINITE);
      else if (cond(c.flags)) s.set(0, b);
    }
    setC1(s, false);
    record(c, d);
  };
}

// ---- loads and stores ----------------------------------------------------------------------

const fld: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const v = d.kind[0] === K.Mem ? readMemValue(c, d, false, ctx) : st(s, d.regNo[0], ctx);
  pushChecked(c, ctx, v);
  record(c, d);
};

const fild: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  pushChecked(c, ctx, readMemValue(c, d, true, ctx));
  record(c, d);
};

const fbld: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  pushChecked(c, ctx, f.fromBcd(readBytes(c, d.eaSeg, d.ea, 10)));
  record(c, d);
};

function writeLe(c: Cpu, d: Decoded, v: bigint, n: number): void {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  writeBytes(c, d.eaSeg, d.ea, out);
}

/** FST/FSTP to memory (m32/m64/m80) or to ST(i). */
function fst(pop: boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const v = st(s, 0, ctx);
    let ok = true;
    if (d.kind[0] === K.Mem) {
      const size = d.size[0];
      if (size === 10) {
        if (raise(c, ctx)) ok = false;
        else writeBytes(c, d.eaSeg, d.ea, storeReg80(v));
      } else {
        const bits = size === 4 ? f.toF32(v, ctx) : f.toF64(v, ctx);
        if (raise(c, ctx) || bits === undefined) ok = false;
        else if (size === 4) c.write32(d.eaSeg, d.ea, Number(bits));
        else writeLe(c, d, BigInt(bits), 8);
      }
    } else if (raise(c, ctx)) ok = false;
    else s.set(d.regNo[0], v);
    if (ok && pop) s.pop();
    setC1(s, ctx.c1);
    record(c, d);
  };
}

function fist(pop: boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const size = d.size[0];
    const v = f.toInt(st(s, 0, ctx), size * 8, ctx);
    if (!raise(c, ctx) && v !== undefined) {
      if (size === 2) c.write16(d.eaSeg, d.ea, Number(v & 0xffffn));
      else if (size === 4) c.write32(d.eaSeg, d.ea, Number(v & 0xffffffffn));
      else writeLe(c, d, v, 8);
      if (pop) s.pop();
    }
    setC1(s, ctx.c1);
    record(c, d);
  };
}

const fbstp: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const v = f.toBcd(st(s, 0, ctx), ctx);
  if (!raise(c, ctx) && v !== undefined) {
    writeBytes(c, d.eaSeg, d.ea, v);
    s.pop();
  }
  setC1(s, ctx.c1);
  record(c, d);
};

/** FLD1 and FLDZ: exact constants. */
function fldExact(v: F80): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    pushChecked(c, c.fpu.ctx(), v);
    record(c, d);
  };
}

/** FLDPI, FLDL2T, … (SDM Vol. 2 FLD1/FLDL2T/…): held to 68 bits and rounded under RC, as the 387 and later do. */
function fldConst(m: bigint, e: number): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const ctx = c.fpu.ctx();
    pushChecked(c, ctx, f.constant(m, e, ctx));
    record(c, d);
  };
}

// ---- one-operand ST(0) operations -----------------------------------------------------------

function unary(fn: (a: F80, ctx: FpCtx) => F80): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const r = fn(st(s, 0, ctx), ctx);
    if (!raise(c, ctx)) s.set(0, r);
    setC1(s, ctx.c1);
    record(c, d);
  };
}

/** FCHS/FABS: sign operations without exceptions other than stack underflow. */
function signOp(fn: (a: F80) => F80): SemFn {
  return unary((a, ctx) => ((ctx.flags & SF) !== 0 ? a : fn(a)));
}

const ftst: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const r = f.compare(st(s, 0, ctx), f.ZERO, false, ctx);
  if (!raise(c, ctx) || ctx.masked(IE)) setCc(s, r);
  record(c, d);
};

const fxam: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const v = s.get(0);
  const [c3, c2, c0] = f.examine(v, s.isEmpty(0));
  s.fsw &= ~FSW_CC;
  s.fsw |= (c3 ? FSW_C3 : 0) | (c2 ? FSW_C2 : 0) | (c0 ? FSW_C0 : 0) | (v.sign ? FSW_C1 : 0);
  record(c, d);
};

const fxch: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const i = d.regNo[0];
  const a = st(s, 0, ctx);
  const b = st(s, i, ctx);
  if (!raise(c, ctx)) {
    s.set(0, b);
    s.set(i, a);
  }
  setC1(s, false);
  record(c, d);
};

const ffree: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  c.fpu.free(d.regNo[0]);
  record(c, d);
};

function stepTop(delta: number): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    s.top = (s.top + delta) & 7;
    setC1(s, false);
    record(c, d);
  };
}

/** FPREM/FPREM1: C2 = incomplete, C0/C3/C1 = quotient bits 2/1/0 (SDM Vol. 2 FPREM). */
function fprem(ieee: boolean): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const r = f.remainder(st(s, 0, ctx), st(s, 1, ctx), ieee, ctx);
    if (!raise(c, ctx)) {
      s.set(0, r.value);
      s.fsw &= ~FSW_CC;
      if (r.partial) s.fsw |= FSW_C2;
      else s.fsw |= (r.q & 4 ? FSW_C0 : 0) | (r.q & 2 ? FSW_C3 : 0) | (r.q & 1 ? FSW_C1 : 0);
    }
    record(c, d);
  };
}

const fscale: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const r = f.scale(st(s, 0, ctx), st(s, 1, ctx), ctx);
  if (!raise(c, ctx)) s.set(0, r);
  setC1(s, ctx.c1);
  record(c, d);
};

const fxtract: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  const s = c.fpu;
  const ctx = s.ctx();
  const [e, m] = f.extract(st(s, 0, ctx), ctx);
  if (!canPush(s, ctx)) {
    raise(c, ctx);
    setC1(s, true);
    if (ctx.masked(IE)) {
      s.set(0, INDEFINITE);
      push(s, INDEFINITE);
    }
  } else if (!raise(c, ctx)) {
    s.set(0, e);
    push(s, m);
  }
  record(c, d);
};

// ---- transcendentals ------------------------------------------------------------------------

function trig(fn: 'sin' | 'cos'): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const a = st(s, 0, ctx);
    s.fsw &= ~FSW_C2;
    if (t.outOfTrigRange(a)) s.fsw |= FSW_C2;
    else {
      const r = t.trig(a, fn, ctx);
      if (!raise(c, ctx)) s.set(0, r);
    }
    setC1(s, false);
    record(c, d);
  };
}

/** FPTAN (push 1.0 after tan) and FSINCOS (ST(1) = sin, ST(0) = cos). */
function trigPush(kind: 'tan' | 'sincos'): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const a = st(s, 0, ctx);
    s.fsw &= ~FSW_C2;
    if (t.outOfTrigRange(a)) {
      s.fsw |= FSW_C2;
      record(c, d);
      return;
    }
    const first = t.trig(a, kind === 'tan' ? 'tan' : 'sin', ctx);
    const second = kind === 'tan' ? f.ONE : t.trig(a, 'cos', ctx);
    if (!canPush(s, ctx)) {
      raise(c, ctx);
      setC1(s, true);
      if (ctx.masked(IE)) {
        s.set(0, INDEFINITE);
        push(s, INDEFINITE);
      }
    } else if (!raise(c, ctx)) {
      s.set(0, first);
      push(s, (ctx.flags & IE) !== 0 && f.isNaN80(first) ? first : second);
      setC1(s, false);
    }
    record(c, d);
  };
}

/** ST(1) ← fn(ST(1), ST(0)), pop (FPATAN, FYL2X, FYL2XP1). */
function binaryPop(fn: (y: F80, x: F80, ctx: FpCtx) => F80): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Wait)) return;
    const s = c.fpu;
    const ctx = s.ctx();
    const x = st(s, 0, ctx);
    const y = st(s, 1, ctx);
    const r = fn(y, x, ctx);
    if (!raise(c, ctx)) {
      s.set(1, r);
      s.pop();
    }
    setC1(s, false);
    record(c, d);
  };
}

// ---- control ------------------------------------------------------------------------------

const fninit: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  c.fpu.fninit();
  updateEs(c);
};

const fnclex: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  c.fpu.fsw &= ~(0xff | FSW_B);
  updateEs(c);
};

const fldcw: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  // Bit 6 is reserved and reads as 1 on the 387 and later; bits 13–15 are reserved (SDM Vol. 1 Figure 8-6).
  c.fpu.fcw = (c.read16(d.eaSeg, d.ea) & 0x1f3f) | 0x40;
  updateEs(c);
};

const fnstcw: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  c.write16(d.eaSeg, d.ea, c.fpu.fcw);
};

const fnstsw: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  const v = c.fpu.status();
  if (d.kind[0] === K.Mem) c.write16(d.eaSeg, d.ea, v);
  else c.setReg16(0, v);
};

const fnstenv: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  storeEnv(c, d, false);
  // FSTENV then masks all exceptions (SDM Vol. 2 FSTENV).
  c.fpu.fcw |= 0x3f;
  updateEs(c);
};

// FLDENV and FRSTOR have no no-wait form: they check for a pending exception first.
const fldenv: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  loadEnv(c, d, false);
  updateEs(c);
};

const fnsave: SemFn = (c, d) => {
  if (!enter(c, d, Gate.NoWait)) return;
  storeEnv(c, d, true);
  c.fpu.fninit();
  updateEs(c);
};

const frstor: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  loadEnv(c, d, true);
  updateEs(c);
};

const fwait: SemFn = (c, d) => {
  enter(c, d, Gate.Fwait);
};

const fnop: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Wait)) return;
  record(c, d);
};

/** FXSAVE/FXRSTOR: #NM on EM or TS, no pending-exception check (SDM Vol. 2 FXSAVE). */
const fxsave: SemFn = (c, d) => {
  enter(c, d, Gate.NoWait);
  fxsaveImage(c, d);
};

const fxrstor: SemFn = (c, d) => {
  enter(c, d, Gate.NoWait);
  fxrstorImage(c, d);
  updateEs(c);
};

/** FENI/FDISI/FSETPM: no-ops from the 387 on, non-waiting. */
const fnNop: SemFn = (c, d) => {
  enter(c, d, Gate.NoWait);
};

// Constants to 68 bits with a sticky tail (value = m · 2^e).
const PI: [bigint, number] = [0xc90fdaa22168c234cn, -66];
const L2T: [bigint, number] = [0xd49a784bcd1b8afe4n, -66];
const L2E: [bigint, number] = [0xb8aa3b295c17f0bbbn, -67];
const LG2: [bigint, number] = [0x9a209a84fbcff7988n, -69];
const LN2: [bigint, number] = [0xb17217f7d1cf79abcn, -68];

const cmovCond = (mask: number, negate: boolean) => (fl: number) => ((fl & mask) !== 0) !== negate;

export const X87_SEMANTICS: { [mn: string]: SemFn } = {
  fadd: arith(OPS.add, false, false),
  fmul: arith(OPS.mul, false, false),
  fsub: arith(OPS.sub, false, false),
  fsubr: arith(OPS.subr, false, false),
  fdiv: arith(OPS.div, false, false),
  fdivr: arith(OPS.divr, false, false),
  faddp: arith(OPS.add, false, true),
  fmulp: arith(OPS.mul, false, true),
  fsubp: arith(OPS.sub, false, true),
  fsubrp: arith(OPS.subr, false, true),
  fdivp: arith(OPS.div, false, true),
  fdivrp: arith(OPS.divr, false, true),
  fiadd: arith(OPS.add, true, false),
  fimul: arith(OPS.mul, true, false),
  fisub: arith(OPS.sub, true, false),
  fisubr: arith(OPS.subr, true, false),
  fidiv: arith(OPS.div, true, false),
  fidivr: arith(OPS.divr, true, false),
  fcom: fcom(0, false),
  fcomp: fcom(1, false),
  fcompp: fcom(2, false),
  fucom: fcom(0, true),
  fucomp: fcom(1, true),
  fucompp: fcom(2, true),
  ficom: fcom(0, false, true),
  ficomp: fcom(1, false, true),
  fcomi: fcomi(false, false),
  fcomip: fcomi(true, false),
  fucomi: fcomi(false, true),
  fucomip: fcomi(true, true),
  fcmovb: fcmov(cmovCond(CF, false)),
  fcmove: fcmov(cmovCond(ZF, false)),
  fcmovbe: fcmov(cmovCond(CF | ZF, false)),
  fcmovu: fcmov(cmovCond(PF, false)),
  fcmovnb: fcmov(cmovCond(CF, true)),
  fcmovne: fcmov(cmovCond(ZF, true)),
  fcmovnbe: fcmov(cmovCond(CF | ZF, true)),
  fcmovnu: fcmov(cmovCond(PF, true)),
  fld,
  fild,
  fbld,
  fst: fst(false),
  fstp: fst(true),
  fist: fist(false),
  fistp: fist(true),
  fbstp,
  fld1: fldExact(f.ONE),
  fldz: fldExact(f.ZERO),
  fldpi: fldConst(...PI),
  fldl2t: fldConst(...L2T),
  fldl2e: fldConst(...L2E),
  fldlg2: fldConst(...LG2),
  fldln2: fldConst(...LN2),
  fchs: signOp(f.neg),
  fabs: signOp(f.abs),
  fsqrt: unary(f.sqrt),
  frndint: unary(f.roundToInt),
  ftst,
  fxam,
  fxch,
  ffree,
  fincstp: stepTop(1),
  fdecstp: stepTop(-1),
  fprem: fprem(false),
  fprem1: fprem(true),
  fscale,
  fxtract,
  fsin: trig('sin'),
  fcos: trig('cos'),
  fptan: trigPush('tan'),
  fsincos: trigPush('sincos'),
  fpatan: binaryPop(t.atan2),
  fyl2x: binaryPop(t.fyl2x),
  fyl2xp1: binaryPop(t.fyl2xp1),
  f2xm1: unary(t.f2xm1),
  fninit,
  fnclex,
  fldcw,
  fnstcw,
  fnstsw,
  fnstenv,
  fldenv,
  fnsave,
  frstor,
  fwait,
  fnop,
  fxsave,
  fxrstor,
  fneni: fnNop,
  fndisi: fnNop,
  fnsetpm: fnNop,
};
