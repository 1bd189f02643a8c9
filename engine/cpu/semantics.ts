/**
 * Per-mnemonic semantic functions over decoded operands.
 *
 * Each function receives the CPU and the decoded record, with (E)IP already
 * advanced past the instruction. Operands are read and written through
 * `c.rd(d, i)` / `c.wr(d, i, v)`, so one function serves every operand form
 * of its mnemonic (register, memory, immediate; 8/16/32-bit). Flag results
 * follow the Intel SDM Vol. 2 instruction pages; where the SDM leaves a flag
 * undefined we reproduce what the hardware vectors show where we know it.
 */
import { K, type Decoded, ES, CS, SS, DS } from './decoder.js';
import type { Cpu } from './cpu.js';
import { FAULT, PARITY, EX_DE, EX_BR, EX_UD, EX_GP, EX_BP, EX_OF, REP_CHUNK, ATTR_PRESENT, ATTR_BIG, ATTR_GRAN } from './faults.js';
import { CF, PF, AF, ZF, SF, IF, DF, OF, VM, RF } from './spec.js';
import { X87_SEMANTICS } from './x87/x87-semantics.js';
import { MMX_SEMANTICS } from './x87/mmx-semantics.js';

export type SemFn = (c: Cpu, d: Decoded) => void;

const SIGN = [0, 0x80, 0x8000, 0, 0x80000000];
const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

function szp(v: number, size: number): number {
  return (v & SIGN[size] ? SF : 0) | (v === 0 ? ZF : 0) | PARITY[v & 0xff];
}

const ARITH = OF | SF | ZF | AF | PF | CF;

function setArith(c: Cpu, f: number): void {
  c.flags = (c.flags & ~ARITH) | f;
}

/** ADD/ADC: returns result, sets flags. */
export function add(c: Cpu, a: number, b: number, carry: number, size: number): number {
  const m = MASK[size];
  const full = a + b + carry;
  const r = (full & m) >>> 0;
  let f = szp(r, size) | ((a ^ b ^ r) & AF);
  if (full > m) f |= CF;
  if (((a ^ r) & (b ^ r) & SIGN[size]) !== 0) f |= OF;
  setArith(c, f);
  return r;
}

/** SUB/SBB/CMP: returns result, sets flags. */
export function sub(c: Cpu, a: number, b: number, borrow: number, size: number): number {
  const m = MASK[size];
  const r = (a - b - borrow) & m;
  const rr = r >>> 0;
  let f = szp(rr, size) | ((a ^ b ^ rr) & AF);
  if (a < b + borrow) f |= CF;
  if (((a ^ b) & (a ^ rr) & SIGN[size]) !== 0) f |= OF;
  setArith(c, f);
  return rr;
}

function logic(c: Cpu, r: number, size: number): number {
  r = (r & MASK[size]) >>> 0;
  setArith(c, szp(r, size));
  return r;
}

function alu(op: number): SemFn {
  return (c, d) => {
    const size = d.size[0];
    const a = c.rd(d, 0);
    const b = c.rd(d, 1);
    let r: number;
    switch (op) {
      case 0:
        r = add(c, a, b, 0, size);
        break;
      case 1:
        r = logic(c, a | b, size);
        break;
      case 2:
        r = add(c, a, b, c.flags & CF, size);
        break;
      case 3:
        r = sub(c, a, b, c.flags & CF, size);
        break;
      case 4:
        r = logic(c, a & b, size);
        break;
      case 5:
        r = sub(c, a, b, 0, size);
        break;
      case 6:
        r = logic(c, a ^ b, size);
        break;
      default:
        sub(c, a, b, 0, size);
        return;
    }
    c.wr(d, 0, r);
  };
}

function cond(c: Cpu, cc: number): boolean {
  const f = c.flags;
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = (f & OF) !== 0;
      break;
    case 1:
      r = (f & CF) !== 0;
      break;
    case 2:
      r = (f & ZF) !== 0;
      break;
    case 3:
      r = (f & (CF | ZF)) !== 0;
      break;
    case 4:
      r = (f & SF) !== 0;
      break;
    case 5:
      r = (f & PF) !== 0;
      break;
    case 6:
      r = ((f & SF) !== 0) !== ((f & OF) !== 0);
      break;
    default:
      r = (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0);
  }
  return (cc & 1) !== 0 ? !r : r;
}

function ipMask(d: Decoded): number {
  return d.o32 ? 0xffffffff : 0xffff;
}

/** Near jump to a new (E)IP, with the CS limit check of the 286+. */
function jumpNear(c: Cpu, target: number): void {
  if (c.rank >= 2 && target > c.segLimit[CS]) c.fault(EX_GP, c.protectedMode ? 0 : -1);
  c.eip = target;
}

function jcc(cc: number): SemFn {
  return (c, d) => {
    if (cond(c, cc)) jumpNear(c, (c.eip + d.imm) & ipMask(d) >>> 0);
  };
}

function setcc(cc: number): SemFn {
  return (c, d) => c.wr(d, 0, cond(c, cc) ? 1 : 0);
}

function cmovcc(cc: number): SemFn {
  return (c, d) => {
    const v = c.rd(d, 1);
    if (cond(c, cc)) c.wr(d, 0, v);
  };
}

// ---- shifts and rotates ------------------------------------------------------

function shiftCount(c: Cpu, d: Decoded): number {
  const n = c.rd(d, 1) & 0xff;
  // SDM Vol. 2 SAL/SAR/SHL/SHR: the 8086 uses all 8 bits of the count; 80186+ mask to 5 bits.
  return c.rank === 0 ? n : n & 31;
}

