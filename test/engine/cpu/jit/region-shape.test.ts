/**
 * The shape of generated region code that V8 needs to keep its fast code
 * (compiler.ts, RegionFn and the exactness notes):
 *
 *   - block cases are labelled with dense ids, so the region's switch becomes
 *     one jump table (sparse labels, such as start EIPs, become a chain of
 *     compares run on every dispatch);
 *   - every exit path only assigns locals and leaves the loop: no stores, no
 *     calls, no throw. V8 optimises a region before its exits have run, and an
 *     exit that does more deoptimises the region the first time it runs;
 *   - one epilogue reports the exit kind.
 *
 * Correctness of these paths is the differential tests' job; this test keeps
 * the shape from drifting back, over the random programs those tests use
 * (loops, calls, indirect jumps, faults, self-modifying stores, paging).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nasm } from '../helpers.js';
import { program, runTier, type Mode } from './programs.js';
import { RegionCompiler } from '../../../../engine/cpu/jit/compiler.js';

/** Sources of every region compiled while `fn` runs. */
function regionSources(fn: () => void): string[] {
  const sources: string[] = [];
  const compile = RegionCompiler.prototype.compile;
  vi.spyOn(RegionCompiler.prototype, 'compile').mockImplementation(function (this: RegionCompiler, ...args: Parameters<RegionCompiler['compile']>) {
    const res = compile.apply(this, args);
    if (res.source !== undefined) sources.push(res.source);
    return res;
  });
  fn();
  return sources;
}

const MODES: Mode[] = [
  { bits: 32, model: 'p6' },
  { bits: 16, model: '80386' },
  { bits: 32, model: 'p6', paging: 0 },
  { bits: 32, model: 'p6', paging: 3 },
];

/**
 * Statements that lead to the `break L;` at `at`: exits are emitted on one line, after the
 * line's last `{` (an `if`'s block), after `default:`, or alone on the line.
 */
function exitGroup(src: string, at: number): string {
  const line = src.lastIndexOf('\n', at) + 1;
  const open = Math.max(line, src.lastIndexOf('{', at) + 1, src.lastIndexOf('default:', at) + 'default:'.length);
  return src.slice(open, at).trim();
}

describe('generated region code', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(MODES)('keeps dense case ids and local-only exits ($bits-bit, $model, paging $paging)', (mode) => {
    const sources = regionSources(() => {
      for (let seed = 1; seed <= 12; seed++) runTier(nasm(program(seed, mode)), mode, true, 300, 2000);
    });
    expect(sources.length).toBeGreaterThan(0);
    let exits = 0;
    for (const src of sources) {
      const ids = [...src.matchAll(/^ +case (-?\d+): \{$/gm)].map((m) => Number(m[1]));
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      // Ignition makes a jump table when the labels span at most about three times their count.
      expect(Math.min(...ids)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...ids)).toBeLessThan(2 * ids.length + 8);
      expect(src).not.toMatch(/\bthrow\b/);
      expect(src.match(/X\.ctl = /g)?.length).toBe(1);
      for (const m of src.matchAll(/break L;/g)) {
        const group = exitGroup(src, m.index);
        // Only assignments of literals or temps to the exit's locals (EIP, kind, bail index, count).
        expect(group).toMatch(/^(?:(?:ex|ct|k) = (?:-?\d+|t\d+);\s*|n -= \d+;\s*)*$/);
        exits++;
      }
    }
    expect(exits).toBeGreaterThan(0);
  }, 120_000);
});
