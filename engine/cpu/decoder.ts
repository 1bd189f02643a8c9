/**
 * Instruction decoder, derived from the spec table (`spec.ts`).
 *
 * For each CPU model the rows that model executes are folded into a flat
 * `Int16Array` indexed by (opcode << 3 | ModRM.reg): forms without a `reg`
 * extension fill all eight slots. ModRM forms with mod = 3 are looked up in a
 * second table indexed by (opcode << 6 | reg << 3 | rm), because the x87 ESC
 * opcodes select a different instruction per r/m there (D9 E8 = FLD1). A slot
 * of -1 is an undefined opcode (#UD on the 80186 and later; the 8086 has no
 * invalid opcodes, see `decode`).
 *
 * Decoding writes into one preallocated `Decoded` record: prefixes, the row,
 * ModRM fields, the effective-address components and the immediates. Nothing is
 * allocated per instruction.
 */
import { INSN_SPECS, modelRank, specExists, type CpuModel, type InsnSpec } from './spec.js';

/** Operand kinds after decoding (Decoded.kind). */
export const enum K {
  None = 0,
  Reg = 1,
  Mem = 2,
  Imm = 3,
  Seg = 4,
  Cr = 5,
  Dr = 6,
  Tr = 7,
  Rel = 8,
  Far = 9,
  StrSrc = 10,
  StrDst = 11,
  /** x87 stack register ST(regNo) (relative to TOP). */
  St = 12,
  /** MMX register MM(regNo). */
  Mm = 13,
}

// Segment register numbers (ModRM sreg encoding, SDM Vol. 2 §3.1.1.3).
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

/** Why decoding stopped without a valid form. */
export const enum DecodeFault {
  None = 0,
  Undefined = 1,
  TooLong = 2,
}

export class Decoded {
  spec: InsnSpec = INSN_SPECS[0];
  specIndex = 0;
  /** Offset of the first byte (first prefix) in CS. */
  start = 0;
  len = 0;
  /** Segment override (ES..GS) or -1. */
  seg = -1;
  /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE). */
  rep = 0;
  lock = false;
  o32 = false;
  a32 = false;
  op = 0;
  hasModrm = false;
  mod = 0;
  reg = 0;
  rm = 0;
  /** Effective-address components (for a future translator) and the computed offset. */
  eaBase = -1;
  eaIndex = -1;
  eaScale = 0;
  eaDisp = 0;
  eaSeg = DS;
  ea = 0;
  /** The instruction has a memory operand whose offset `ea` is recomputed from the components on reuse. */
  hasEa = false;
  /** Raw bytes, kept for decoded-instruction cache validation. */
  readonly bytes = new Uint8Array(16);
  imm = 0;
  imm2 = 0;
  nargs = 0;
  readonly kind = new Uint8Array(3);
  readonly size = new Uint8Array(3);
  /** Register number for Reg/Seg/Cr/Dr operands. */
  readonly regNo = new Uint8Array(3);
  fault: DecodeFault = DecodeFault.None;
}

/** Reads code bytes and registers; implemented by the CPU. */
export interface DecodeHost {
  /** Byte at CS:offset (may raise a fault by throwing the CPU's fault sentinel). */
  fetchCode(offset: number): number;
  reg32(n: number): number;
  /** Default operand/address size of the code segment (D bit). */
  readonly codeBig: boolean;
}

export interface ModelTables {
  readonly model: CpuModel;
  readonly slots: Int16Array;
  /** Register forms (ModRM mod = 3): index (opcode << 6 | reg << 3 | rm). */
  readonly regSlots: Int16Array;
  readonly prefix: Uint8Array;
  /** Non-zero when some form of the opcode takes a ModRM byte. */
  readonly modrm: Uint8Array;
  readonly rank: number;
  /** Maximum instruction length in bytes (Infinity on the 8086/80186). */
  readonly maxLen: number;
}