function shift(kind: number): SemFn {
  return (c, d) => {
    const size = d.size[0];
    const bits = size * 8;
    const m = MASK[size];
    const sign = SIGN[size];
    let count = shiftCount(c, d);
    // The operand is read (and its limit checked) even when the count is 0; no flags change then.
    let v = c.rd(d, 0);
    if (count === 0) return;
    let f = c.flags;
    let cf = f & CF;
    switch (kind) {
      case 0: {
        // ROL
        for (let i = 0; i < count; i++) {
          cf = (v & sign) !== 0 ? 1 : 0;
          v = ((v << 1) | cf) & m;
        }
        v >>>= 0;
        const of = ((v & sign) !== 0 ? 1 : 0) ^ cf;
        f = (f & ~(CF | OF)) | cf | (of ? OF : 0);
        break;
      }
      case 1: {
        // ROR
        for (let i = 0; i < count; i++) {
          cf = v & 1;
          v = ((v >>> 1) | (cf ? sign : 0)) >>> 0;
        }
        const of = ((v >>> (bits - 1)) ^ (v >>> (bits - 2))) & 1;
        f = (f & ~(CF | OF)) | cf | (of ? OF : 0);
        break;
      }
      case 2: {
        // RCL
        if (c.rank >= 1) count %= bits + 1;
        for (let i = 0; i < count; i++) {
          const out = (v & sign) !== 0 ? 1 : 0;
          v = ((v << 1) | cf) & m;
          cf = out;
        }
        v >>>= 0;
        const of = ((v & sign) !== 0 ? 1 : 0) ^ cf;
        f = (f & ~(CF | OF)) | cf | (of ? OF : 0);
        break;
      }
      case 3: {
        // RCR
        if (c.rank >= 1) count %= bits + 1;
        for (let i = 0; i < count; i++) {
          const out = v & 1;
          v = ((v >>> 1) | (cf ? sign : 0)) >>> 0;
          cf = out;
        }
        const of = ((v >>> (bits - 1)) ^ (v >>> (bits - 2))) & 1;
        f = (f & ~(CF | OF)) | cf | (of ? OF : 0);
        break;
      }
      case 4:
      case 6: {
        // SHL/SAL
        let prev = v;
        for (let i = 0; i < count; i++) {
          prev = v;
          cf = (v & sign) !== 0 ? 1 : 0;
          v = (v << 1) & m;
        }
        v >>>= 0;
        const of = ((v & sign) !== 0 ? 1 : 0) ^ cf;
        f = (f & ~ARITH) | szp(v, size) | cf | (of ? OF : 0) | (c.rank <= 2 && (prev & 8) !== 0 ? AF : 0);
        break;
      }
      case 5: {
        // SHR
        let prev = v;
        for (let i = 0; i < count; i++) {
          prev = v;
          cf = v & 1;
          v = v >>> 1;
        }
        const of = (prev & sign) !== 0 ? OF : 0;
        f = (f & ~ARITH) | szp(v, size) | cf | of;
        break;
      }
      default: {
        // SAR
        const neg = (v & sign) !== 0;
        for (let i = 0; i < count; i++) {
          cf = v & 1;
          v = ((v >>> 1) | (neg ? sign : 0)) >>> 0;
        }
        f = (f & ~ARITH) | szp(v, size) | cf;
        break;
      }
    }
    c.wr(d, 0, v);
    c.flags = f;
  };
}

/** 8086 SETMO/SETMOC (D0.6–D3.6): destination becomes all ones, flags as for OR with all ones. */
const setmo: SemFn = (c, d) => {
  if (d.nargs > 1 && (c.r[1] & 0xff) === 0) return;
  const size = d.size[0];
  c.rd(d, 0);
  c.wr(d, 0, MASK[size]);
  setArith(c, szp(MASK[size], size));
};

// ---- multiply / divide ------------------------------------------------------

/** Unsigned 32×32 → 64 product as [lo, hi]. */
function mulu32(a: number, b: number, out: Uint32Array): void {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  out[0] = ((mid & 0xffff) << 16) | (ll & 0xffff);
  out[1] = hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000);
}
const MUL = new Uint32Array(2);

const mul: SemFn = (c, d) => {
  const size = d.size[0];
  const b = c.rd(d, 0);
  let hiNonZero: boolean;
  let lo: number;
  if (size === 1) {
    const p = (c.r[0] & 0xff) * b;
    c.setReg16(0, p);
    hiNonZero = p > 0xff;
    lo = p & 0xff;
  } else if (size === 2) {
    const p = (c.r[0] & 0xffff) * b;
    c.setReg16(0, p);
    c.setReg16(2, p >>> 16);
    hiNonZero = p > 0xffff;
    lo = p & 0xffff;
  } else {
    mulu32(c.r[0], b, MUL);
    c.r[0] = MUL[0];
    c.r[2] = MUL[1];
    hiNonZero = MUL[1] !== 0;
    lo = MUL[0];
  }
  // SF/ZF/PF are undefined (SDM); the 8086 leaves them from the low half, later parts likewise.
  setArith(c, (hiNonZero ? CF | OF : 0) | szp(lo, size) | (c.rank === 0 ? 0 : 0));
  if (c.rank === 0 && !hiNonZero) c.flags &= ~ZF;
};

/** Signed 32×32 → 64 product into MUL[0] (low), MUL[1] (high); returns true on overflow of the low half. */
function imul32(a: number, b: number): boolean {
  const sa = a | 0;
  const sb = b | 0;
  const neg = sa < 0 !== sb < 0;
  mulu32(Math.abs(sa) >>> 0, Math.abs(sb) >>> 0, MUL);
  if (neg) {
    const lo = (~MUL[0] + 1) >>> 0;
    MUL[1] = (~MUL[1] + (lo === 0 ? 1 : 0)) >>> 0;
    MUL[0] = lo;
  }
  return MUL[1] !== ((MUL[0] | 0) < 0 ? 0xffffffff : 0);
}

/** Signed product for 8/16-bit operands (exact in a double). */
function imulSmall(a: number, b: number, size: number): number {
  const sh = 32 - size * 8;
  return ((a << sh) >> sh) * ((b << sh) >> sh);
}

const imul: SemFn = (c, d) => {
  const size = d.size[0];
  if (d.nargs === 1) {
    const b = c.rd(d, 0);
    let ov: boolean;
    let lo: number;
    if (size === 4) {
      ov = imul32(c.r[0], b);
      c.r[0] = MUL[0];
      c.r[2] = MUL[1];
      lo = MUL[0];
    } else {
      let p = imulSmall(c.r[0] & MASK[size], b, size);
      // 8086 quirk: a REP prefix negates the product (SingleStepTests 8086 notes).
      if (c.rank === 0 && d.rep !== 0) p = -p;
      if (size === 1) {
        c.setReg16(0, p);
        ov = ((p << 24) >> 24) !== p;
        lo = p & 0xff;
      } else {
        c.setReg16(0, p);
        c.setReg16(2, p >> 16);
        ov = ((p << 16) >> 16) !== p;
        lo = p & 0xffff;
      }
    }
    setArith(c, (ov ? CF | OF : 0) | szp(lo >>> 0, size));
    if (c.rank === 0 && !ov) c.flags &= ~ZF;
    return;
  }
  const a = c.rd(d, 1);
  const b = d.nargs === 3 ? c.rd(d, 2) : c.rd(d, 0);
  let r: number;
  let ov: boolean;
  if (size === 4) {
    ov = imul32(a, b);
    r = MUL[0];
  } else {
    const p = imulSmall(a, b, size);
    r = (p & MASK[size]) >>> 0;
    const sh = 32 - size * 8;
    ov = ((r << sh) >> sh) !== p;
  }
  c.wr(d, 0, r);
  setArith(c, (ov ? CF | OF : 0) | szp(r, size));
};

