/**
 * `lab run` end to end on the real engine, through the built CLI
 * (node bin/lab.js), with the smoke suite's own guest programs:
 * passing run + report, two shards merged equal one run, a one-pixel golden
 * change exits 1 with the diff in the report, repro and gate on that failure,
 * a malformed suite.yaml exits 2 with file:line:col, a missing image exits 3.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPng, writePng } from '../../../harness/png.js';
import { readResults, type CaseResult } from '../../../harness/results/schema.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const LAB = path.join(REPO, 'bin', 'lab.js');
const SMOKE = path.join(REPO, 'suites', 'smoke');
const PICK = 'smoke/(text-mode|printer)$';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

/**
 * The CLI runs compiled code: build when dist/ is missing or older than the
 * sources (`npm test` builds first, so in CI this is a no-op).
 */
async function ensureBuilt(): Promise<void> {
  const main = path.join(REPO, 'dist', 'harness', 'cli', 'main.js');
  const built = existsSync(main) ? statSync(main).mtimeMs : 0;
  if (built > Math.max(newest(path.join(REPO, 'harness')), newest(path.join(REPO, 'engine')))) return;
  await execa('npm', ['run', 'build'], { cwd: REPO, reject: false });
  expect(existsSync(path.join(REPO, 'dist', 'harness', 'runner', 'worker.js'))).toBe(true);
}

let work: string;

function lab(...args: string[]) {
  return execa('node', [LAB, ...args], { cwd: work, reject: false, env: { CI: '', GITHUB_ACTIONS: '' }, extendEnv: true });
}

const common = () => ['--goldens', path.join(work, 'golden'), '--cache', path.join(work, 'cache'), '--db', path.join(work, 'lab.db'), '--progress', 'lines', '-j', '2'];
const strip = (cs: CaseResult[]) => cs.map(({ wallMs: _w, mips: _m, steps, ...rest }) => ({ ...rest, steps: steps.map(({ wallMs: _s, ...st }) => st) }));

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'lab-cli-'));
  cpSync(path.join(REPO, 'golden', 'smoke'), path.join(work, 'golden', 'smoke'), { recursive: true });
}, 300_000);

describe('lab run on the real engine', () => {
  it('runs the smoke cases, writes results, JUnit and a report; two shards merged equal one run', async () => {
    const r = await lab('run', SMOKE, '--grep', PICK, '--results', 'all', '--junit', 'junit.xml', '--report', 'report', ...common());
    expect(r.stderr).toMatch(/2 cases: 2 PASS/);
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(work, 'report', 'index.html'))).toBe(true);
    expect(readFileSync(path.join(work, 'junit.xml'), 'utf8')).toContain('tests="2" failures="0" errors="0"');
    // The report opens in Chromium from file:// without errors.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
      page.on('pageerror', (e) => void errors.push(String(e)));
      await page.goto(pathToFileURL(path.join(work, 'report', 'index.html')).href);
      expect(await page.locator('table.matrix .o-PASS').count()).toBe(2);
      expect(await page.locator('table.apps').innerText()).toContain('Works');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    const whole = readResults(path.join(work, 'all')).results;
    expect(whole.cases.every((c) => c.instructions > 0)).toBe(true);

    const [a, b] = await Promise.all([
      lab('run', SMOKE, '--grep', PICK, '--shard', '1/2', '--results', 's1', ...common(), '-j', '1'),
      lab('run', SMOKE, '--grep', PICK, '--shard', '2/2', '--results', 's2', ...common(), '-j', '1'),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const m = await lab('merge', 's1', 's2', '--out', 'merged');
    expect(m.exitCode).toBe(0);
    const merged = readResults(path.join(work, 'merged')).results;
    // Exact instruction counts and virtual times included: the engine is deterministic.
    expect(strip(merged.cases)).toEqual(strip(whole.cases));
  });

  it('one changed golden pixel exits 1 with the diff in the report; repro reproduces it; the gate flags it', async () => {
    const gp = path.join(work, 'golden', 'smoke', 'text-mode', 'screen.png');
    const g = readPng(gp);
    g.data[(100 * g.width + 100) * 4 + 1] ^= 0x40;
    writePng(gp, g);
    const r = await lab('run', SMOKE, '--grep', 'smoke/text-mode$', '--results', 'bad', '--report', 'bad-report', ...common());
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('screen differs from golden "screen": 1 pixel differs in x 100..100, y 100..100 (tolerance 0)');
    const c = readResults(path.join(work, 'bad')).results.cases[0]!;
    expect(c.outcome).toBe('FAIL');
    const step = c.steps.find((s) => s.kind === 'expect_golden')!;
    expect(step.diffPixels).toBe(1);
    const page = readFileSync(path.join(work, 'bad-report', 'cases', 'smoke', 'text-mode', 'index.html'), 'utf8');
    expect(page).toContain('src="screen.diff.png"');
    expect(existsSync(path.join(work, 'bad-report', 'cases', 'smoke', 'text-mode', 'screen.diff.png'))).toBe(true);
    expect(c.files.trace).toBe('trace.json');
    expect(JSON.parse(readFileSync(path.join(work, 'bad', c.artifacts!, 'trace.json'), 'utf8')).length).toBeGreaterThan(0);

    const repro = await lab('repro', path.join('bad', c.artifacts!));
    expect(repro.stdout).toContain('restored the state before step 4');
    expect(repro.stdout).toContain('reproduced');
    expect(repro.exitCode).toBe(1);

    const summary = path.join(work, 'summary.md');
    const gate = await execa('node', [LAB, 'gate', '--baseline', 'all', '--candidate', 'bad'], {
      cwd: work,
      reject: false,
      env: { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    });
    expect(gate.stdout).toMatch(/New failures: \n {2}smoke\/text-mode \[text\.asm\] PASS → FAIL/);
    expect(gate.stdout).toContain('RESULT: regression');
    expect(gate.stdout).toMatch(/^::error file=[^,]*suites\/smoke\/suite\.yaml,line=\d+,title=New failure%3A smoke\/text-mode::PASS → FAIL/m);
    expect(readFileSync(summary, 'utf8')).toContain('## Compatibility gate: ❌ regression');
    expect(gate.exitCode).toBe(1);
  });

  it('a malformed suite.yaml exits 2 with file:line:col', async () => {
    const dir = path.join(work, 'suites', 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'suite.yaml'), 'machine: { fda: { image: x.img } }\ncases:\n  - name: a\n    steps:\n      - wait_txt: hello\n');
    const r = await lab('run', dir, ...common());
    expect(r.stderr).toContain(`lab: ${path.join('suites', 'broken', 'suite.yaml')}:5:9: unknown step "wait_txt"; expected one of:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.exitCode).toBe(2);
  });

  it('a missing image exits 3 (ERROR)', async () => {
    const dir = path.join(work, 'suites', 'noimage');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'suite.yaml'), 'machine: { fda: { image: missing.img } }\ncases:\n  - name: a\n    steps: [boot, { wait_text: hi }]\n');
    const r = await lab('run', dir, '--results', 'noimage', ...common());
    expect(r.stderr).toMatch(/ERROR noimage\/a[^\n]*\n\s+fda image not found: .*missing\.img/);
    expect(r.exitCode).toBe(3);
  });
});
