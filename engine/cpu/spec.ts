/**
 * The x86 instruction specification: one row per instruction form.
 *
 * Design note — why a table. Every consumer of instruction knowledge needs the
 * same facts: which bytes select the form (opcode, 0F-escape, ModRM `reg`
 * extension, register-only or memory-only ModRM), what the operands are and how
 * wide, which flags are read / written / left undefined, whether the form ends
 * a basic block, whether it is privileged or IOPL-sensitive, and which CPU model
 * introduced it. Keeping those facts in one table means:
 *   - the decoder (`decoder.ts`) builds its per-model opcode maps from the rows
 *     (a form missing for a model decodes as #UD, or as the 8086's alias);
 *   - the interpreter dispatches on `row.mn` to a semantic function in
 *     `semantics.ts`, one per mnemonic, operating on the decoded operands;
 *   - the disassembler (`disasm.ts`) prints `row.mn` and the operand kinds;
 *   - the random instruction generator (`generator.ts`) enumerates the rows;
 *   - a future translator reads flags-written / ends-block to do flag liveness
 *     and block formation.
 * Adding an instruction = one row here + (if the mnemonic is new) one semantic
 * function.
 *
 * Operand kinds follow the Intel SDM Vol. 2 Appendix A notation:
 *   E = ModRM r/m (register or memory), G = ModRM reg (GPR), M = memory-only r/m,
 *   R = register-only r/m, S = segment register in ModRM reg, C/D/T = control/
 *   debug/test register in ModRM reg, I = immediate, J = relative offset,
 *   A = direct far pointer, O = moffs, X = DS:(E)SI, Y = ES:(E)DI,
 *   Z = register in opcode bits 2..0; size suffix b=8, w=16, d=32, v=16/32 by
 *   operand size, p=far pointer (16:16 / 16:32), s=6-byte descriptor pointer,
 *   q=64-bit memory, a=BOUND pair. Fixed registers are spelled out (AL, eAX, DX…).
 *   `Ibs` is an imm8 sign-extended to the operand size.
 * x87 and MMX forms (the `pentium2` model, rows at the end of the table) add: ST = the
 *   stack top ST(0), STi = ST(rm) from ModRM r/m, P = MMX register in ModRM reg,
 *   Q = MMX register or memory in ModRM r/m, N = MMX register in ModRM r/m; size
 *   suffix t = 80-bit memory (m80 real / m80 packed BCD), and a bare `M` is an
 *   untyped memory block (FSTENV/FSAVE/FXSAVE images). The ESC opcodes D8–DF
 *   select a different form for each ModRM r/m when mod = 3 (FLD1 = D9 E8): such
 *   rows give `rm`, and the decoder keeps separate register-form slots.
 */

export type CpuModel = '8086' | '80186' | '80286' | '80386' | 'i486' | 'pentium' | 'p6' | 'pentium2';

export const MODELS: readonly CpuModel[] = ['8086', '80186', '80286', '80386', 'i486', 'pentium', 'p6', 'pentium2'];

/** Model rank for "introduced in" comparisons. */
export function modelRank(m: CpuModel): number {
  return MODELS.indexOf(m);
}

// EFLAGS bits (Intel SDM Vol. 1 §3.4.3).
export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
export const AC = 0x40000;
export const ID = 0x200000;
export const OSZAPC = OF | SF | ZF | AF | PF | CF;
export const SZAPC = SF | ZF | AF | PF | CF;
export const OSZPC = OF | SF | ZF | PF | CF;

/** Privilege rule of a form. */
export const enum Priv {
  None = 0,
  /** Only at CPL 0 (protected mode); #GP(0) otherwise. */
  Cpl0 = 1,
  /** IOPL-sensitive: CPL > IOPL (or V86 with IOPL < 3) → #GP(0). */
  Iopl = 2,
  /** Only in protected mode (not real, not V86) → #UD otherwise. */
  ProtOnly = 3,
  /** IOPL-sensitive only in V86 mode (PUSHF/POPF/INT n/IRET; SDM Vol. 3 §20.2.7). */
  IoplV86 = 4,
  /** I/O: CPL > IOPL or V86 → the TSS I/O permission bitmap decides (SDM Vol. 1 §19.5). */
  IoPermission = 5,
}

export interface InsnSpec {
  /** Opcode: 0x00–0xFF one-byte map, 0x100–0x1FF the 0F map. */
  readonly op: number;
  /** ModRM reg extension (0–7), or -1 when the form has none. */
  readonly ext: number;
  /** ModRM r/m selector (0–7) of a register-only form (mod = 3), or -1 (see the header). */
  readonly rm: number;
  /** 1 = form exists only with ModRM mod=3, 2 = only with a memory operand, 0 = both. */
  readonly modForm: 0 | 1 | 2;
  readonly mn: string;
  /** Operand kinds, see the header. */
  readonly args: readonly string[];
  readonly flagsRead: number;
  readonly flagsWritten: number;
  readonly flagsUndefined: number;
  /** Ends a basic block (control transfer, mode change, halt). */
  readonly endsBlock: boolean;
  readonly priv: Priv;
  /** First model that executes this form. */
  readonly since: CpuModel;
  /** Last model that executes it (8086-only aliases), else undefined. */
  readonly until?: CpuModel;
  /** Form takes a ModRM byte. */
  readonly modrm: boolean;
  /** Prefix byte (decoder consumes it, no semantics). */
  readonly prefix?: boolean;
  /** LOCK is allowed (with a memory destination), SDM Vol. 2 LOCK. */
  readonly lockable: boolean;
  /** Software interrupt (INT n / INT3 / INTO): IOPL-sensitive in V86, no single-step trap. */
  readonly softInt: boolean;
  /**
   * x87, MMX or FXSAVE/FXRSTOR form: executes against the FPU state (x87/), is subject to the
   * CR0.EM/MP/TS rules, and is always left to the interpreter by the translator.
   */
  readonly fpu: boolean;
}