function divide(signed: boolean): SemFn {
  return (c, d) => {
    const size = d.size[0];
    const b = c.rd(d, 0);
    if (b === 0) divError(c);
    // 8086 quirk: REP before IDIV negates the quotient (SingleStepTests 8086 notes).
    const negQ = c.rank === 0 && d.rep !== 0;
    if (size === 4) {
      const hi = BigInt(c.r[2]);
      const dividend = (hi << 32n) | BigInt(c.r[0]);
      if (!signed) {
        const q = dividend / BigInt(b);
        if (q > 0xffffffffn) divError(c);
        c.r[0] = Number(q);
        c.r[2] = Number(dividend % BigInt(b));
      } else {
        const sd = BigInt.asIntN(64, dividend);
        const sb = BigInt(b | 0);
        const q = sd / sb;
        if (q > 0x7fffffffn || q < -0x80000000n) divError(c);
        c.r[0] = Number(BigInt.asUintN(32, q));
        c.r[2] = Number(BigInt.asUintN(32, sd % sb));
      }
      return;
    }
    const bits = size * 8;
    let dividend: number;
    if (size === 1) dividend = c.r[0] & 0xffff;
    else dividend = ((c.r[2] & 0xffff) * 0x10000 + (c.r[0] & 0xffff)) >>> 0;
    let q: number;
    let r: number;
    if (!signed) {
      q = Math.floor(dividend / b);
      r = dividend % b;
      if (q > MASK[size]) divError(c);
    } else {
      const sd = size === 1 ? (dividend << 16) >> 16 : dividend | 0;
      const sb = (b << (32 - bits)) >> (32 - bits);
      q = Math.trunc(sd / sb);
      r = sd - q * sb;
      if (negQ) q = -q;
      // The 8086 faults on the most negative quotient as well (SingleStepTests 80286 notes).
      const min = c.rank === 0 ? -(SIGN[size] - 1) : -SIGN[size];
      if (q > SIGN[size] - 1 || q < min) divError(c);
    }
    if (size === 1) {
      c.setReg8(0, q);
      c.setReg8(4, r);
    } else {
      c.setReg16(0, q);
      c.setReg16(2, r);
    }
  };
}

function divError(c: Cpu): never {
  c.faultVector = EX_DE;
  c.faultCode = -1;
  // The 8086/8088 push the address of the next instruction; 286+ the faulting one.
  if (c.rank <= 1) {
    c.faultAfter = true;
    throw FAULT;
  }
  return c.fault(EX_DE, -1);
}

// ---- BCD --------------------------------------------------------------------

const daa: SemFn = (c) => {
  const al = c.r[0] & 0xff;
  const oldCf = c.flags & CF;
  const oldAf = c.flags & AF;
  let v = al;
  let f = 0;
  if ((al & 0xf) > 9 || oldAf) {
    v += 6;
    f |= AF;
    if (v > 0xff) f |= CF;
  }
  if (al > (c.rank === 0 && oldAf ? 0x9f : 0x99) || oldCf) {
    v += 0x60;
    f |= CF;
  }
  v &= 0xff;
  c.setReg8(0, v);
  const of = (~al & v & 0x80) !== 0 ? OF : 0;
  setArith(c, f | szp(v, 1) | of | oldCf);
};

const das: SemFn = (c) => {
  const al = c.r[0] & 0xff;
  const oldCf = c.flags & CF;
  const oldAf = c.flags & AF;
  let v = al;
  let f = 0;
  if ((al & 0xf) > 9 || oldAf) {
    v -= 6;
    f |= AF;
    // The 8086 takes CF from the high-nibble step only (SingleStepTests 8086 vectors).
    if (v < 0 && c.rank > 0) f |= CF;
  }
  if (al > (c.rank === 0 && oldAf ? 0x9f : 0x99) || oldCf) {
    v -= 0x60;
    f |= CF;
  }
  v &= 0xff;
  c.setReg8(0, v);
  const of = (al & ~v & 0x80) !== 0 ? OF : 0;
  setArith(c, f | szp(v, 1) | of | oldCf);
};

function asciiAdjust(addSub: number): SemFn {
  return (c) => {
    const al = c.r[0] & 0xff;
    const ah = (c.r[0] >> 8) & 0xff;
    if ((al & 0xf) > 9 || (c.flags & AF) !== 0) {
      let nal: number;
      let nah: number;
      if (c.rank >= 2) {
        const ax = ((ah << 8) | al) + addSub * 0x106;
        nal = ax & 0xff;
        nah = (ax >> 8) & 0xff;
      } else {
        nal = (al + addSub * 6) & 0xff;
        nah = (ah + addSub) & 0xff;
      }
      c.setReg8(0, nal & 0x0f);
      c.setReg8(4, nah);
      setArith(c, AF | CF | szp(nal, 1));
    } else {
      c.setReg8(0, al & 0x0f);
      setArith(c, szp(al, 1));
    }
  };
}

const aam: SemFn = (c, d) => {
  const base = d.imm & 0xff;
  if (base === 0) divError(c);
  const al = c.r[0] & 0xff;
  const q = Math.floor(al / base);
  const r = al % base;
  c.setReg8(4, q);
  c.setReg8(0, r);
  setArith(c, szp(r, 1));
};

const aad: SemFn = (c, d) => {
  const al = c.r[0] & 0xff;
  const ah = (c.r[0] >> 8) & 0xff;
  // Computed as an 8-bit ADD of AL and AH*imm; OF/AF/CF follow that add (undefined per SDM).
  const r = add(c, al, (ah * (d.imm & 0xff)) & 0xff, 0, 1);
  c.setReg16(0, r);
};

// ---- data movement ----------------------------------------------------------

const mov: SemFn = (c, d) => {
  if (d.kind[0] === K.Cr || d.kind[1] === K.Cr || d.kind[0] === K.Dr || d.kind[1] === K.Dr) {
    movSpecial(c, d);
    return;
  }
  if (d.kind[0] === K.Seg) {
    const s = d.regNo[0];
    if (c.rank >= 2 && (s === CS || s > 5 || (c.rank === 2 && s > 3))) c.fault(EX_UD, -1);
    c.wr(d, 0, c.rd(d, 1));
    return;
  }
  if (d.kind[1] === K.Seg) {
    if (c.rank >= 2 && (d.regNo[1] > 5 || (c.rank === 2 && d.regNo[1] > 3))) c.fault(EX_UD, -1);
    // SDM MOV: a segment register stored to a 32-bit register zero-extends (P6 and later; earlier parts leave the top undefined).
    if (d.kind[0] === K.Reg && d.o32) {
      c.r[d.regNo[0]] = c.seg[d.regNo[1]];
      return;
    }
    d.size[0] = 2;
  }
  c.wr(d, 0, c.rd(d, 1));
};

function movSpecial(c: Cpu, d: Decoded): void {
  c.checkCpl0();
  if (d.kind[0] === K.Cr) {
    c.mmu.writeCr(d.regNo[0], c.r[d.regNo[1]]);
  } else if (d.kind[1] === K.Cr) {
    c.r[d.regNo[0]] = c.mmu.readCr(d.regNo[1]);
  } else if (d.kind[0] === K.Dr) {
    c.dr[d.regNo[0]] = c.r[d.regNo[1]];
  } else {
    c.r[d.regNo[0]] = c.dr[d.regNo[1]];
  }
}

