import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MachineFactory } from '../../../harness/machine-api.js';
import { effectiveUpdateMode } from '../../../harness/cli/run.js';
import { mergeInto } from '../../../harness/results/merge.js';
import { readResults, type CaseResult } from '../../../harness/results/schema.js';
import { toJUnit } from '../../../harness/results/junit.js';
import type { Executor } from '../../../harness/runner/pool.js';
import { runCase } from '../../../harness/runner/run-case.js';
import { runSuites, type RunSettings } from '../../../harness/runner/run.js';
import { parseShard, selectShard } from '../../../harness/runner/shard.js';
import { FakeMachine, type FakeScript } from '../fake-machine.js';

/** Each fake disk image names the script its guest follows. */
const SCRIPTS: Record<string, FakeScript> = {
  'hello.img': { events: [{ at: 3_000, text: 'Hello' }, { at: 4_000, serial: 'OK\r\n' }, { at: 5_000, print: 'page\f' }] },
  'silent.img': { events: [] },
};

const factory: MachineFactory = {
  create: async (config) => new FakeMachine(SCRIPTS[path.basename(config.fda!.path)]!),
  restore: async (bytes) => FakeMachine.fromSnapshot(SCRIPTS['hello.img']!, bytes),
};

const inProcess: Executor = { run: (t) => runCase(t, factory), close: async () => {} };
const quiet = { start() {}, done() {}, stop() {} };

function workspace(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lab-run-'));
  const dir = path.join(root, 'suites', 'demo');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'hello.img'), Buffer.alloc(512));
  writeFileSync(path.join(dir, 'silent.img'), Buffer.alloc(512));
  writeFileSync(
    path.join(dir, 'suite.yaml'),
    `app: Demo
timeout: 20ms
machine: { fda: { image: hello.img } }
cases:
  - name: pass
    tags: [good]
    steps: [boot, { wait_text: Hello }, { wait_serial: OK }, { run: 2ms }, { expect_print: page }]
  - name: fail
    steps: [boot, { wait_text: Goodbye }, { type: never }]
  - name: xfail
    xfail: { reason: known, link: "https://example.com/bug/1" }
    steps: [boot, { expect_text: Goodbye }]
  - name: xpass
    tags: [good]
    xfail: { reason: fixed already }
    steps: [boot, { wait_text: Hello }]
  - name: skipped
    skip: not today
    steps: [boot]
  - name: missing-image
    machine: { fda: { image: nowhere.img } }
    steps: [boot]
  - name: silent
    machine: { fda: { image: silent.img } }
    steps: [boot, { run: 5ms }, { expect_golden: blank }]
`,
  );
  mkdirSync(path.join(root, 'golden', 'demo', 'pass'), { recursive: true });
  writeFileSync(path.join(root, 'golden', 'demo', 'pass', 'page.txt'), 'page\f');
  return root;
}

function settings(root: string, over: Partial<RunSettings> = {}): RunSettings {
  return {
    paths: [path.join(root, 'suites')],
    jobs: 1,
    tags: [],
    updateGoldens: 'none',
    resultsDir: path.join(root, 'results'),
    db: path.join(root, 'lab.db'),
    goldenRoot: path.join(root, 'golden'),
    cacheDir: path.join(root, 'cache'),
    reproSnapshots: true,
    progress: 'none',
    engine: { version: '0.1.0', commit: 'c0ffee', dirty: false },
    pollInstructions: 1000,
    ...over,
  };
}

const byId = (cases: CaseResult[]) => Object.fromEntries(cases.map((c) => [c.name, c]));