/** Forms whose r/m operand is always a register (MOV to/from CRn ignores mod). */
const RM_IS_REG = Uint8Array.from(INSN_SPECS, (s) => (s.args.some((a) => a[0] === 'R') ? 1 : 0));

const tableCache = new Map<CpuModel, ModelTables>();

export function modelTables(model: CpuModel): ModelTables {
  const cached = tableCache.get(model);
  if (cached) return cached;
  const slots = new Int16Array(512 * 8).fill(-1);
  const regSlots = new Int16Array(512 * 64).fill(-1);
  const prefix = new Uint8Array(256);
  const modrm = new Uint8Array(512);
  const rank = modelRank(model);
  INSN_SPECS.forEach((s, i) => {
    if (!specExists(s, model)) return;
    if (s.prefix) {
      prefix[s.op] = 1;
      return;
    }
    if (s.modrm) modrm[s.op] = 1;
    // The 8086 checks no mod restriction (see decode), so its forms fill both tables.
    const mem = s.modForm !== 1 || rank === 0;
    const reg = s.modForm !== 2 || rank === 0;
    for (let r = 0; r < 8; r++) {
      if (s.ext >= 0 && r !== s.ext) continue;
      if (mem) slots[(s.op << 3) | r] = i;
      if (reg && s.modrm) for (let m = 0; m < 8; m++) if (s.rm < 0 || m === s.rm) regSlots[(s.op << 6) | (r << 3) | m] = i;
    }
  });
  // SDM Vol. 3 §2.x: instructions longer than 15 bytes raise an exception on the 386+;
  // the 80286 limit is 10 bytes (SingleStepTests 80286 notes).
  const maxLen = rank >= 3 ? 15 : rank === 2 ? 10 : Infinity;
  const t: ModelTables = { model, slots, regSlots, prefix, modrm, rank, maxLen };
  tableCache.set(model, t);
  return t;
}

const RM16_BASE = [3, 3, 5, 5, 6, 7, 5, 3]; // BX BX BP BP SI DI BP BX
const RM16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1]; // SI DI SI DI

/** Operand types after compiling the spec's operand strings (see `compileArgs`). */
const enum A {
  E = 1,
  M,
  R,
  G,
  S,
  C,
  D,
  T,
  Z,
  I,
  Ibs,
  J,
  Ap,
  O,
  X,
  Y,
  One,
  FixReg,
  FixSeg,
  St0,
  Sti,
  P,
  Q,
  N,
}
const SZ_V = 0; // operand size (16/32)
const SZ_P = 100; // far pointer
const SZ_A = 101; // BOUND pair
const SZ_NONE = 102; // untyped memory block of an x87 row (FSTENV/FSAVE/FXSAVE image): no operand size

const FIXED_REG: Record<string, [number, number]> = { AL: [0, 1], CL: [1, 1], DX: [2, 2], AX: [0, 2], eAX: [0, SZ_V] };
const FIXED_SEG: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };

// Per-spec operand descriptors, three slots per row, computed once from the operand strings.
const ARG_COUNT = new Uint8Array(INSN_SPECS.length);
const ARG_TYPE = new Uint8Array(INSN_SPECS.length * 3);
const ARG_SIZE = new Uint8Array(INSN_SPECS.length * 3);
const ARG_FIX = new Uint8Array(INSN_SPECS.length * 3);