const xchg: SemFn = (c, d) => {
  const a = c.rd(d, 0);
  const b = c.rd(d, 1);
  c.wr(d, 0, b);
  c.wr(d, 1, a);
};

const lea: SemFn = (c, d) => {
  if (d.kind[1] !== K.Mem) {
    // LEA reg,reg: #UD on 186+ (decoder); the 8086 result is the last EA, which we do not track.
    return;
  }
  c.wr(d, 0, d.ea);
};

function loadFar(segReg: number): SemFn {
  return (c, d) => {
    if (d.kind[1] !== K.Mem) return;
    const size = d.o32 ? 4 : 2;
    const off = c.readSized(d.eaSeg, d.ea, size);
    const sel = c.read16(d.eaSeg, (d.ea + size) & c.addrMask(d));
    c.loadSeg(segReg, sel);
    c.wr(d, 0, off);
  };
}

const cbw: SemFn = (c, d) => {
  if (d.o32) c.r[0] = (c.r[0] << 16) >> 16;
  else c.setReg16(0, (c.r[0] << 24) >> 24);
};

const cwd: SemFn = (c, d) => {
  if (d.o32) c.r[2] = (c.r[0] | 0) < 0 ? 0xffffffff : 0;
  else c.setReg16(2, c.r[0] & 0x8000 ? 0xffff : 0);
};

const sahf: SemFn = (c) => {
  const mask = SF | ZF | AF | PF | CF;
  c.flags = (c.flags & ~mask) | ((c.r[0] >> 8) & mask);
};

const lahf: SemFn = (c) => {
  c.setReg8(4, c.getFlags() & 0xff);
};

const xlat: SemFn = (c, d) => {
  const s = d.seg >= 0 ? d.seg : DS;
  const off = ((d.a32 ? c.r[3] : c.r[3] & 0xffff) + (c.r[0] & 0xff)) & c.addrMask(d);
  c.setReg8(0, c.read8(s, off >>> 0));
};

const salc: SemFn = (c) => c.setReg8(0, c.flags & CF ? 0xff : 0);

const movzx: SemFn = (c, d) => c.wr(d, 0, c.rd(d, 1));
const movsx: SemFn = (c, d) => {
  const v = c.rd(d, 1);
  c.wr(d, 0, d.size[1] === 1 ? (v << 24) >> 24 : (v << 16) >> 16);
};

const bswap: SemFn = (c, d) => {
  const n = d.regNo[0];
  const v = c.r[n];
  c.r[n] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
};

// ---- stack ------------------------------------------------------------------

const push: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  if (d.kind[0] === K.Seg) {
    c.push(c.seg[d.regNo[0]], size);
    return;
  }
  if (d.kind[0] === K.Reg && d.regNo[0] === 4 && c.rank <= 1) {
    // 8086/80186 PUSH SP pushes the decremented value (SDM Vol. 2 PUSH, IA-32 compatibility note).
    const nsp = (c.r[4] - 2) & 0xffff;
    c.push(nsp, 2);
    return;
  }
  const v = c.rd(d, 0);
  c.push(v, size);
};

const pop: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  if (d.kind[0] === K.Seg) {
    const v = c.peek(0, size) & 0xffff;
    const s = d.regNo[0];
    c.loadSeg(s, v);
    c.pop(size);
    if (s === SS) c.shadow = true;
    return;
  }
  if (d.kind[0] === K.Mem) {
    const v = c.peek(0, size);
    // SDM POP: with ESP as base, the EA is computed after the increment.
    const oldSp = c.r[4];
    c.pop(size);
    if (d.eaBase === 4 && d.a32) d.ea = (d.ea + size) >>> 0;
    try {
      c.wr(d, 0, v);
    } catch (e) {
      c.r[4] = oldSp;
      throw e;
    }
    return;
  }
  const v = c.pop(size);
  c.wr(d, 0, v);
};

const pusha: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const sp = c.r[4];
  for (let i = 0; i < 8; i++) c.push(i === 4 ? sp : c.r[i], size);
};

const popa: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  for (let i = 7; i >= 0; i--) {
    const v = c.pop(size);
    if (i !== 4) c.setReg(i, size, v);
  }
};

const pushf: SemFn = (c, d) => {
  if (c.v86 && c.iopl < 3) c.fault(EX_GP, 0);
  const f = c.getFlags();
  c.push(d.o32 ? f & 0xfcffff : f & 0xffff, d.o32 ? 4 : 2);
};

const popf: SemFn = (c, d) => {
  if (c.v86 && c.iopl < 3) c.fault(EX_GP, 0);
  const size = d.o32 ? 4 : 2;
  const v = c.pop(size);
  // POPFD never loads VM or RF: VM keeps its value and RF is 0 afterwards (SDM Vol. 2
  // POPF, Table 4-16 and its note on RF; the 80386 manual: "VM and RF … are not affected").
  // Only IRETD restores RF from the stack (setFlags is shared with it).
  c.setFlags(size === 4 ? (v & ~(VM | RF)) | (c.flags & VM) : v, size);
  c.flags &= ~RF;
};

const enter: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const alloc = d.imm & 0xffff;
  const level = d.imm2 & 31;
  const big = c.stackBig;
  c.push(c.getReg(5, big ? 4 : 2), size);
  const frame = big ? c.r[4] : c.r[4] & 0xffff;
  if (level > 0) {
    let bp = big ? c.r[5] : c.r[5] & 0xffff;
    for (let i = 1; i < level; i++) {
      bp = (bp - size) & (big ? 0xffffffff : 0xffff);
      c.push(c.readSized(SS, bp >>> 0, size), size);
    }
    c.push(frame, size);
  }
  c.setReg(5, big ? 4 : 2, frame);
  c.setReg(4, big ? 4 : 2, ((big ? c.r[4] : c.r[4] & 0xffff) - alloc) >>> 0);
};

const leave: SemFn = (c, d) => {
  const big = c.stackBig;
  c.setReg(4, big ? 4 : 2, c.getReg(5, big ? 4 : 2));
  c.setReg(5, d.o32 ? 4 : 2, c.pop(d.o32 ? 4 : 2));
};

// ---- control transfer -------------------------------------------------------

const jmp: SemFn = (c, d) => {
  if (d.kind[0] === K.Rel) jumpNear(c, ((c.eip + d.imm) & ipMask(d)) >>> 0);
  else jumpNear(c, c.rd(d, 0));
};

const call: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const target = d.kind[0] === K.Rel ? ((c.eip + d.imm) & ipMask(d)) >>> 0 : c.rd(d, 0);
  if (c.rank >= 2 && target > c.segLimit[CS]) c.fault(EX_GP, c.protectedMode ? 0 : -1);
  c.push(c.eip, size);
  c.eip = target;
};

