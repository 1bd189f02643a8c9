/**
 * Differential property tests: the translator tier against the interpreter.
 *
 * fast-check draws a seed; the seed drives a generator of random NASM
 * programs (a loop whose body mixes ALU/shift/multiply forms in 8/16/32-bit,
 * memory operands near a page boundary, forward Jcc over random flag
 * producers, calls, push/pop, SETcc/CMOVcc, DIV that may raise #DE, reads of
 * unmapped memory, and stores into the running loop's own code), also with
 * paging on at ring 0 and ring 3 (faulting pages, page-table edits, REP
 * MOVS/STOS steps across pages with different mappings and rights). The
 * program runs on two CPUs, one with the translator attached, both with a
 * timer that raises an interrupt every K instructions. Everything must match:
 * registers, EFLAGS, EIP, segment state, all of RAM, retired-instruction
 * count, clock ticks and the number of interrupts taken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nasm } from '../helpers.js';
import { program, runTier, type Mode } from './programs.js';

function compare(mode: Mode, runs: number): void {
  let translated = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 40, max: 900 }), fc.integer({ min: 1, max: 5000 }), (seed, period, chunk) => {
      const code = nasm(program(seed, mode));
      const a = runTier(code, mode, false, period, chunk);
      const b = runTier(code, mode, true, period, chunk);
      translated += b.translated;
      const { ram: ra, stats: _sa, ...sa } = a;
      const { ram: rb, stats: _sb, ...sb } = b;
      expect({ ...sb, translated: 0 }).toEqual({ ...sa, translated: 0 });
      expect(ra.equals(rb)).toBe(true);
    }),
    { numRuns: Number(process.env.JIT_DIFF_RUNS ?? runs) },
  );
  // The property is vacuous if nothing ran translated.
  expect(translated).toBeGreaterThan(0);
}

/** Soak runs: JIT_DIFF_RUNS=500 npx vitest run test/engine/cpu/jit (timeouts scale with it). */
const T = 60_000 * Math.max(1, Number(process.env.JIT_DIFF_RUNS ?? 0) / 20);

describe('translator tier = interpreter (differential, random programs)', () => {
  it('32-bit protected mode (p6): loops, calls, #DE, timer interrupts, self-modifying stores', () => compare({ bits: 32, model: 'p6' }, 40), T);
  it('32-bit paging, ring 0: remapped, read-only, not-present pages, page-table edits, INVLPG, CR3 reloads', () => compare({ bits: 32, model: 'p6', paging: 0 }, 25), T);
  it('32-bit paging, ring 3: user/supervisor pages, page-table edits without INVLPG', () => compare({ bits: 32, model: 'p6', paging: 3 }, 25), T);
  it('16-bit real mode (80386)', () => compare({ bits: 16, model: '80386' }, 25), T);
  it('16-bit real mode (8086)', () => compare({ bits: 16, model: '8086' }, 20), T);
});
