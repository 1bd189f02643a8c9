/** A sample of the disk fuzzer (scripts/disk-fuzz.ts runs 100,000+ cases). */
import { afterAll, describe, expect, it } from 'vitest';
import { buildSeeds, runCase, runFuzz, type FuzzStats } from '../../../scripts/disk-fuzz.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('disk-fuzz-regress-');
afterAll(cleanup);

describe('disk fuzz sample', () => {
  it('1500 mutated images: only EngineInputError, no file changes', () => {
    const stats = runFuzz(1500, 7);
    expect(stats.failures).toEqual([]);
    expect(stats.cases).toBe(1500);
    // Both outcomes must occur, or the mutations are not reaching the parsers.
    expect(stats.rejected).toBeGreaterThan(100);
    expect(stats.opened).toBeGreaterThan(100);
  }, 60_000);

  it('cases that once failed (check read huge parent locators) pass', () => {
    const seeds = buildSeeds(dir);
    const stats: FuzzStats = { cases: 0, rejected: 0, opened: 0, failures: [], slowestMs: 0 };
    for (const c of [1020932, 1062006, 1064931, 1088075]) expect(runCase(seeds, c, stats)).toBeNull();
  });
});