const ret: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const target = c.peek(0, size);
  if (c.rank >= 2 && target > c.segLimit[CS]) c.fault(EX_GP, c.protectedMode ? 0 : -1);
  c.pop(size);
  c.eip = target;
  if (d.nargs > 0) releaseStack(c, d.imm & 0xffff);
};

function releaseStack(c: Cpu, n: number): void {
  if (c.stackBig) c.r[4] = (c.r[4] + n) >>> 0;
  else c.setReg16(4, c.r[4] + n);
}

/** Far pointer operand (Ap or Mp) → [offset, selector]. */
function farTarget(c: Cpu, d: Decoded): [number, number] {
  if (d.kind[0] === K.Far) return [d.imm, d.imm2];
  if (d.kind[0] !== K.Mem) {
    // Register form of CALLF/JMPF: undefined. The 8086 uses the last EA; treat as #UD on 186+.
    if (c.rank >= 1) c.fault(EX_UD, -1);
    return [c.eip, c.seg[CS]];
  }
  const size = d.o32 ? 4 : 2;
  const off = c.readSized(d.eaSeg, d.ea, size);
  const sel = c.read16(d.eaSeg, (d.ea + size) & c.addrMask(d));
  return [off, sel];
}

const callf: SemFn = (c, d) => {
  const [off, sel] = farTarget(c, d);
  if (c.protectedMode && !c.v86) {
    c.mmu.farCall(sel, off, d.o32, c.eip);
    return;
  }
  const size = d.o32 ? 4 : 2;
  c.push(c.seg[CS], size);
  c.push(c.eip, size);
  if (c.rank >= 2 && off > c.segLimit[CS]) c.fault(EX_GP, -1);
  c.setCsReal(sel);
  c.eip = off;
};

const jmpf: SemFn = (c, d) => {
  const [off, sel] = farTarget(c, d);
  if (c.protectedMode && !c.v86) {
    c.mmu.farJump(sel, off, d.o32);
    return;
  }
  if (c.rank >= 2 && off > c.segLimit[CS]) c.fault(EX_GP, -1);
  c.setCsReal(sel);
  c.eip = off;
};

const retf: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const n = d.nargs > 0 ? d.imm & 0xffff : 0;
  if (c.protectedMode && !c.v86) {
    c.mmu.farReturn(d.o32, n);
    return;
  }
  const off = c.peek(0, size);
  const sel = c.peek(size, size) & 0xffff;
  if (c.rank >= 2 && off > c.segLimit[CS]) c.fault(EX_GP, -1);
  c.pop(size);
  c.pop(size);
  c.setCsReal(sel);
  c.eip = off;
  releaseStack(c, n);
};

/**
 * Software interrupt. Only INT n (CD ib) is IOPL-sensitive in virtual-8086 mode:
 * SDM Vol. 2 INT n/INTO/INT3/INT1, Operation, "IF (VM = 1 and IOPL < 3 AND INT n)
 * THEN #GP(0)". INT3 and INTO go through the IDT like INT n in protected mode, where
 * a gate DPL below CPL 3 raises #GP(vector * 8 + 2).
 */
function softInt(c: Cpu, vector: number, ioplSensitive: boolean): void {
  if (ioplSensitive && c.v86 && c.iopl < 3) c.fault(EX_GP, 0);
  c.interrupt(vector, c.eip, -1, true);
}

const int: SemFn = (c, d) => softInt(c, d.imm & 0xff, true);
const int3: SemFn = (c) => softInt(c, EX_BP, false);
const int1: SemFn = (c) => c.interrupt(1, c.eip, -1, false);
const into: SemFn = (c) => {
  if (c.flags & OF) softInt(c, EX_OF, false);
};

const iret: SemFn = (c, d) => {
  c.endNmi();
  if (c.protectedMode) {
    c.mmu.iretProtected(d.o32);
    return;
  }
  const size = d.o32 ? 4 : 2;
  const ip = c.peek(0, size);
  const cs = c.peek(size, size) & 0xffff;
  const fl = c.peek(size * 2, size);
  if (c.rank >= 2 && ip > c.segLimit[CS]) c.fault(EX_GP, -1);
  c.pop(size);
  c.pop(size);
  c.pop(size);
  c.setCsReal(cs);
  c.eip = ip;
  c.setFlags(fl, size);
};

function loopInsn(kind: number): SemFn {
  return (c, d) => {
    const am = c.addrMask(d);
    let taken: boolean;
    if (kind === 3) {
      taken = (c.r[1] & am) === 0;
    } else {
      const cx = ((c.r[1] & am) - 1) & am;
      if (d.a32) c.r[1] = cx;
      else c.setReg16(1, cx);
      taken = cx !== 0;
      if (kind === 0) taken = taken && (c.flags & ZF) === 0;
      else if (kind === 1) taken = taken && (c.flags & ZF) !== 0;
    }
    if (taken) jumpNear(c, ((c.eip + d.imm) & ipMask(d)) >>> 0);
  };
}

const bound: SemFn = (c, d) => {
  const size = d.o32 ? 4 : 2;
  const idx = c.rd(d, 0);
  const lo = c.readSized(d.eaSeg, d.ea, size);
  const hi = c.readSized(d.eaSeg, (d.ea + size) & c.addrMask(d), size);
  const sh = 32 - size * 8;
  const si = (idx << sh) >> sh;
  if (si < (lo << sh) >> sh || si > (hi << sh) >> sh) c.fault(EX_BR, -1);
};

// ---- flags ------------------------------------------------------------------

const flagOp = (clear: number, set: number, toggle = 0): SemFn => (c) => {
  c.flags = ((c.flags & ~clear) | set) ^ toggle;
};

const cli: SemFn = (c) => {
  c.checkIopl();
  c.flags &= ~IF;
};
const sti: SemFn = (c) => {
  c.checkIopl();
  if ((c.flags & IF) === 0) c.shadow = true;
  c.flags |= IF;
};

// ---- string instructions ----------------------------------------------------

/**
 * Run a string primitive under the REP prefix rules (SDM Vol. 2 REP/REPE/REPNE):
 * at most REP_CHUNK iterations per retired step; with iterations left, EIP is
 * rewound so the instruction re-executes.
 */
function stringOp(body: (c: Cpu, d: Decoded, size: number, step: number, am: number) => void, usesZf: boolean): SemFn {
  return (c, d) => {
    const size = d.kind[0] === K.StrSrc || d.kind[0] === K.StrDst ? d.size[0] : d.size[1];
    const step = c.flags & DF ? -size : size;
    const am = c.addrMask(d);
    if (d.rep === 0) {
      body(c, d, size, step, am);
      return;
    }
    let n = 0;
    while ((c.r[1] & am) !== 0) {
      body(c, d, size, step, am);
      const cx = ((c.r[1] & am) - 1) & am;
      if (d.a32) c.r[1] = cx;
      else c.setReg16(1, cx);
      if (usesZf) {
        const zf = (c.flags & ZF) !== 0;
        if (d.rep === 0xf3 ? !zf : zf) return;
      }
      if (++n >= REP_CHUNK && (c.r[1] & am) !== 0) {
        c.eip = d.start;
        return;
      }
    }
  };
}

