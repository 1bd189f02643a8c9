import { describe, expect, it } from 'vitest';
import { compareRuns, formatMarkdown, formatText, githubAnnotations, type GateOptions } from '../../../harness/gate/gate.js';
import type { CaseResult, Outcome } from '../../../harness/results/schema.js';

const opts: GateOptions = { mipsThreshold: 0.1, minSamples: 3, failOnInstructionChange: false };

function c(name: string, outcome: Outcome, extra: Partial<CaseResult> = {}): CaseResult {
  return {
    id: `s/${name}`,
    suite: 's',
    name,
    file: 'suites/s/suite.yaml',
    line: 3,
    app: 's',
    tags: [],
    image: { label: 'disk.img', sha256: 'aa' },
    tier: 'interp',
    cpuModel: 'pentium',
    outcome,
    steps: [],
    instructions: 1000,
    virtualMs: 1,
    wallMs: 10,
    mips: 50,
    artifacts: null,
    files: {},
    ...extra,
  };
}

const golden = (sha: string) => [{ index: 0, kind: 'expect_golden', label: 'g', outcome: 'pass' as const, instructions: 0, virtualMs: 0, golden: { name: 'screen', sha256: sha } }];

describe('gate', () => {
  it('lists new failures, fixes, changed goldens and instruction changes; new failures are a regression', () => {
    const base = [c('a', 'PASS'), c('b', 'FAIL'), c('c', 'PASS', { steps: golden('111') }), c('d', 'PASS'), c('gone', 'PASS')];
    const cand = [c('a', 'FAIL', { message: 'screen differs' }), c('b', 'PASS'), c('c', 'PASS', { steps: golden('222') }), c('d', 'PASS', { instructions: 1001 }), c('new', 'ERROR')];
    const r = compareRuns({ label: 'base', runs: [base] }, { label: 'cand', runs: [cand] }, opts);
    expect(r.newFailures.map((x) => x.id)).toEqual(['s/a', 's/new']);
    expect(r.fixes.map((x) => x.id)).toEqual(['s/b']);
    expect(r.goldens).toEqual([{ id: 's/c', golden: 'screen', before: '111', after: '222' }]);
    expect(r.instructions).toEqual([{ id: 's/d', image: 'disk.img', before: 1000, after: 1001 }]);
    expect(r.removed.map((x) => x.id)).toEqual(['s/gone']);
    expect(r.regression).toBe(true);
    const text = formatText(r, 'base', 'cand');
    expect(text).toContain('s/a [disk.img] PASS → FAIL: screen differs');
    expect(text).toContain('RESULT: regression');
    expect(formatMarkdown(r, 'base', 'cand')).toContain('| s/a | disk.img | PASS | FAIL | screen differs |');
    expect(githubAnnotations(r)[0]).toBe('::error file=suites/s/suite.yaml,line=3,title=New failure%3A s/a::PASS → FAIL: screen differs');
  });

  it('instruction changes alone pass unless asked to fail on them', () => {
    const base = [c('a', 'PASS')];
    const cand = [c('a', 'PASS', { instructions: 5 })];
    expect(compareRuns({ label: '', runs: [base] }, { label: '', runs: [cand] }, opts).regression).toBe(false);
    expect(compareRuns({ label: '', runs: [base] }, { label: '', runs: [cand] }, { ...opts, failOnInstructionChange: true }).regression).toBe(true);
  });

  it('judges MIPS only with enough samples, beyond the noise threshold and without overlap', () => {
    const runs = (mips: number[]) => mips.map((m) => [c('a', 'PASS', { mips: m })]);
    const judge = (b: number[], a: number[]) => compareRuns({ label: '', runs: runs(b) }, { label: '', runs: runs(a) }, opts);
    expect(judge([100], [50]).perf[0]!.verdict).toBe('not enough samples');
    expect(judge([100], [50]).regression).toBe(false);
    const slow = judge([100, 102, 98], [70, 72, 69]);
    expect(slow.perf[0]).toMatchObject({ suite: 's', before: 100, after: 70, verdict: 'regression' });
    expect(slow.regression).toBe(true);
    expect(judge([100, 102, 98], [95, 97, 99]).perf[0]!.verdict).toBe('noise');
    // A big median drop whose samples overlap the baseline's is noise, not a regression.
    expect(judge([100, 60, 98], [70, 99, 69]).perf[0]!.verdict).toBe('noise');
    expect(judge([100, 102, 98], [130, 131, 129]).perf[0]!.verdict).toBe('improvement');
  });
});

describe('gate against a commit in the results store', () => {
  it('reads the baseline build from SQLite; several runs of it are MIPS samples', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { ResultsStore } = await import('../../../harness/results/store-sqlite.js');
    const { sideFromArgs } = await import('../../../harness/cli/gate.js');
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'lab-gate-')), 'lab.db');
    const store = new ResultsStore(db);
    const run = (id: string, commit: string, cases: CaseResult[]) => ({
      schema: 'compat-lab/results' as const,
      schemaVersion: 1 as const,
      run: { id, startedAt: `2026-01-01T00:00:0${id.length}Z`, finishedAt: '', engine: { version: '1', commit, dirty: false }, cpu: null, shard: null, updateGoldens: 'none', host: { platform: '', node: '', cpus: 1 } },
      summary: {},
      cases,
    });
    store.record(run('r1', 'abcdef1234', [c('a', 'PASS', { mips: 100 }), c('b', 'PASS', { mips: 100 })]));
    store.record(run('r22', 'abcdef1234', [c('a', 'PASS', { mips: 101 }), c('b', 'PASS', { mips: 99 })]));
    store.record(run('r333', 'abcdef1234', [c('a', 'PASS', { mips: 98 }), c('b', 'PASS', { mips: 102 })]));
    store.record(run('x', '9999999999', [c('a', 'PASS')]));
    store.close();
    const base = sideFromArgs(['abcdef'], db, 'baseline');
    expect(base.label).toBe('abcdef1234');
    expect(base.runs).toHaveLength(3);
    const cand = { label: 'new', runs: [0, 1, 2].map(() => [c('a', 'FAIL', { mips: 60 }), c('b', 'PASS', { mips: 60 })]) };
    const r = compareRuns(base, cand, opts);
    expect(r.newFailures.map((x) => x.id)).toEqual(['s/a']);
    expect(r.perf[0]).toMatchObject({ suite: 's', verdict: 'regression', samples: [3, 3] });
    expect(() => sideFromArgs(['0000'], db, 'baseline')).toThrow(/no results for engine commit 0000/);
  });
});