function compileArgs(): void {
  INSN_SPECS.forEach((s, idx) => {
    ARG_COUNT[idx] = s.args.length;
    s.args.forEach((a, i) => {
      const k = idx * 3 + i;
      const fr = FIXED_REG[a];
      const fs = FIXED_SEG[a];
      let type: A;
      let size: number;
      if (fr !== undefined) {
        type = A.FixReg;
        size = fr[1];
        ARG_FIX[k] = fr[0];
      } else if (fs !== undefined) {
        type = A.FixSeg;
        size = 2;
        ARG_FIX[k] = fs;
      } else if (a === 'ST' || a === 'STi') {
        type = a === 'ST' ? A.St0 : A.Sti;
        size = 10;
      } else if (a === '1') {
        type = A.One;
        size = 1;
      } else if (a === 'Ibs') {
        type = A.Ibs;
        size = SZ_V;
      } else if (a === 'Ap') {
        type = A.Ap;
        size = SZ_P;
      } else {
        const letter = a[0];
        const sc = a.slice(1);
        type = ({ E: A.E, M: A.M, R: A.R, G: A.G, S: A.S, C: A.C, D: A.D, T: A.T, Z: A.Z, I: A.I, J: A.J, O: A.O, X: A.X, Y: A.Y, P: A.P, Q: A.Q, N: A.N } as Record<string, A>)[letter];
        if (type === undefined) throw new Error(`spec row ${s.mn}: unknown operand kind ${a}`);
        size = sc === 'b' ? 1 : sc === 'w' ? 2 : sc === 'd' ? 4 : sc === 'q' ? 8 : sc === 't' ? 10 : sc === 's' ? 6 : sc === 'p' ? SZ_P : sc === 'a' ? SZ_A : sc === '' && (letter === 'E' || letter === 'M') ? 0 : SZ_V;
        if (letter === 'S') size = 2;
        if (a === 'M' && s.fpu) size = SZ_NONE;
        if (letter === 'C' || letter === 'D' || letter === 'T' || letter === 'R') size = 4;
      }
      ARG_TYPE[k] = type;
      ARG_SIZE[k] = size;
    });
  });
}
compileArgs();

/**
 * Decode one instruction at CS:`eip` into `d`. On an undefined form or an
 * over-long instruction, `d.fault` says which; the CPU raises the exception.
 */