function advance(c: Cpu, reg: number, step: number, am: number): void {
  const v = ((c.r[reg] & am) + step) & am;
  if (am === 0xffff) c.setReg16(reg, v);
  else c.r[reg] = v >>> 0;
}

function srcSeg(d: Decoded): number {
  return d.seg >= 0 ? d.seg : DS;
}

/**
 * 80286 real mode detects a word access at offset FFFF (segment overrun) one
 * bus cycle late: the index register of the faulting access has already
 * advanced when interrupt 13 is taken, and under REP the count has been
 * decremented `cxDec` times for the faulting iteration (1 after a read, 2
 * after a write, 0 when CMPS faults on its first, ES:DI, read). Measured on
 * the SingleStepTests 80286 vectors; later CPUs fault cleanly.
 */
function lateOverrun(c: Cpu, d: Decoded, reg: number, step: number, am: number, cxDec: number): void {
  if (c.rank !== 2 || c.protectedMode) return;
  advance(c, reg, step, am);
  if (d.rep !== 0) {
    const cx = ((c.r[1] & am) - cxDec) & am;
    if (d.a32) c.r[1] = cx;
    else c.setReg16(1, cx);
  }
}

const movs = stringOp((c, d, size, step, am) => {
  let v: number;
  try {
    v = c.readSized(srcSeg(d), (c.r[6] & am) >>> 0, size);
  } catch (e) {
    lateOverrun(c, d, 6, step, am, 1);
    throw e;
  }
  try {
    c.writeSized(ES, (c.r[7] & am) >>> 0, size, v);
  } catch (e) {
    // Only the 286's late overrun leaves SI advanced; a fault on the store (#PF) leaves
    // both index registers at the faulting element (SDM Vol. 3 §6.5).
    if (c.rank === 2 && !c.protectedMode) advance(c, 6, step, am);
    lateOverrun(c, d, 7, step, am, 2);
    throw e;
  }
  advance(c, 6, step, am);
  advance(c, 7, step, am);
}, false);

const cmps = stringOp((c, d, size, step, am) => {
  // The 286 reads ES:[DI] first (its late-overrun behaviour shows the order).
  let b: number;
  try {
    b = c.readSized(ES, (c.r[7] & am) >>> 0, size);
  } catch (e) {
    lateOverrun(c, d, 7, step, am, 0);
    throw e;
  }
  let a: number;
  try {
    a = c.readSized(srcSeg(d), (c.r[6] & am) >>> 0, size);
  } catch (e) {
    // As for MOVS: DI already stepped only in the 286's late overrun.
    if (c.rank === 2 && !c.protectedMode) advance(c, 7, step, am);
    lateOverrun(c, d, 6, step, am, 1);
    throw e;
  }
  sub(c, a, b, 0, size);
  advance(c, 6, step, am);
  advance(c, 7, step, am);
}, true);

const stos = stringOp((c, d, size, step, am) => {
  try {
    c.writeSized(ES, (c.r[7] & am) >>> 0, size, c.getReg(0, size));
  } catch (e) {
    lateOverrun(c, d, 7, step, am, 2);
    throw e;
  }
  advance(c, 7, step, am);
}, false);

const lods = stringOp((c, d, size, step, am) => {
  try {
    c.setReg(0, size, c.readSized(srcSeg(d), (c.r[6] & am) >>> 0, size));
  } catch (e) {
    lateOverrun(c, d, 6, step, am, 1);
    throw e;
  }
  advance(c, 6, step, am);
}, false);

const scas = stringOp((c, d, size, step, am) => {
  let b: number;
  try {
    b = c.readSized(ES, (c.r[7] & am) >>> 0, size);
  } catch (e) {
    lateOverrun(c, d, 7, step, am, 1);
    throw e;
  }
  sub(c, c.getReg(0, size), b, 0, size);
  advance(c, 7, step, am);
}, true);

const ins = stringOp((c, d, size, step, am) => {
  const port = c.r[2] & 0xffff;
  c.mmu.checkIo(port, size);
  const off = (c.r[7] & am) >>> 0;
  // The destination (segment and page) is checked before the port is read, so a fault does not consume input.
  try {
    c.checkWrite(ES, off, size);
  } catch (e) {
    lateOverrun(c, d, 7, step, am, 2);
    throw e;
  }
  const v = size === 1 ? c.io.read8(port) : size === 2 ? c.io.read16(port) : c.io.read32(port);
  c.writeSized(ES, off, size, v);
  advance(c, 7, step, am);
}, false);

const outs = stringOp((c, d, size, step, am) => {
  const port = c.r[2] & 0xffff;
  c.mmu.checkIo(port, size);
  let v: number;
  try {
    v = c.readSized(srcSeg(d), (c.r[6] & am) >>> 0, size);
  } catch (e) {
    lateOverrun(c, d, 6, step, am, 1);
    throw e;
  }
  if (size === 1) c.io.write8(port, v);
  else if (size === 2) c.io.write16(port, v);
  else c.io.write32(port, v);
  advance(c, 6, step, am);
}, false);

// ---- I/O --------------------------------------------------------------------

const inp: SemFn = (c, d) => {
  const port = d.kind[1] === K.Imm ? d.imm & 0xff : c.r[2] & 0xffff;
  const size = d.size[0];
  c.mmu.checkIo(port, size);
  c.wr(d, 0, size === 1 ? c.io.read8(port) : size === 2 ? c.io.read16(port) : c.io.read32(port));
};

const outp: SemFn = (c, d) => {
  const port = d.kind[0] === K.Imm ? d.imm & 0xff : c.r[2] & 0xffff;
  const size = d.size[1];
  c.mmu.checkIo(port, size);
  const v = c.rd(d, 1);
  if (size === 1) c.io.write8(port, v);
  else if (size === 2) c.io.write16(port, v);
  else c.io.write32(port, v);
};

// ---- misc ---------------------------------------------------------------------

const hlt: SemFn = (c) => {
  c.checkCpl0();
  c.halted = true;
};

const esc: SemFn = (c, d) => {
  // No FPU: with CR0.EM set the ESC opcodes raise #NM (SDM Vol. 3 §2.5); otherwise
  // the CPU only performs the operand's address calculation and access check.
  if (c.rank >= 2 && (c.cr0 & 0xc) !== 0) c.fault(7, -1);
  if (d.kind[0] === K.Mem && c.rank >= 2) c.lin(d.eaSeg, d.ea, 2);
};

