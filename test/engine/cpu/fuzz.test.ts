import { describe, expect, it } from 'vitest';
import { fuzz } from '../../../scripts/cpu-fuzz.js';
import { Rng, randomInstruction } from '../../../engine/cpu/generator.js';
import { disassembleBytes } from '../../../engine/cpu/disasm.js';

describe('CPU fuzzing', () => {
  it('random code in real, protected and virtual-8086 mode never escapes run() or overruns the budget', () => {
    const r = fuzz(3000, 12345);
    expect(r.failures.map((f) => `${f.seed} ${f.model} ${f.mode}: ${f.error.split('\n')[0]}`)).toEqual([]);
    expect(r.cases).toBe(3000);
    // Every mode is exercised by the CI sample.
    expect(r.modes.real).toBeGreaterThan(500);
    expect(r.modes.protected).toBeGreaterThan(500);
    expect(r.modes.v86).toBeGreaterThan(300);
    expect(r.retired).toBeGreaterThan(100_000);
  });

  it('generated instructions decode to a defined form of the model', () => {
    const rng = new Rng(7);
    for (const model of ['8086', '80286', 'p6'] as const) {
      for (let i = 0; i < 300; i++) {
        const bytes = randomInstruction(rng, model);
        const d = disassembleBytes(bytes, model, 0, false);
        expect(d.text, bytes.map((b) => b.toString(16)).join(' ')).not.toBe('(bad)');
        expect(d.length).toBeGreaterThan(0);
      }
    }
  });
});
