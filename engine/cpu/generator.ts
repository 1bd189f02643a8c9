/**
 * Random instruction generator, derived from the spec table: picks a form the
 * model executes, adds random prefixes, builds opcode + ModRM (respecting the
 * row's `reg` extension and register/memory-only restriction) and random
 * displacement/immediate bytes. Used by the fuzzer; deterministic for a seed.
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
    out.push((mod << 6) | (reg << 3) | rng.below(8));
  }
  for (let i = 0; i < 8; i++) out.push(rng.byte());
  return out;
}