const incdec = (delta: number): SemFn => (c, d) => {
  const size = d.size[0];
  const cf = c.flags & CF;
  const v = c.rd(d, 0);
  const r = delta > 0 ? add(c, v, 1, 0, size) : sub(c, v, 1, 0, size);
  c.flags = (c.flags & ~CF) | cf;
  c.wr(d, 0, r);
};

const test: SemFn = (c, d) => {
  logic(c, c.rd(d, 0) & c.rd(d, 1), d.size[0]);
};

const not: SemFn = (c, d) => c.wr(d, 0, ~c.rd(d, 0) & MASK[d.size[0]]);

const neg: SemFn = (c, d) => {
  const v = c.rd(d, 0);
  c.wr(d, 0, sub(c, 0, v, 0, d.size[0]));
};

// ---- 386+ bit operations -------------------------------------------------------

function bitOp(kind: number): SemFn {
  return (c, d) => {
    const size = d.size[0];
    const bits = size * 8;
    let bit = c.rd(d, 1);
    let v: number;
    if (d.kind[0] === K.Mem && d.kind[1] !== K.Imm) {
      // Register bit offset addresses memory beyond the operand (SDM BT: signed offset).
      const sh = 32 - bits;
      const sbit = (bit << sh) >> sh;
      const byteOff = Math.floor(sbit / bits) * size;
      const ea = (d.ea + byteOff) & c.addrMask(d);
      bit = sbit & (bits - 1);
      v = c.readSized(d.eaSeg, ea >>> 0, size);
      const m = 1 << bit;
      c.flags = (c.flags & ~CF) | ((v & m) !== 0 ? CF : 0);
      if (kind === 0) return;
      const nv = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
      c.writeSized(d.eaSeg, ea >>> 0, size, nv >>> 0);
      return;
    }
    bit &= bits - 1;
    v = c.rd(d, 0);
    const m = (1 << bit) >>> 0;
    c.flags = (c.flags & ~CF) | ((v & m) !== 0 ? CF : 0);
    if (kind === 0) return;
    const nv = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
    c.wr(d, 0, nv >>> 0);
  };
}

const bsf: SemFn = (c, d) => {
  const v = c.rd(d, 1);
  if (v === 0) {
    c.flags |= ZF;
    return;
  }
  c.flags &= ~ZF;
  c.wr(d, 0, 31 - Math.clz32(v & -v));
};

const bsr: SemFn = (c, d) => {
  const v = c.rd(d, 1);
  if (v === 0) {
    c.flags |= ZF;
    return;
  }
  c.flags &= ~ZF;
  c.wr(d, 0, 31 - Math.clz32(v));
};

function shxd(left: boolean): SemFn {
  return (c, d) => {
    const size = d.size[0];
    const bits = size * 8;
    const count = (d.kind[2] === K.Imm ? d.imm : c.r[1]) & 31;
    // As for the other shifts, the destination is read (limit and page checks, accessed
    // flag) even when the count is 0; only the store and the flags are skipped then.
    const a = c.rd(d, 0);
    if (count === 0) return;
    const b = c.rd(d, 1);
    let r: number;
    let cf: number;
    if (size === 4) {
      if (left) {
        r = ((a << count) | (b >>> (32 - count))) >>> 0;
        cf = (a >>> (32 - count)) & 1;
      } else {
        r = ((a >>> count) | (b << (32 - count))) >>> 0;
        cf = (a >>> (count - 1)) & 1;
      }
    } else {
      // 16-bit with count > 16 is undefined; use a 32-bit concatenation (as the 386 does).
      if (left) {
        const cat = ((a << 16) | b) >>> 0;
        const w = count <= 16 ? (cat << count) >>> 0 : ((cat << count) | (b << (count - 16))) >>> 0;
        r = w >>> 16;
        cf = count <= 16 ? (cat >>> (32 - count)) & 1 : (b >>> (32 - count)) & 1;
      } else {
        const cat = ((b << 16) | a) >>> 0;
        const w = count <= 16 ? cat >>> count : ((cat >>> count) | (a << (32 - count))) >>> 0;
        r = w & 0xffff;
        cf = (cat >>> (count - 1)) & 1;
      }
    }
    r = (r & MASK[size]) >>> 0;
    const of = ((r ^ a) & SIGN[size]) !== 0 ? OF : 0;
    setArith(c, szp(r, size) | cf | of);
    void bits;
    c.wr(d, 0, r);
  };
}

const cmpxchg: SemFn = (c, d) => {
  const size = d.size[0];
  const dest = c.rd(d, 0);
  const acc = c.getReg(0, size);
  sub(c, acc, dest, 0, size);
  if (acc === dest) c.wr(d, 0, c.rd(d, 1));
  else {
    // The destination is written back unchanged (locked read-modify-write cycle).
    c.wr(d, 0, dest);
    c.setReg(0, size, dest);
  }
};

const xadd: SemFn = (c, d) => {
  const size = d.size[0];
  const a = c.rd(d, 0);
  const b = c.rd(d, 1);
  const r = add(c, a, b, 0, size);
  // A memory destination is stored first, so a fault on the store leaves the source register alone (SDM Vol. 3 §6.5).
  if (d.kind[0] === K.Mem) {
    c.wr(d, 0, r);
    c.wr(d, 1, a);
    return;
  }
  c.wr(d, 1, a);
  c.wr(d, 0, r);
};

const cmpxchg8b: SemFn = (c, d) => {
  const lo = c.read32(d.eaSeg, d.ea);
  const hi = c.read32(d.eaSeg, (d.ea + 4) >>> 0);
  // The 8-byte store is one access: check it whole before writing either half (no partial write on #PF).
  c.checkWrite(d.eaSeg, d.ea, 8);
  if (lo === c.r[0] && hi === c.r[2]) {
    c.write32(d.eaSeg, d.ea, c.r[3]);
    c.write32(d.eaSeg, (d.ea + 4) >>> 0, c.r[1]);
    c.flags |= ZF;
  } else {
    c.write32(d.eaSeg, d.ea, lo);
    c.write32(d.eaSeg, (d.ea + 4) >>> 0, hi);
    c.r[0] = lo;
    c.r[2] = hi;
    c.flags &= ~ZF;
  }
};

const cpuid: SemFn = (c) => c.mmu.cpuid();
const rdtsc: SemFn = (c) => {
  if ((c.cr4 & 4) !== 0 && c.cpl !== 0 && c.protectedMode) c.fault(EX_GP, 0);
  const t = c.mmu.readMsr(0x10);
  c.r[0] = Number(t & 0xffffffffn);
  c.r[2] = Number((t >> 32n) & 0xffffffffn);
};
const rdmsr: SemFn = (c) => {
  c.checkCpl0();
  const v = c.mmu.readMsr(c.r[1]);
  c.r[0] = Number(v & 0xffffffffn);
  c.r[2] = Number((v >> 32n) & 0xffffffffn);
};
const wrmsr: SemFn = (c) => {
  c.checkCpl0();
  c.mmu.writeMsr(c.r[1], (BigInt(c.r[2]) << 32n) | BigInt(c.r[0]));
};