const LOCKABLE = new Set(['add', 'adc', 'and', 'btc', 'btr', 'bts', 'cmpxchg', 'cmpxchg8b', 'dec', 'inc', 'neg', 'not', 'or', 'sbb', 'sub', 'xor', 'xadd', 'xchg']);

interface RowOpts {
  ext?: number;
  rm?: number;
  fpu?: boolean;
  modForm?: 0 | 1 | 2;
  r?: number;
  w?: number;
  u?: number;
  bb?: boolean;
  priv?: Priv;
  since?: CpuModel;
  until?: CpuModel;
  modrm?: boolean;
  prefix?: boolean;
}

const rows: InsnSpec[] = [];

function needsModrm(args: readonly string[]): boolean {
  return args.some((a) => /^[EGMRSCDTPQN][a-z]*$/.test(a) || a === 'STi');
}

function row(op: number, mn: string, args: string, o: RowOpts = {}): void {
  const a = args === '' ? [] : args.split(',');
  rows.push({
    op,
    ext: o.ext ?? -1,
    rm: o.rm ?? -1,
    modForm: o.modForm ?? (a.some((k) => k[0] === 'M') ? 2 : a.some((k) => k[0] === 'R' || k[0] === 'N' || k === 'STi') ? 1 : 0),
    mn,
    args: a,
    flagsRead: o.r ?? 0,
    flagsWritten: o.w ?? 0,
    flagsUndefined: o.u ?? 0,
    endsBlock: o.bb ?? false,
    priv: o.priv ?? Priv.None,
    since: o.since ?? '8086',
    until: o.until,
    modrm: o.modrm ?? (o.ext !== undefined || needsModrm(a)),
    prefix: o.prefix,
    lockable: LOCKABLE.has(mn) && a.length > 0 && (a[0][0] === 'E' || a[0][0] === 'M'),
    softInt: mn === 'int' || mn === 'int3' || mn === 'into',
    fpu: o.fpu ?? false,
  });
}

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
function aluFlags(i: number): RowOpts {
  const readsCf = i === 2 || i === 3;
  const logic = i === 1 || i === 4 || i === 6;
  return { r: readsCf ? CF : 0, w: OSZAPC, u: logic ? AF : 0 };
}
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const CC_READ = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, SF | OF | ZF, SF | OF | ZF];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
function shiftFlags(i: number): RowOpts {
  if (i < 4) return { r: i >= 2 ? CF : 0, w: OF | CF, u: OF };
  return { w: OSZAPC, u: OF | AF };
}