export function decode(t: ModelTables, host: DecodeHost, eip: number, d: Decoded): void {
  const big = host.codeBig;
  const ipMask = big ? 0xffffffff : 0xffff;
  d.start = eip;
  d.seg = -1;
  d.rep = 0;
  d.lock = false;
  d.o32 = big;
  d.a32 = big;
  d.fault = DecodeFault.None;
  d.hasModrm = false;
  d.hasEa = false;
  d.nargs = 0;
  F.host = host;
  F.pos = eip;
  F.n = 0;
  F.max = t.maxLen;
  F.mask = ipMask;
  try {
    let b = fetch();
    for (;;) {
      if (t.prefix[b] === 0) break;
      switch (b) {
        case 0x26:
          d.seg = ES;
          break;
        case 0x2e:
          d.seg = CS;
          break;
        case 0x36:
          d.seg = SS;
          break;
        case 0x3e:
          d.seg = DS;
          break;
        case 0x64:
          d.seg = FS;
          break;
        case 0x65:
          d.seg = GS;
          break;
        case 0x66:
          d.o32 = !big;
          break;
        case 0x67:
          d.a32 = !big;
          break;
        case 0xf0:
        case 0xf1:
          d.lock = true;
          break;
        case 0xf2:
        case 0xf3:
          d.rep = b;
          break;
      }
      b = fetch();
    }
    let op = b;
    if (b === 0x0f && t.rank >= 2) op = 0x100 | fetch();
    d.op = op;
    // Peek the ModRM byte only when some form of this opcode uses one.
    let idx = t.slots[op << 3];
    if (t.modrm[op] !== 0) {
      const m = fetch();
      d.hasModrm = true;
      d.mod = m >> 6;
      d.reg = (m >> 3) & 7;
      d.rm = m & 7;
      idx = d.mod === 3 ? t.regSlots[(op << 6) | (d.reg << 3) | d.rm] : t.slots[(op << 3) | d.reg];
    }
    if (idx < 0) {
      // The CPU turns this into #UD (80186+) or the 8086's no-op (see Cpu.undefinedOpcode).
      d.fault = DecodeFault.Undefined;
      d.len = F.n;
      return;
    }
    const s = INSN_SPECS[idx];
    const t_rank_le1 = t.rank <= 1;
    d.spec = s;
    d.specIndex = idx;
    if (d.hasModrm) {
      if ((s.modForm === 2 && d.mod === 3) || (s.modForm === 1 && d.mod !== 3)) {
        if (t.rank >= 1) {
          d.fault = DecodeFault.Undefined;
          d.len = F.n;
          return;
        }
      }
      if (d.mod !== 3 && RM_IS_REG[idx] === 0) {
        decodeEa(d, host);
      }
    }
    const nargs = ARG_COUNT[idx];
    d.nargs = nargs;
    const base = idx * 3;
    for (let i = 0; i < nargs; i++) {
      const t = ARG_TYPE[base + i];
      const sc = ARG_SIZE[base + i];
      const sz = sc === SZ_V ? (d.o32 ? 4 : 2) : sc;
      d.size[i] = sz;
      switch (t) {
        case A.E:
          if (d.mod === 3) {
            d.kind[i] = K.Reg;
            d.regNo[i] = d.rm;
          } else d.kind[i] = K.Mem;
          break;
        case A.M:
          d.kind[i] = d.mod === 3 ? K.Reg : K.Mem;
          d.regNo[i] = d.rm;
          d.size[i] = sc === SZ_P ? (d.o32 ? 6 : 4) : sc === SZ_A ? (d.o32 ? 8 : 4) : sc === SZ_NONE ? 0 : sz;
          break;
        case A.R:
          d.kind[i] = K.Reg;
          d.regNo[i] = d.rm;
          break;
        case A.G:
          d.kind[i] = K.Reg;
          d.regNo[i] = d.reg;
          break;
        case A.S:
          d.kind[i] = K.Seg;
          d.regNo[i] = t_rank_le1 ? d.reg & 3 : d.reg;
          break;
        case A.C:
          d.kind[i] = K.Cr;
          d.regNo[i] = d.reg;
          break;
        case A.D:
          d.kind[i] = K.Dr;
          d.regNo[i] = d.reg;
          break;
        case A.T:
          d.kind[i] = K.Tr;
          d.regNo[i] = d.reg;
          break;
        case A.Z:
          d.kind[i] = K.Reg;
          d.regNo[i] = op & 7;
          break;
        case A.I:
        case A.Ibs: {
          d.kind[i] = K.Imm;
          let v: number;
          if (t === A.Ibs) {
            v = (fetch() << 24) >> 24;
            v = d.o32 ? v >>> 0 : v & 0xffff;
          } else if (sz === 1) v = fetch();
          else if (sz === 2) v = fetch() | (fetch() << 8);
          else v = (fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24)) >>> 0;
          if (i === 0 || d.kind[0] !== K.Imm) d.imm = v;
          else d.imm2 = v;
          break;
        }
        case A.J: {
          d.kind[i] = K.Rel;
          let v: number;
          if (sz === 1) v = (fetch() << 24) >> 24;
          else if (sz === 2) v = ((fetch() | (fetch() << 8)) << 16) >> 16;
          else v = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
          d.imm = v;
          d.size[i] = d.o32 ? 4 : 2;
          break;
        }
        case A.Ap: {
          d.kind[i] = K.Far;
          let off = fetch() | (fetch() << 8);
          if (d.o32) off = (off | (fetch() << 16) | (fetch() << 24)) >>> 0;
          d.imm = off;
          d.imm2 = fetch() | (fetch() << 8);
          break;
        }
        case A.O: {
          d.kind[i] = K.Mem;
          let off = fetch() | (fetch() << 8);
          if (d.a32) off = (off | (fetch() << 16) | (fetch() << 24)) >>> 0;
          d.eaBase = -1;
          d.eaIndex = -1;
          d.eaDisp = off;
          d.ea = off;
          d.hasEa = true;
          d.eaSeg = d.seg >= 0 ? d.seg : DS;
          break;
        }
        case A.X:
          d.kind[i] = K.StrSrc;
          break;
        case A.Y:
          d.kind[i] = K.StrDst;
          break;
        case A.One:
          d.kind[i] = K.Imm;
          d.imm = 1;
          break;
        case A.FixReg:
          d.kind[i] = K.Reg;
          d.regNo[i] = ARG_FIX[base + i];
          break;
        case A.FixSeg:
          d.kind[i] = K.Seg;
          d.regNo[i] = ARG_FIX[base + i];
          break;
        case A.St0:
          d.kind[i] = K.St;
          d.regNo[i] = 0;
          break;
        case A.Sti:
          d.kind[i] = K.St;
          d.regNo[i] = d.rm;
          break;
        case A.P:
          d.kind[i] = K.Mm;
          d.regNo[i] = d.reg;
          break;
        case A.Q:
        case A.N:
          d.kind[i] = d.mod === 3 ? K.Mm : K.Mem;
          d.regNo[i] = d.rm;
          break;
      }
    }
    d.len = F.n;
  } catch (e) {
    if (e !== TOO_LONG) throw e;
    d.fault = DecodeFault.TooLong;
    d.len = F.n - 1;
  }
}