/**
 * SYSENTER / SYSEXIT (SDM Vol. 2B): CS and SS are loaded with fixed flat
 * descriptors derived from IA32_SYSENTER_CS (MSR 174h), not read from the GDT.
 */
function loadFlatCsSs(c: Cpu, cs: number, dpl: number): void {
  const attr = ATTR_PRESENT | (dpl << 5) | 0x10 | ATTR_BIG | ATTR_GRAN;
  c.seg[CS] = cs;
  c.segBase[CS] = 0;
  c.segLimit[CS] = 0xffffffff;
  c.segAttr[CS] = attr | 0x0b; // execute/read, accessed
  c.seg[SS] = (cs + 8) & 0xffff;
  c.segBase[SS] = 0;
  c.segLimit[SS] = 0xffffffff;
  c.segAttr[SS] = attr | 0x03; // read/write, accessed
  c.cpl = dpl;
}
const sysenter: SemFn = (c) => {
  const cs = Number(c.mmu.readMsr(0x174) & 0xffffn);
  if (!c.protectedMode || (cs & 0xfffc) === 0) c.fault(EX_GP, 0);
  c.flags &= ~(VM | IF | RF);
  loadFlatCsSs(c, cs & 0xfffc, 0);
  c.r[4] = Number(c.mmu.readMsr(0x175) & 0xffffffffn);
  c.eip = Number(c.mmu.readMsr(0x176) & 0xffffffffn);
};
const sysexit: SemFn = (c) => {
  const cs = Number(c.mmu.readMsr(0x174) & 0xffffn);
  if (!c.protectedMode || (cs & 0xfffc) === 0) c.fault(EX_GP, 0);
  // CS = SYSENTER_CS + 16, SS = SYSENTER_CS + 24, both with RPL 3.
  loadFlatCsSs(c, ((cs & 0xfffc) + 16) | 3, 3);
  c.seg[SS] = ((cs & 0xfffc) + 24) | 3;
  c.r[4] = c.r[1];
  c.eip = c.r[2];
};

const ud: SemFn = (c) => c.fault(EX_UD, -1);

// ---- system (protected-mode) instructions, delegated to the MMU module ---------

const sys = (name: string): SemFn => (c, d) => c.mmu.system(name, d);

export const SEMANTICS: { [mn: string]: SemFn } = {
  ...X87_SEMANTICS,
  ...MMX_SEMANTICS,
  nop: () => {},
  // WAIT with CR0.MP and CR0.TS set raises #NM (SDM Vol. 3 §2.5); otherwise no FPU to wait for.
  wait: (c) => {
    if (c.rank >= 2 && (c.cr0 & 0xa) === 0xa) c.fault(7, -1);
  },
  add: alu(0),
  or: alu(1),
  adc: alu(2),
  sbb: alu(3),
  and: alu(4),
  sub: alu(5),
  xor: alu(6),
  cmp: alu(7),
  inc: incdec(1),
  dec: incdec(-1),
  test,
  not,
  neg,
  mul,
  imul,
  div: divide(false),
  idiv: divide(true),
  daa,
  das,
  aaa: asciiAdjust(1),
  aas: asciiAdjust(-1),
  aam,
  aad,
  rol: shift(0),
  ror: shift(1),
  rcl: shift(2),
  rcr: shift(3),
  shl: shift(4),
  shr: shift(5),
  sal: shift(6),
  sar: shift(7),
  setmo,
  setmoc: setmo,
  mov,
  xchg,
  lea,
  les: loadFar(ES),
  lds: loadFar(DS),
  lss: loadFar(SS),
  lfs: loadFar(4),
  lgs: loadFar(5),
  cbw,
  cwd,
  sahf,
  lahf,
  xlat,
  salc,
  movzx,
  movsx,
  bswap,
  push,
  pop,
  pusha,
  popa,
  pushf,
  popf,
  enter,
  leave,
  jmp,
  call,
  ret,
  callf,
  jmpf,
  retf,
  int,
  int3,
  int1,
  into,
  iret,
  loopne: loopInsn(0),
  loope: loopInsn(1),
  loop: loopInsn(2),
  jcxz: loopInsn(3),
  bound,
  clc: flagOp(CF, 0),
  stc: flagOp(0, CF),
  cmc: flagOp(0, 0, CF),
  cld: flagOp(DF, 0),
  std: flagOp(0, DF),
  cli,
  sti,
  movs,
  cmps,
  stos,
  lods,
  scas,
  ins,
  outs,
  in: inp,
  out: outp,
  hlt,
  esc,
  bt: bitOp(0),
  bts: bitOp(1),
  btr: bitOp(2),
  btc: bitOp(3),
  bsf,
  bsr,
  shld: shxd(true),
  shrd: shxd(false),
  cmpxchg,
  xadd,
  cmpxchg8b,
  cpuid,
  rdtsc,
  rdmsr,
  wrmsr,
  sysenter,
  sysexit,
  ud2: ud,
  sldt: sys('sldt'),
  str: sys('str'),
  lldt: sys('lldt'),
  ltr: sys('ltr'),
  verr: sys('verr'),
  verw: sys('verw'),
  sgdt: sys('sgdt'),
  sidt: sys('sidt'),
  lgdt: sys('lgdt'),
  lidt: sys('lidt'),
  smsw: sys('smsw'),
  lmsw: sys('lmsw'),
  invlpg: sys('invlpg'),
  lar: sys('lar'),
  lsl: sys('lsl'),
  clts: sys('clts'),
  arpl: sys('arpl'),
  invd: () => {},
  wbinvd: () => {},
};

/**
 * Read-modify-write forms compute their flags before they store the result; when the
 * store faults (a page the load could read but not write: read-only at CPL 3, or with
 * CR0.WP at CPL 0, SDM Vol. 3 §4.6) EFLAGS must be as before the instruction, since a
 * fault restores the state prior to the faulting instruction (SDM Vol. 3 §6.5).
 */
function flagsUndoneOnFault(fn: SemFn): SemFn {
  return (c, d) => {
    if (d.kind[0] !== K.Mem) {
      fn(c, d);
      return;
    }
    const flags = c.flags;
    try {
      fn(c, d);
    } catch (e) {
      c.flags = flags;
      throw e;
    }
  };
}
for (const mn of ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'inc', 'dec', 'neg', 'rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar', 'shld', 'shrd', 'bts', 'btr', 'btc', 'xadd', 'cmpxchg']) {
  const fn = SEMANTICS[mn];
  if (fn === undefined) throw new Error(`no semantics for ${mn}`);
  SEMANTICS[mn] = flagsUndoneOnFault(fn);
}

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
CC.forEach((n, i) => {
  SEMANTICS['j' + n] = jcc(i);
  SEMANTICS['set' + n] = setcc(i);
  SEMANTICS['cmov' + n] = cmovcc(i);
});