describe('lab run (in-process, fake machine)', () => {
  it('gives every outcome, writes results.json, JUnit, the store and failure artifacts', async () => {
    const root = workspace();
    const junit = path.join(root, 'junit.xml');
    const { results, exitCode, resultsFile } = await runSuites(settings(root, { junit }), inProcess, quiet);
    const c = byId(results.cases);
    expect(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.outcome]))).toEqual({
      pass: 'PASS',
      fail: 'FAIL',
      xfail: 'XFAIL',
      xpass: 'XPASS',
      skipped: 'SKIP',
      'missing-image': 'ERROR',
      silent: 'FAIL',
    });
    expect(exitCode).toBe(3);
    expect(c['missing-image']!.message).toMatch(/fda image not found: .*nowhere\.img/);
    expect(c.fail!.message).toMatch(/timed out after 20 virtual ms/);
    expect(c.fail!.steps.map((s) => s.outcome)).toEqual(['pass', 'fail', 'not-run']);
    expect(c.pass!.instructions).toBe(6_000);
    expect(c.silent!.message).toMatch(/golden "blank" does not exist/);

    // results.json is schema-valid and round-trips.
    const loaded = readResults(path.dirname(resultsFile));
    expect(loaded.results.summary).toMatchObject({ total: 7, PASS: 1, FAIL: 2, XFAIL: 1, XPASS: 1, ERROR: 1, SKIP: 1 });

    // A failure keeps the screen, logs, trace and what `lab repro` needs.
    const art = path.join(root, 'results', c.fail!.artifacts!);
    expect(c.fail!.files).toMatchObject({ serial: ['com1.log'], printer: 'lpt1.prn', trace: 'trace.json', snapshot: 'before-failure.snap', repro: 'repro.json' });
    expect(readFileSync(path.join(art, 'com1.log'), 'latin1')).toBe('OK\r\n');
    const repro = JSON.parse(readFileSync(path.join(art, 'repro.json'), 'utf8'));
    expect(repro).toMatchObject({ caseId: 'demo/fail', failedStep: 1, snapshot: 'before-failure.snap' });
    const snap = FakeMachine.fromSnapshot(SCRIPTS['hello.img']!, readFileSync(path.join(art, 'before-failure.snap')));
    expect(snap.instructions).toBe(0);
    expect(existsSync(path.join(art, '01-timeout.png'))).toBe(true);

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="lab" tests="7" failures="3" errors="1" skipped="2"');
    expect(xml).toMatch(/<testcase classname="demo" name="xfail"[^>]*>\s*<skipped message="xfail: known \(https:\/\/example.com\/bug\/1\)"\/>/);

    const db = new Database(path.join(root, 'lab.db'), { readonly: true });
    const rows = db.prepare('SELECT case_id, engine_commit, outcome, instructions FROM case_results ORDER BY case_id').all();
    db.close();
    expect(rows).toContainEqual({ case_id: 'demo/pass', engine_commit: 'c0ffee', outcome: 'PASS', instructions: 6000 });
    expect(rows).toHaveLength(7);
  });

  it('exit codes: 0 when everything passes or xfails, 1 on FAIL or XPASS', async () => {
    const root = workspace();
    expect((await runSuites(settings(root, { grep: '^demo/(pass|xfail|skipped)$' }), inProcess, quiet)).exitCode).toBe(0);
    expect((await runSuites(settings(root, { grep: 'xpass' }), inProcess, quiet)).exitCode).toBe(1);
    expect((await runSuites(settings(root, { tags: ['good'] }), inProcess, quiet)).results.cases.map((c) => c.name)).toEqual(['pass', 'xpass']);
    await expect(runSuites(settings(root, { grep: '(' }), inProcess, quiet)).rejects.toThrow(/--grep: invalid regular expression/);
  });

  it('two shards merged equal one unsharded run', async () => {
    const root = workspace();
    const strip = (cs: CaseResult[]) => cs.map(({ wallMs: _w, mips: _m, steps, ...rest }) => ({ ...rest, steps: steps.map(({ wallMs: _s, ...st }) => st) }));
    const whole = await runSuites(settings(root, { resultsDir: path.join(root, 'all') }), inProcess, quiet);
    const s1 = await runSuites(settings(root, { resultsDir: path.join(root, 's1'), shard: parseShard('1/2') }), inProcess, quiet);
    const s2 = await runSuites(settings(root, { resultsDir: path.join(root, 's2'), shard: parseShard('2/2') }), inProcess, quiet);
    expect(s1.results.cases.length + s2.results.cases.length).toBe(whole.results.cases.length);
    const { merged, file } = mergeInto([readResults(path.join(root, 's1')), readResults(path.join(root, 's2'))], path.join(root, 'merged'));
    expect(strip(merged.cases)).toEqual(strip(whole.results.cases));
    expect(merged.summary).toEqual(whole.results.summary);
    const fail = merged.cases.find((c) => c.name === 'fail')!;
    expect(existsSync(path.join(path.dirname(file), fail.artifacts!, 'repro.json'))).toBe(true);
    expect(() => mergeInto([readResults(path.join(root, 's1')), readResults(path.join(root, 'all'))], path.join(root, 'm2'))).toThrow(/shards must not overlap/);
  });
});