const TOO_LONG = { tooLong: true };

// Fetch cursor for the instruction being decoded (module state, so decoding allocates nothing;
// an object rather than module-level `let`s, which V8 guards with TDZ checks on every access).
const F: { host: DecodeHost | undefined; pos: number; n: number; max: number; mask: number } = { host: undefined, pos: 0, n: 0, max: 0, mask: 0 };

function fetch(): number {
  if (++F.n > F.max) throw TOO_LONG;
  const b = F.host!.fetchCode(F.pos);
  F.pos = (F.pos + 1) & F.mask;
  return b;
}

function decodeEa(d: Decoded, host: DecodeHost): void {
  d.hasEa = true;
  const mod = d.mod;
  const rm = d.rm;
  if (!d.a32) {
    let disp = 0;
    let base = RM16_BASE[rm];
    const index = RM16_INDEX[rm];
    if (mod === 0 && rm === 6) {
      disp = fetch() | (fetch() << 8);
      base = -1;
    } else if (mod === 1) disp = (fetch() << 24) >> 24;
    else if (mod === 2) disp = fetch() | (fetch() << 8);
    d.eaBase = base;
    d.eaIndex = index;
    d.eaScale = 0;
    d.eaDisp = disp;
    let ea = disp;
    if (base >= 0) ea += host.reg32(base);
    if (index >= 0) ea += host.reg32(index);
    d.ea = ea & 0xffff;
    d.eaSeg = d.seg >= 0 ? d.seg : base === 5 ? SS : DS;
    return;
  }
  // 32-bit addressing, SDM Vol. 2 Table 2-2 / 2-3.
  let base = rm;
  let index = -1;
  let scale = 0;
  if (rm === 4) {
    const sib = fetch();
    scale = sib >> 6;
    const ix = (sib >> 3) & 7;
    index = ix === 4 ? -1 : ix;
    base = sib & 7;
    if (base === 5 && mod === 0) base = -1;
  } else if (rm === 5 && mod === 0) base = -1;
  let disp = 0;
  if (base === -1 || mod === 2) disp = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
  else if (mod === 1) disp = (fetch() << 24) >> 24;
  d.eaBase = base;
  d.eaIndex = index;
  d.eaScale = scale;
  d.eaDisp = disp;
  let ea = disp;
  if (base >= 0) ea += host.reg32(base);
  if (index >= 0) ea += host.reg32(index) << scale;
  d.ea = ea >>> 0;
  d.eaSeg = d.seg >= 0 ? d.seg : base === 4 || base === 5 ? SS : DS;
}

/** Recompute `d.ea` from its components and the current registers (for a reused decoded instruction). */
export function recomputeEa(d: Decoded, r: Uint32Array): void {
  let ea = d.eaDisp;
  if (d.eaBase >= 0) ea += r[d.eaBase];
  if (d.eaIndex >= 0) ea += r[d.eaIndex] << d.eaScale;
  d.ea = d.a32 ? ea >>> 0 : ea & 0xffff;
}