// ---- one-byte map -------------------------------------------------------
for (let i = 0; i < 8; i++) {
  const b = i << 3;
  const f = aluFlags(i);
  row(b + 0, ALU[i], 'Eb,Gb', f);
  row(b + 1, ALU[i], 'Ev,Gv', f);
  row(b + 2, ALU[i], 'Gb,Eb', f);
  row(b + 3, ALU[i], 'Gv,Ev', f);
  row(b + 4, ALU[i], 'AL,Ib', f);
  row(b + 5, ALU[i], 'eAX,Iv', f);
}
row(0x06, 'push', 'ES');
row(0x07, 'pop', 'ES');
row(0x0e, 'push', 'CS');
row(0x0f, 'pop', 'CS', { until: '8086', bb: true });
row(0x16, 'push', 'SS');
row(0x17, 'pop', 'SS');
row(0x1e, 'push', 'DS');
row(0x1f, 'pop', 'DS');
row(0x26, 'es', '', { prefix: true });
row(0x2e, 'cs', '', { prefix: true });
row(0x36, 'ss', '', { prefix: true });
row(0x3e, 'ds', '', { prefix: true });
row(0x27, 'daa', '', { r: AF | CF, w: OSZAPC, u: OF });
row(0x2f, 'das', '', { r: AF | CF, w: OSZAPC, u: OF });
row(0x37, 'aaa', '', { r: AF, w: OSZAPC, u: OF | SF | ZF | PF });
row(0x3f, 'aas', '', { r: AF, w: OSZAPC, u: OF | SF | ZF | PF });
for (let r = 0; r < 8; r++) {
  row(0x40 + r, 'inc', 'Zv', { w: OSZAPC & ~CF });
  row(0x48 + r, 'dec', 'Zv', { w: OSZAPC & ~CF });
  row(0x50 + r, 'push', 'Zv');
  row(0x58 + r, 'pop', 'Zv');
}
row(0x60, 'pusha', '', { since: '80186' });
row(0x61, 'popa', '', { since: '80186' });
row(0x62, 'bound', 'Gv,Ma', { since: '80186' });
row(0x63, 'arpl', 'Ew,Gw', { since: '80286', priv: Priv.ProtOnly, w: ZF });
row(0x64, 'fs', '', { prefix: true, since: '80386' });
row(0x65, 'gs', '', { prefix: true, since: '80386' });
row(0x66, 'opsize', '', { prefix: true, since: '80386' });
row(0x67, 'addrsize', '', { prefix: true, since: '80386' });
row(0x68, 'push', 'Iv', { since: '80186' });
row(0x69, 'imul', 'Gv,Ev,Iv', { since: '80186', w: OSZAPC, u: SF | ZF | AF | PF });
row(0x6a, 'push', 'Ibs', { since: '80186' });
row(0x6b, 'imul', 'Gv,Ev,Ibs', { since: '80186', w: OSZAPC, u: SF | ZF | AF | PF });
row(0x6c, 'ins', 'Yb,DX', { since: '80186', r: DF, priv: Priv.IoPermission });
row(0x6d, 'ins', 'Yv,DX', { since: '80186', r: DF, priv: Priv.IoPermission });
row(0x6e, 'outs', 'DX,Xb', { since: '80186', r: DF, priv: Priv.IoPermission });
row(0x6f, 'outs', 'DX,Xv', { since: '80186', r: DF, priv: Priv.IoPermission });
for (let c = 0; c < 16; c++) {
  row(0x70 + c, 'j' + CC[c], 'Jb', { r: CC_READ[c], bb: true });
  // 8086: 60–6F decode as 70–7F (only opcode bits 3..0 are checked).
  row(0x60 + c, 'j' + CC[c], 'Jb', { r: CC_READ[c], bb: true, until: '8086' });
}
for (let i = 0; i < 8; i++) {
  const f = aluFlags(i);
  row(0x80, ALU[i], 'Eb,Ib', { ...f, ext: i });
  row(0x81, ALU[i], 'Ev,Iv', { ...f, ext: i });
  row(0x82, ALU[i], 'Eb,Ib', { ...f, ext: i });
  row(0x83, ALU[i], 'Ev,Ibs', { ...f, ext: i });
}
row(0x84, 'test', 'Eb,Gb', { w: OSZAPC, u: AF });
row(0x85, 'test', 'Ev,Gv', { w: OSZAPC, u: AF });
row(0x86, 'xchg', 'Eb,Gb');
row(0x87, 'xchg', 'Ev,Gv');
row(0x88, 'mov', 'Eb,Gb');
row(0x89, 'mov', 'Ev,Gv');
row(0x8a, 'mov', 'Gb,Eb');
row(0x8b, 'mov', 'Gv,Ev');
row(0x8c, 'mov', 'Ew,Sw');
row(0x8d, 'lea', 'Gv,M');
row(0x8e, 'mov', 'Sw,Ew');
row(0x8f, 'pop', 'Ev', { ext: 0 });
row(0x90, 'nop', '');
for (let r = 1; r < 8; r++) row(0x90 + r, 'xchg', 'Zv,eAX');
row(0x98, 'cbw', '');
row(0x99, 'cwd', '');
row(0x9a, 'callf', 'Ap', { bb: true });
row(0x9b, 'wait', '', { until: 'p6' });
row(0x9c, 'pushf', '', { r: 0xffffffff, priv: Priv.IoplV86 });
row(0x9d, 'popf', '', { w: 0xffffffff, bb: true, priv: Priv.IoplV86 });
row(0x9e, 'sahf', '', { w: SF | ZF | AF | PF | CF });
row(0x9f, 'lahf', '', { r: SF | ZF | AF | PF | CF });
row(0xa0, 'mov', 'AL,Ob');
row(0xa1, 'mov', 'eAX,Ov');
row(0xa2, 'mov', 'Ob,AL');
row(0xa3, 'mov', 'Ov,eAX');
row(0xa4, 'movs', 'Yb,Xb', { r: DF });
row(0xa5, 'movs', 'Yv,Xv', { r: DF });
row(0xa6, 'cmps', 'Xb,Yb', { r: DF, w: OSZAPC });
row(0xa7, 'cmps', 'Xv,Yv', { r: DF, w: OSZAPC });
row(0xa8, 'test', 'AL,Ib', { w: OSZAPC, u: AF });
row(0xa9, 'test', 'eAX,Iv', { w: OSZAPC, u: AF });
row(0xaa, 'stos', 'Yb,AL', { r: DF });
row(0xab, 'stos', 'Yv,eAX', { r: DF });
row(0xac, 'lods', 'AL,Xb', { r: DF });
row(0xad, 'lods', 'eAX,Xv', { r: DF });
row(0xae, 'scas', 'AL,Yb', { r: DF, w: OSZAPC });
row(0xaf, 'scas', 'eAX,Yv', { r: DF, w: OSZAPC });
for (let r = 0; r < 8; r++) {
  row(0xb0 + r, 'mov', 'Zb,Ib');
  row(0xb8 + r, 'mov', 'Zv,Iv');
}
for (let i = 0; i < 8; i++) {
  const f = shiftFlags(i);
  // SAL (/6) is undocumented: the 8086 executes SETMO there; 186+ treat it as SHL.
  const mn = i === 6 ? 'sal' : SHIFT[i];
  const since: CpuModel = i === 6 ? '80186' : '8086';
  row(0xc0, mn, 'Eb,Ib', { ...f, ext: i, since: '80186' });
  row(0xc1, mn, 'Ev,Ib', { ...f, ext: i, since: '80186' });
  row(0xd0, mn, 'Eb,1', { ...f, ext: i, since });
  row(0xd1, mn, 'Ev,1', { ...f, ext: i, since });
  row(0xd2, mn, 'Eb,CL', { ...f, ext: i, since });
  row(0xd3, mn, 'Ev,CL', { ...f, ext: i, since });
}
row(0xd0, 'setmo', 'Eb', { ext: 6, until: '8086', w: OSZAPC });
row(0xd1, 'setmo', 'Ev', { ext: 6, until: '8086', w: OSZAPC });
row(0xd2, 'setmoc', 'Eb,CL', { ext: 6, until: '8086', w: OSZAPC });
row(0xd3, 'setmoc', 'Ev,CL', { ext: 6, until: '8086', w: OSZAPC });
row(0xc2, 'ret', 'Iw', { bb: true });
row(0xc3, 'ret', '', { bb: true });
// 8086: C0/C1 alias C2/C3, C8/C9 alias CA/CB.
row(0xc0, 'ret', 'Iw', { bb: true, until: '8086' });
row(0xc1, 'ret', '', { bb: true, until: '8086' });
row(0xc8, 'retf', 'Iw', { bb: true, until: '8086' });
row(0xc9, 'retf', '', { bb: true, until: '8086' });
row(0xc4, 'les', 'Gv,Mp');
row(0xc5, 'lds', 'Gv,Mp');
row(0xc6, 'mov', 'Eb,Ib', { ext: 0 });
row(0xc7, 'mov', 'Ev,Iv', { ext: 0 });
// The 8086 ignores ModRM reg for C6/C7 and 8F (SingleStepTests 8086 notes).
for (let i = 1; i < 8; i++) {
  row(0xc6, 'mov', 'Eb,Ib', { ext: i, until: '8086' });
  row(0xc7, 'mov', 'Ev,Iv', { ext: i, until: '8086' });
  row(0x8f, 'pop', 'Ev', { ext: i, until: '8086' });
}
row(0xc8, 'enter', 'Iw,Ib', { since: '80186' });
row(0xc9, 'leave', '', { since: '80186' });
row(0xca, 'retf', 'Iw', { bb: true });
row(0xcb, 'retf', '', { bb: true });
// Only INT n is IOPL-sensitive in V86 mode; INT3/INTO meet the gate DPL check instead (SDM Vol. 2 INT n).
row(0xcc, 'int3', '', { bb: true });
row(0xcd, 'int', 'Ib', { bb: true, priv: Priv.IoplV86 });
row(0xce, 'into', '', { r: OF, bb: true });
row(0xcf, 'iret', '', { w: 0xffffffff, bb: true, priv: Priv.IoplV86 });
row(0xd4, 'aam', 'Ib', { w: OSZAPC, u: OF | AF | CF });
row(0xd5, 'aad', 'Ib', { w: OSZAPC, u: OF | AF | CF });
row(0xd6, 'salc', '', { r: CF });
row(0xd7, 'xlat', '');
// Models without an FPU (the i486 is an SX, the pentium and p6 models claim none): ESC only
// computes its operand address; the pentium2 model has the x87 rows below instead.
for (let e = 0; e < 8; e++) row(0xd8 + e, 'esc', 'E', { modrm: true, until: 'p6' });
row(0xe0, 'loopne', 'Jb', { r: ZF, bb: true });
row(0xe1, 'loope', 'Jb', { r: ZF, bb: true });
row(0xe2, 'loop', 'Jb', { bb: true });
row(0xe3, 'jcxz', 'Jb', { bb: true });
row(0xe4, 'in', 'AL,Ib', { priv: Priv.IoPermission });
row(0xe5, 'in', 'eAX,Ib', { priv: Priv.IoPermission });
row(0xe6, 'out', 'Ib,AL', { priv: Priv.IoPermission });
row(0xe7, 'out', 'Ib,eAX', { priv: Priv.IoPermission });
row(0xe8, 'call', 'Jv', { bb: true });
row(0xe9, 'jmp', 'Jv', { bb: true });
row(0xea, 'jmpf', 'Ap', { bb: true });
row(0xeb, 'jmp', 'Jb', { bb: true });
row(0xec, 'in', 'AL,DX', { priv: Priv.IoPermission });
row(0xed, 'in', 'eAX,DX', { priv: Priv.IoPermission });
row(0xee, 'out', 'DX,AL', { priv: Priv.IoPermission });
row(0xef, 'out', 'DX,eAX', { priv: Priv.IoPermission });
row(0xf0, 'lock', '', { prefix: true });
row(0xf1, 'lock', '', { prefix: true, until: '80186' });
row(0xf1, 'int1', '', { since: '80386', bb: true });
row(0xf2, 'repne', '', { prefix: true });
row(0xf3, 'rep', '', { prefix: true });
row(0xf4, 'hlt', '', { bb: true, priv: Priv.Cpl0 });
row(0xf5, 'cmc', '', { r: CF, w: CF });
const F6 = ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'];
for (let i = 0; i < 8; i++) {
  let f: RowOpts;
  if (i <= 1) f = { w: OSZAPC, u: AF };
  else if (i === 2) f = {};
  else if (i === 3) f = { w: OSZAPC };
  else if (i <= 5) f = { w: OSZAPC, u: SF | ZF | AF | PF };
  else f = { w: OSZAPC, u: OSZAPC };
  const imm = i <= 1;
  row(0xf6, F6[i], imm ? 'Eb,Ib' : 'Eb', { ...f, ext: i });
  row(0xf7, F6[i], imm ? 'Ev,Iv' : 'Ev', { ...f, ext: i });
}
row(0xf8, 'clc', '', { w: CF });
row(0xf9, 'stc', '', { w: CF });
row(0xfa, 'cli', '', { w: IF, priv: Priv.Iopl });
row(0xfb, 'sti', '', { w: IF, priv: Priv.Iopl });
row(0xfc, 'cld', '', { w: DF });
row(0xfd, 'std', '', { w: DF });
row(0xfe, 'inc', 'Eb', { ext: 0, w: OSZAPC & ~CF });
row(0xfe, 'dec', 'Eb', { ext: 1, w: OSZAPC & ~CF });
row(0xff, 'inc', 'Ev', { ext: 0, w: OSZAPC & ~CF });
row(0xff, 'dec', 'Ev', { ext: 1, w: OSZAPC & ~CF });
row(0xff, 'call', 'Ev', { ext: 2, bb: true });
row(0xff, 'callf', 'Mp', { ext: 3, bb: true });
row(0xff, 'jmp', 'Ev', { ext: 4, bb: true });
row(0xff, 'jmpf', 'Mp', { ext: 5, bb: true });
row(0xff, 'push', 'Ev', { ext: 6 });
row(0xff, 'push', 'Ev', { ext: 7, until: '8086' });