describe('scripted cases (TypeScript API)', () => {
  it('run a module whose default export drives the Session; failures inside it FAIL the case', async () => {
    const root = workspace();
    const dir = path.join(root, 'suites', 'scripted');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'hello.img'), Buffer.alloc(512));
    writeFileSync(
      path.join(dir, 'ok.mjs'),
      `export default async function (s) {
        await s.boot();
        for (const t of ['Hel', 'Hello']) s.waitText({ contains: t });
        s.type('abc');
        s.expectText({ regex: '^abc$' }, { row: 24 });
      }\n`,
    );
    writeFileSync(path.join(dir, 'bad.mjs'), `export default async function (s) { await s.boot(); s.expectText({ contains: 'nope' }); }\n`);
    writeFileSync(path.join(dir, 'suite.yaml'), `machine: { fda: { image: hello.img } }\ncases:\n  - name: ok\n    script: ok.mjs\n  - name: bad\n    script: bad.mjs\n`);
    const { results } = await runSuites(settings(root, { paths: [dir] }), inProcess, quiet);
    const c = byId(results.cases);
    expect(c.ok!.outcome).toBe('PASS');
    expect(c.ok!.steps.map((s) => s.kind)).toEqual(['boot', 'wait_text', 'wait_text', 'type', 'expect_text']);
    expect(c.bad!.outcome).toBe('FAIL');
    expect(c.bad!.message).toMatch(/expected "nope" on screen/);
  });
});

describe('shards', () => {
  it('partition any set of cases: disjoint, complete, deterministic', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (ids, n) => {
        const items = ids.map((id) => ({ id }));
        const shards = Array.from({ length: n }, (_, i) => selectShard(items, { index: i + 1, count: n }).map((x) => x.id));
        const all = shards.flat();
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual([...ids].sort());
        expect(selectShard([...items].reverse(), { index: 1, count: n }).map((x) => x.id)).toEqual(shards[0]);
        for (const s of shards) expect(Math.abs(s.length - ids.length / n)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('rejects malformed shard specs', () => {
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1-2']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });
});

describe('goldens in CI', () => {
  it('CI forces --update-goldens none and rejects anything else', () => {
    expect(effectiveUpdateMode(undefined, { CI: 'true' })).toBe('none');
    expect(effectiveUpdateMode('none', { CI: '1' })).toBe('none');
    expect(() => effectiveUpdateMode('missing', { CI: 'true' })).toThrow(/never written in CI/);
    expect(effectiveUpdateMode('all', {})).toBe('all');
  });
});

describe('JUnit', () => {
  it('escapes XML and control characters in messages', () => {
    const xml = toJUnit({
      schema: 'compat-lab/results',
      schemaVersion: 1,
      run: { id: 'x', startedAt: '', finishedAt: '', engine: { version: '', commit: '', dirty: false }, cpu: null, shard: null, updateGoldens: 'none', host: { platform: '', node: '', cpus: 1 } },
      summary: {},
      cases: [
        { id: 's/a', suite: 's', name: 'a<&>', file: 'f', line: 1, app: 's', tags: [], image: null, tier: 'interp', cpuModel: 'p', outcome: 'FAIL', message: 'bad "\u0001" <x>', steps: [], instructions: 0, virtualMs: 0, wallMs: 0, mips: 0, artifacts: null, files: {} },
      ],
    });
    expect(xml).toContain('name="a&lt;&amp;&gt;"');
    expect(xml).toContain('message="bad &quot;\\x01&quot; &lt;x&gt;"');
  });
});
