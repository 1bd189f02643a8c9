/** A sample of the disk fuzzer (scripts/disk-fuzz.ts runs 100,000+ cases). */
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../../scripts/disk-fuzz.js';

describe('disk fuzz sample', () => {
  it('1500 mutated images: only EngineInputError, no file changes', () => {
    const stats = runFuzz(1500, 7);
    expect(stats.failures).toEqual([]);
    expect(stats.cases).toBe(1500);
    // Both outcomes must occur, or the mutations are not reaching the parsers.
    expect(stats.rejected).toBeGreaterThan(100);
    expect(stats.opened).toBeGreaterThan(100);
  }, 60_000);
});