// ---- 0F map (80286+) ----------------------------------------------------
const X = 0x100;
row(X + 0x00, 'sldt', 'Ew', { ext: 0, since: '80286', priv: Priv.ProtOnly });
row(X + 0x00, 'str', 'Ew', { ext: 1, since: '80286', priv: Priv.ProtOnly });
row(X + 0x00, 'lldt', 'Ew', { ext: 2, since: '80286', priv: Priv.ProtOnly });
row(X + 0x00, 'ltr', 'Ew', { ext: 3, since: '80286', priv: Priv.ProtOnly });
row(X + 0x00, 'verr', 'Ew', { ext: 4, since: '80286', priv: Priv.ProtOnly, w: ZF });
row(X + 0x00, 'verw', 'Ew', { ext: 5, since: '80286', priv: Priv.ProtOnly, w: ZF });
row(X + 0x01, 'sgdt', 'Ms', { ext: 0, since: '80286' });
row(X + 0x01, 'sidt', 'Ms', { ext: 1, since: '80286' });
row(X + 0x01, 'lgdt', 'Ms', { ext: 2, since: '80286', priv: Priv.Cpl0 });
row(X + 0x01, 'lidt', 'Ms', { ext: 3, since: '80286', priv: Priv.Cpl0 });
row(X + 0x01, 'smsw', 'Ew', { ext: 4, since: '80286' });
row(X + 0x01, 'lmsw', 'Ew', { ext: 6, since: '80286', priv: Priv.Cpl0, bb: true });
row(X + 0x01, 'invlpg', 'M', { ext: 7, since: 'i486', priv: Priv.Cpl0 });
row(X + 0x02, 'lar', 'Gv,Ew', { since: '80286', priv: Priv.ProtOnly, w: ZF });
row(X + 0x03, 'lsl', 'Gv,Ew', { since: '80286', priv: Priv.ProtOnly, w: ZF });
row(X + 0x06, 'clts', '', { since: '80286', priv: Priv.Cpl0 });
row(X + 0x08, 'invd', '', { since: 'i486', priv: Priv.Cpl0 });
row(X + 0x09, 'wbinvd', '', { since: 'i486', priv: Priv.Cpl0 });
row(X + 0x0b, 'ud2', '', { since: 'pentium', bb: true });
row(X + 0x20, 'mov', 'Rd,Cd', { since: '80386', priv: Priv.Cpl0, modrm: true, modForm: 0 });
row(X + 0x21, 'mov', 'Rd,Dd', { since: '80386', priv: Priv.Cpl0, modrm: true, modForm: 0 });
row(X + 0x22, 'mov', 'Cd,Rd', { since: '80386', priv: Priv.Cpl0, modrm: true, modForm: 0, bb: true });
row(X + 0x23, 'mov', 'Dd,Rd', { since: '80386', priv: Priv.Cpl0, modrm: true, modForm: 0 });
row(X + 0x30, 'wrmsr', '', { since: 'pentium', priv: Priv.Cpl0 });
row(X + 0x31, 'rdtsc', '', { since: 'pentium' });
row(X + 0x32, 'rdmsr', '', { since: 'pentium', priv: Priv.Cpl0 });
// Fast system calls (SDM Vol. 2B SYSENTER/SYSEXIT). The P6 family has them from the
// Pentium II on; the `p6` model executes them but leaves CPUID.SEP clear, as software
// must ignore SEP on the Pentium Pro signature anyway (AP-485 / SDM CPUID notes).
row(X + 0x34, 'sysenter', '', { since: 'p6', bb: true });
row(X + 0x35, 'sysexit', '', { since: 'p6', bb: true, priv: Priv.Cpl0 });
for (let c = 0; c < 16; c++) {
  row(X + 0x40 + c, 'cmov' + CC[c], 'Gv,Ev', { since: 'p6', r: CC_READ[c] });
  row(X + 0x80 + c, 'j' + CC[c], 'Jv', { since: '80386', r: CC_READ[c], bb: true });
  row(X + 0x90 + c, 'set' + CC[c], 'Eb', { since: '80386', r: CC_READ[c] });
}
// P6 hint NOPs (0F 18–0F 1F with ModRM), e.g. the multi-byte NOP 0F 1F /0.
for (let o = 0x18; o <= 0x1f; o++) row(X + o, 'nop', 'Ev', { since: 'p6' });
row(X + 0xa0, 'push', 'FS', { since: '80386' });
row(X + 0xa1, 'pop', 'FS', { since: '80386' });
row(X + 0xa2, 'cpuid', '', { since: 'i486' });
row(X + 0xa3, 'bt', 'Ev,Gv', { since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xa4, 'shld', 'Ev,Gv,Ib', { since: '80386', w: OSZAPC, u: OF | AF });
row(X + 0xa5, 'shld', 'Ev,Gv,CL', { since: '80386', w: OSZAPC, u: OF | AF });
row(X + 0xa8, 'push', 'GS', { since: '80386' });
row(X + 0xa9, 'pop', 'GS', { since: '80386' });
row(X + 0xab, 'bts', 'Ev,Gv', { since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xac, 'shrd', 'Ev,Gv,Ib', { since: '80386', w: OSZAPC, u: OF | AF });
row(X + 0xad, 'shrd', 'Ev,Gv,CL', { since: '80386', w: OSZAPC, u: OF | AF });
row(X + 0xaf, 'imul', 'Gv,Ev', { since: '80386', w: OSZAPC, u: SF | ZF | AF | PF });
row(X + 0xb0, 'cmpxchg', 'Eb,Gb', { since: 'i486', w: OSZAPC });
row(X + 0xb1, 'cmpxchg', 'Ev,Gv', { since: 'i486', w: OSZAPC });
row(X + 0xb2, 'lss', 'Gv,Mp', { since: '80386' });
row(X + 0xb3, 'btr', 'Ev,Gv', { since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xb4, 'lfs', 'Gv,Mp', { since: '80386' });
row(X + 0xb5, 'lgs', 'Gv,Mp', { since: '80386' });
row(X + 0xb6, 'movzx', 'Gv,Eb', { since: '80386' });
row(X + 0xb7, 'movzx', 'Gv,Ew', { since: '80386' });
row(X + 0xba, 'bt', 'Ev,Ib', { ext: 4, since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xba, 'bts', 'Ev,Ib', { ext: 5, since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xba, 'btr', 'Ev,Ib', { ext: 6, since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xba, 'btc', 'Ev,Ib', { ext: 7, since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xbb, 'btc', 'Ev,Gv', { since: '80386', w: CF, u: OF | SF | AF | PF });
row(X + 0xbc, 'bsf', 'Gv,Ev', { since: '80386', w: OSZAPC, u: OF | SF | AF | PF | CF });
row(X + 0xbd, 'bsr', 'Gv,Ev', { since: '80386', w: OSZAPC, u: OF | SF | AF | PF | CF });
row(X + 0xbe, 'movsx', 'Gv,Eb', { since: '80386' });
row(X + 0xbf, 'movsx', 'Gv,Ew', { since: '80386' });
row(X + 0xc0, 'xadd', 'Eb,Gb', { since: 'i486', w: OSZAPC });
row(X + 0xc1, 'xadd', 'Ev,Gv', { since: 'i486', w: OSZAPC });
row(X + 0xc7, 'cmpxchg8b', 'Mq', { ext: 1, since: 'pentium', w: ZF });
for (let r = 0; r < 8; r++) row(X + 0xc8 + r, 'bswap', 'Zd', { since: 'i486' });

// ---- x87 FPU (pentium2) -------------------------------------------------
// SDM Vol. 2 Appendix A.4 (escape opcode maps D8–DF): memory forms by ModRM reg,
// register forms by reg and, for D9/DA/DB/DE/DF, by r/m as well.
const P2: RowOpts = { since: 'pentium2', fpu: true };
const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
const IARITH = ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'];
for (let i = 0; i < 8; i++) {
  const cmp = i === 2 || i === 3;
  row(0xd8, ARITH[i], 'Md', { ...P2, ext: i });
  row(0xdc, ARITH[i], 'Mq', { ...P2, ext: i });
  row(0xda, IARITH[i], 'Md', { ...P2, ext: i });
  row(0xde, IARITH[i], 'Mw', { ...P2, ext: i });
  row(0xd8, ARITH[i], cmp ? 'STi' : 'ST,STi', { ...P2, ext: i });
}
// DC/DE register forms: ST(i) is the destination and the SUB/DIV pairs swap (SDM Vol. 2 FSUB: DC E8+i is FSUB ST(i), ST(0)).
const DC_REG = ['fadd', 'fmul', '', '', 'fsubr', 'fsub', 'fdivr', 'fdiv'];
for (let i = 0; i < 8; i++) {
  if (DC_REG[i] === '') continue;
  row(0xdc, DC_REG[i], 'STi,ST', { ...P2, ext: i });
  row(0xde, DC_REG[i] + 'p', 'STi,ST', { ...P2, ext: i });
}
row(0xde, 'fcompp', '', { ...P2, ext: 3, rm: 1, modForm: 1, modrm: true });
row(0xd9, 'fld', 'Md', { ...P2, ext: 0 });
row(0xd9, 'fst', 'Md', { ...P2, ext: 2 });
row(0xd9, 'fstp', 'Md', { ...P2, ext: 3 });
row(0xd9, 'fldenv', 'M', { ...P2, ext: 4 });
row(0xd9, 'fldcw', 'Mw', { ...P2, ext: 5 });
row(0xd9, 'fnstenv', 'M', { ...P2, ext: 6 });
row(0xd9, 'fnstcw', 'Mw', { ...P2, ext: 7 });
row(0xd9, 'fld', 'STi', { ...P2, ext: 0 });
row(0xd9, 'fxch', 'STi', { ...P2, ext: 1 });
row(0xd9, 'fnop', '', { ...P2, ext: 2, rm: 0, modForm: 1, modrm: true });
const D9_REG: [number, number, string][] = [
  [4, 0, 'fchs'], [4, 1, 'fabs'], [4, 4, 'ftst'], [4, 5, 'fxam'],
  [5, 0, 'fld1'], [5, 1, 'fldl2t'], [5, 2, 'fldl2e'], [5, 3, 'fldpi'], [5, 4, 'fldlg2'], [5, 5, 'fldln2'], [5, 6, 'fldz'],
  [6, 0, 'f2xm1'], [6, 1, 'fyl2x'], [6, 2, 'fptan'], [6, 3, 'fpatan'], [6, 4, 'fxtract'], [6, 5, 'fprem1'], [6, 6, 'fdecstp'], [6, 7, 'fincstp'],
  [7, 0, 'fprem'], [7, 1, 'fyl2xp1'], [7, 2, 'fsqrt'], [7, 3, 'fsincos'], [7, 4, 'frndint'], [7, 5, 'fscale'], [7, 6, 'fsin'], [7, 7, 'fcos'],
];
for (const [ext, rm, mn] of D9_REG) row(0xd9, mn, '', { ...P2, ext, rm, modForm: 1, modrm: true });
// P6 conditional moves and EFLAGS-setting compares (SDM Vol. 2 FCMOVcc, FCOMI).
['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'].forEach((mn, i) => row(0xda, mn, 'ST,STi', { ...P2, ext: i, r: [CF, ZF, CF | ZF, PF][i] }));
['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'].forEach((mn, i) => row(0xdb, mn, 'ST,STi', { ...P2, ext: i, r: [CF, ZF, CF | ZF, PF][i] }));
row(0xda, 'fucompp', '', { ...P2, ext: 5, rm: 1, modForm: 1, modrm: true });
row(0xdb, 'fild', 'Md', { ...P2, ext: 0 });
row(0xdb, 'fist', 'Md', { ...P2, ext: 2 });
row(0xdb, 'fistp', 'Md', { ...P2, ext: 3 });
row(0xdb, 'fld', 'Mt', { ...P2, ext: 5 });
row(0xdb, 'fstp', 'Mt', { ...P2, ext: 7 });
// DB E0/E1/E4 are the 8087's FENI/FDISI and the 287's FSETPM: no-ops from the 387 on (SDM Vol. 2 Appendix A.4.2 notes).
row(0xdb, 'fneni', '', { ...P2, ext: 4, rm: 0, modForm: 1, modrm: true });
row(0xdb, 'fndisi', '', { ...P2, ext: 4, rm: 1, modForm: 1, modrm: true });
row(0xdb, 'fnclex', '', { ...P2, ext: 4, rm: 2, modForm: 1, modrm: true });
row(0xdb, 'fninit', '', { ...P2, ext: 4, rm: 3, modForm: 1, modrm: true });
row(0xdb, 'fnsetpm', '', { ...P2, ext: 4, rm: 4, modForm: 1, modrm: true });
row(0xdb, 'fucomi', 'ST,STi', { ...P2, ext: 5, w: OSZAPC });
row(0xdb, 'fcomi', 'ST,STi', { ...P2, ext: 6, w: OSZAPC });
row(0xdd, 'fld', 'Mq', { ...P2, ext: 0 });
row(0xdd, 'fst', 'Mq', { ...P2, ext: 2 });
row(0xdd, 'fstp', 'Mq', { ...P2, ext: 3 });
row(0xdd, 'frstor', 'M', { ...P2, ext: 4 });
row(0xdd, 'fnsave', 'M', { ...P2, ext: 6 });
row(0xdd, 'fnstsw', 'Mw', { ...P2, ext: 7 });
row(0xdd, 'ffree', 'STi', { ...P2, ext: 0 });
row(0xdd, 'fst', 'STi', { ...P2, ext: 2 });
row(0xdd, 'fstp', 'STi', { ...P2, ext: 3 });
row(0xdd, 'fucom', 'STi', { ...P2, ext: 4 });
row(0xdd, 'fucomp', 'STi', { ...P2, ext: 5 });
row(0xdf, 'fild', 'Mw', { ...P2, ext: 0 });
row(0xdf, 'fist', 'Mw', { ...P2, ext: 2 });
row(0xdf, 'fistp', 'Mw', { ...P2, ext: 3 });
row(0xdf, 'fbld', 'Mt', { ...P2, ext: 4 });
row(0xdf, 'fild', 'Mq', { ...P2, ext: 5 });
row(0xdf, 'fbstp', 'Mt', { ...P2, ext: 6 });
row(0xdf, 'fistp', 'Mq', { ...P2, ext: 7 });
row(0xdf, 'fnstsw', 'AX', { ...P2, ext: 4, rm: 0, modForm: 1, modrm: true });
row(0xdf, 'fucomip', 'ST,STi', { ...P2, ext: 5, w: OSZAPC });
row(0xdf, 'fcomip', 'ST,STi', { ...P2, ext: 6, w: OSZAPC });
// WAIT/FWAIT checks for pending unmasked x87 exceptions (SDM Vol. 2 WAIT/FWAIT).
row(0x9b, 'fwait', '', { ...P2 });
// FXSAVE/FXRSTOR (SDM Vol. 2 FXSAVE), Pentium II with CPUID.FXSR.
row(X + 0xae, 'fxsave', 'M', { ...P2, ext: 0 });
row(X + 0xae, 'fxrstor', 'M', { ...P2, ext: 1 });

// ---- MMX (pentium2; SDM Vol. 1 Chapter 9, Vol. 2 Appendix A.3) -----------
const MMX: [number, string, string][] = [
  [0x60, 'punpcklbw', 'Pq,Qd'], [0x61, 'punpcklwd', 'Pq,Qd'], [0x62, 'punpckldq', 'Pq,Qd'], [0x63, 'packsswb', 'Pq,Qq'],
  [0x64, 'pcmpgtb', 'Pq,Qq'], [0x65, 'pcmpgtw', 'Pq,Qq'], [0x66, 'pcmpgtd', 'Pq,Qq'], [0x67, 'packuswb', 'Pq,Qq'],
  [0x68, 'punpckhbw', 'Pq,Qq'], [0x69, 'punpckhwd', 'Pq,Qq'], [0x6a, 'punpckhdq', 'Pq,Qq'], [0x6b, 'packssdw', 'Pq,Qq'],
  [0x6e, 'movd', 'Pq,Ed'], [0x6f, 'movq', 'Pq,Qq'], [0x74, 'pcmpeqb', 'Pq,Qq'], [0x75, 'pcmpeqw', 'Pq,Qq'], [0x76, 'pcmpeqd', 'Pq,Qq'],
  [0x7e, 'movd', 'Ed,Pq'], [0x7f, 'movq', 'Qq,Pq'],
  [0xd1, 'psrlw', 'Pq,Qq'], [0xd2, 'psrld', 'Pq,Qq'], [0xd3, 'psrlq', 'Pq,Qq'], [0xd5, 'pmullw', 'Pq,Qq'],
  [0xd8, 'psubusb', 'Pq,Qq'], [0xd9, 'psubusw', 'Pq,Qq'], [0xdb, 'pand', 'Pq,Qq'], [0xdc, 'paddusb', 'Pq,Qq'], [0xdd, 'paddusw', 'Pq,Qq'], [0xdf, 'pandn', 'Pq,Qq'],
  [0xe1, 'psraw', 'Pq,Qq'], [0xe2, 'psrad', 'Pq,Qq'], [0xe5, 'pmulhw', 'Pq,Qq'], [0xe8, 'psubsb', 'Pq,Qq'], [0xe9, 'psubsw', 'Pq,Qq'],
  [0xeb, 'por', 'Pq,Qq'], [0xec, 'paddsb', 'Pq,Qq'], [0xed, 'paddsw', 'Pq,Qq'], [0xef, 'pxor', 'Pq,Qq'],
  [0xf1, 'psllw', 'Pq,Qq'], [0xf2, 'pslld', 'Pq,Qq'], [0xf3, 'psllq', 'Pq,Qq'], [0xf5, 'pmaddwd', 'Pq,Qq'],
  [0xf8, 'psubb', 'Pq,Qq'], [0xf9, 'psubw', 'Pq,Qq'], [0xfa, 'psubd', 'Pq,Qq'], [0xfc, 'paddb', 'Pq,Qq'], [0xfd, 'paddw', 'Pq,Qq'], [0xfe, 'paddd', 'Pq,Qq'],
];
for (const [op, mn, args] of MMX) row(X + op, mn, args, { ...P2 });
const MMX_SHIFT_IMM: [number, number, string][] = [
  [0x71, 2, 'psrlw'], [0x71, 4, 'psraw'], [0x71, 6, 'psllw'], [0x72, 2, 'psrld'], [0x72, 4, 'psrad'], [0x72, 6, 'pslld'], [0x73, 2, 'psrlq'], [0x73, 6, 'psllq'],
];
for (const [op, ext, mn] of MMX_SHIFT_IMM) row(X + op, mn, 'Nq,Ib', { ...P2, ext });
row(X + 0x77, 'emms', '', { ...P2 });

/** Every instruction form, in table order. */
export const INSN_SPECS: readonly InsnSpec[] = rows;

/** Whether `spec` is executed by `model`. */
export function specExists(spec: InsnSpec, model: CpuModel): boolean {
  const r = modelRank(model);
  if (r < modelRank(spec.since)) return false;
  if (spec.until !== undefined && r > modelRank(spec.until)) return false;
  return true;
}
