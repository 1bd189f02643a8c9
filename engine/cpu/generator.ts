/**
 * Random instruction generator, derived from the spec table: picks a form the
 * model executes, adds random prefixes, builds opcode + ModRM (respecting the
 * row's `reg` extension and register/memory-only restriction) and random
 * displacement/immediate bytes. Used by the fuzzer; deterministic for a seed.
 *
 * Also the flag facts the differential tests need (`flagsOf`, `flagEffect`): which
 * flags an executed instruction reads, writes and leaves undefined, from the spec
 * table's flag columns refined by the operand-dependent SDM rules.
 */
import { INSN_SPECS, specExists, type CpuModel, type InsnSpec } from './spec.js';

/** xorshift32: small, deterministic, good enough for fuzzing. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
  byte(): number {
    return this.next() & 0xff;
  }
}

const PREFIXES_16 = [0x26, 0x2e, 0x36, 0x3e, 0xf2, 0xf3];
const PREFIXES_32 = [...PREFIXES_16, 0x64, 0x65, 0x66, 0x67];

const cache = new Map<CpuModel, InsnSpec[]>();

function formsFor(model: CpuModel): InsnSpec[] {
  let f = cache.get(model);
  if (!f) {
    f = INSN_SPECS.filter((s) => !s.prefix && specExists(s, model));
    cache.set(model, f);
  }
  return f;
}

/** One random, decodable instruction for `model` (followed by spare operand bytes). */
export function randomInstruction(rng: Rng, model: CpuModel): number[] {
  const forms = formsFor(model);
  const s = forms[rng.below(forms.length)];
  const out: number[] = [];
  const pool = model === '8086' || model === '80186' || model === '80286' ? PREFIXES_16 : PREFIXES_32;
  const np = rng.below(8) === 0 ? 1 + rng.below(3) : 0;
  for (let i = 0; i < np; i++) out.push(pool[rng.below(pool.length)]);
  if (s.op >= 0x100) out.push(0x0f, s.op & 0xff);
  else out.push(s.op);
  if (s.modrm) {
    let mod = rng.below(4);
    if (s.modForm === 1) mod = 3;
    if (s.modForm === 2 && mod === 3) mod = rng.below(3);
    const reg = s.ext >= 0 ? s.ext : rng.below(8);
    const rm = s.rm >= 0 ? s.rm : rng.below(8);
    out.push((mod << 6) | (reg << 3) | rm);
  }
  for (let i = 0; i < 8; i++) out.push(rng.byte());
  return out;
}

// ---- flag effects (used by the differential tests to mask undefined flags) ----

/** Flags one execution writes, and which of those it leaves undefined (a subset of `written`). */
export interface FlagEffect {
  readonly read: number;
  readonly written: number;
  readonly undefined: number;
}

const NONE: FlagEffect = { read: 0, written: 0, undefined: 0 };
const byMnemonic = new Map<string, FlagEffect>();

/**
 * The spec table's flag columns for a mnemonic (the union over its forms; the
 * forms of one mnemonic agree). Unknown mnemonics have no flag effect.
 */
export function flagsOf(mn: string): FlagEffect {
  let e = byMnemonic.get(mn);
  if (e === undefined) {
    let read = 0;
    let written = 0;
    let undef = 0;
    for (const s of INSN_SPECS) {
      if (s.mn !== mn) continue;
      read |= s.flagsRead;
      written |= s.flagsWritten;
      undef |= s.flagsUndefined;
    }
    e = { read, written, undefined: undef };
    byMnemonic.set(mn, e);
  }
  return e;
}

const OF_ = 0x800;
const AF_ = 0x10;
const CF_ = 0x1;
const OSZAPC_ = 0x8d5;

/**
 * Operand-dependent refinement of the spec row's flag columns for one
 * execution on the 80186 or later (counts masked to 5 bits):
 *  - shifts and rotates: a masked count of 0 changes no flag; OF is defined only
 *    for a count of 1; SHL/SHR leave CF undefined when the count is at least the
 *    operand width (SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR "Flags Affected");
 *  - SHLD/SHRD: count 0 changes nothing, OF defined only for count 1, and a count
 *    greater than the operand size leaves the result and all flags undefined
 *    (SDM Vol. 2 SHLD, SHRD);
 *  - CMPS/SCAS with a REP prefix and a zero count do not execute, so they write no
 *    flag (SDM Vol. 2 REP/REPE/REPZ/REPNE/REPNZ).
 * `size` is the operand size in bytes, `count` the raw count operand (CL or
 * imm8), `repCount` the count register when a REP prefix is present.
 */
export function flagEffect(mn: string, size: number, count = 0, repCount = -1, rank = 6): FlagEffect {
  const base = flagsOf(mn);
  const c = rank >= 1 ? count & 0x1f : count & 0xff;
  switch (mn) {
    case 'shl':
    case 'sal':
    case 'shr':
    case 'sar': {
      if (c === 0) return { ...NONE, read: base.read };
      let u = AF_ | (c === 1 ? 0 : OF_);
      if (mn !== 'sar' && c >= size * 8) u |= CF_;
      return { read: base.read, written: OSZAPC_, undefined: u };
    }
    case 'rol':
    case 'ror':
    case 'rcl':
    case 'rcr':
      if (c === 0) return { ...NONE, read: base.read };
      return { read: base.read, written: OF_ | CF_, undefined: c === 1 ? 0 : OF_ };
    case 'shld':
    case 'shrd':
      if (c === 0) return NONE;
      if (c > size * 8) return { read: 0, written: OSZAPC_, undefined: OSZAPC_ };
      return { read: 0, written: OSZAPC_, undefined: AF_ | (c === 1 ? 0 : OF_) };
    case 'cmps':
    case 'scas':
      if (repCount === 0) return { ...NONE, read: base.read };
      return base;
    default:
      return base;
  }
}
