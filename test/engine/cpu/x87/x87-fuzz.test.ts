/**
 * Robustness: random x87/MMX/FXSAVE instructions (from the spec-driven
 * generator) on random FPU states — unsupported encodings, NaNs, denormals,
 * empty and full stacks, every precision/rounding setting — never throw out
 * of run() (guest faults are delivered, host exceptions would escape).
 */
import { describe, expect, it } from 'vitest';
import { Rng, randomInstruction } from '../../../../engine/cpu/generator.js';
import { INSN_SPECS, specExists } from '../../../../engine/cpu/spec.js';
import { ATTR_PRESENT } from '../../../../engine/cpu/cpu.js';
import { make } from '../../../../engine/cpu/x87/float80.js';
import { realMachine } from '../helpers.js';

describe('x87 robustness', () => {
  it('5,000 random x87/MMX instructions on random FPU states run without a host exception', () => {
    const fpuOps = new Set(INSN_SPECS.filter((s) => s.fpu && specExists(s, 'pentium2')).map((s) => s.op));
    const rng = new Rng(5);
    const m = realMachine('pentium2', new Uint8Array([0xf4]), 0x1000, 1 << 20);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const cpu = m.cpu;
      cpu.reset();
      for (let s = 0; s < 4; s++) {
        cpu.seg[s] = cpu.segBase[s] = 0;
        cpu.segLimit[s] = 0xffff;
        cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
      }
      for (let k = 0; k < 8; k++) cpu.r[k] = rng.next() & 0x7fff;
      cpu.r[4] = 0x8000;
      cpu.eip = 0x1000;
      const f = cpu.fpu;
      f.fninit();
      f.fcw = [0x37f, 0x7f, 0x27f, 0xf7f, 0x340][rng.below(5)];
      f.empty = rng.byte();
      f.top = rng.below(8);
      for (let k = 0; k < 8; k++) f.regs[k] = make(rng.below(2), [0, 1, 0x3fff, 0x7fff, 0x7ffe, rng.next() & 0x7fff][rng.below(6)], (BigInt(rng.next()) << 32n) | BigInt(rng.next()));
      for (let a = 0; a < 0x100; a += 4) m.memory.write32(0x2000 + a, rng.next());
      let bytes: number[];
      let op: number;
      do {
        bytes = randomInstruction(rng, 'pentium2');
        const at = bytes.findIndex((b) => ![0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf2, 0xf3].includes(b));
        op = bytes[at] === 0x0f ? 0x100 | bytes[at + 1] : bytes[at];
      } while (!fpuOps.has(op));
      seen.add(op);
      m.memory.writeBytes(0x1000, Uint8Array.from([...bytes, 0xf4]));
      expect(() => cpu.run(3), bytes.map((b) => b.toString(16)).join(' ')).not.toThrow();
    }
    expect(seen.size).toBe(fpuOps.size);
  });
});
