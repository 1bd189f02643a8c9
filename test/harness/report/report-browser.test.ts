/**
 * The HTML report in a real browser: headless Chromium (Debian `chromium`,
 * driven by playwright-core) opens the report from file:// — no console
 * errors, every link and image resolves, the diff viewer's slider moves — and
 * a screenshot of the overview is kept in reports/test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineFactory } from '../../../harness/machine-api.js';
import { readPng, writePng } from '../../../harness/png.js';
import { writeReport } from '../../../harness/report/generate.js';
import { tierOf } from '../../../harness/report/tier.js';
import type { Executor } from '../../../harness/runner/pool.js';
import { runCase } from '../../../harness/runner/run-case.js';
import { runSuites, type RunSettings } from '../../../harness/runner/run.js';
import { FakeMachine, type FakeScript } from '../fake-machine.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('reports', 'test-artifacts');

const script: FakeScript = {
  events: [
    { at: 2_000, text: 'Ready' },
    { at: 3_000, rect: { x: 8, y: 8, w: 16, h: 12, rgb: [0, 128, 255] } },
    { at: 4_000, serial: 'BOOT OK\r\n' },
    { at: 4_500, print: 'PAGE\f' },
  ],
};
const factory: MachineFactory = {
  create: async () => new FakeMachine(script),
  restore: async (b) => FakeMachine.fromSnapshot(script, b),
};
const inProcess: Executor = { run: (t) => runCase(t, factory), close: async () => {} };
const quiet = { start() {}, done() {}, stop() {} };

let root: string;
let index: string;
let browser: Browser;

async function runOnce(commit: string, update: 'missing' | 'none'): Promise<string> {
  const s: RunSettings = {
    paths: [path.join(root, 'suites')],
    jobs: 1,
    tags: [],
    updateGoldens: update,
    resultsDir: path.join(root, `results-${commit}`),
    db: path.join(root, 'lab.db'),
    goldenRoot: path.join(root, 'golden'),
    cacheDir: path.join(root, 'cache'),
    reproSnapshots: true,
    progress: 'none',
    engine: { version: '0.1.0', commit, dirty: false },
    pollInstructions: 500,
  };
  return (await runSuites(s, inProcess, quiet)).resultsFile;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'lab-report-'));
  const dir = path.join(root, 'suites', 'demo');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'disk.img'), Buffer.alloc(512));
  writeFileSync(
    path.join(dir, 'suite.yaml'),
    `app: Demo app
timeout: 50ms
machine: { fda: { image: disk.img } }
cases:
  - name: screen
    steps: [boot, { wait_serial: BOOT OK }, { expect_golden: desktop }, { screenshot: final }]
  - name: printer
    steps: [boot, { run: 10ms }, { expect_print: page }, { expect_serial: "BOOT OK" }]
  - name: known-bug
    xfail: { reason: "tracked upstream", link: "https://example.com/issue/7" }
    steps: [boot, { wait_text: Never }]
  - name: later
    skip: not yet
    steps: [boot]
`,
  );
  // Build 1 creates the goldens; then one golden pixel changes, so build 2 fails with a diff.
  const first = await runOnce('1111111111aaaa', 'missing');
  const gp = path.join(root, 'golden', 'demo', 'screen', 'desktop.png');
  const g = readPng(gp);
  g.data[(10 * g.width + 10) * 4] ^= 0xff;
  writePng(gp, g);
  const second = await runOnce('2222222222bbbb', 'none');
  index = writeReport({ results: [first, second], out: path.join(root, 'report'), db: path.join(root, 'lab.db') });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

describe('HTML report in Chromium', () => {
  it('has the chromium binary', () => {
    expect(existsSync(CHROMIUM), 'install Debian chromium (apt-get install -y chromium)').toBe(true);
  });

  it('overview: counts, derived tier, new failures first; keeps a screenshot', async () => {
    const { page, errors } = await open(pathToFileURL(index).href);
    const firstRow = await page.locator('table.matrix tr').nth(1).innerText();
    expect(firstRow).toContain('demo/screen');
    expect(firstRow).toContain('NEW FAILURE');
    expect(await page.locator('table.apps').innerText()).toMatch(/Demo app\s+Works with issues\s+1 \/ 3/);
    expect(await page.locator('.count').allInnerTexts()).toEqual(['1\nPASS', '1\nFAIL', '1\nXFAIL', '0\nXPASS', '0\nERROR', '1\nSKIP']);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-overview.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('every page loads without console errors and every link and image resolves', async () => {
    const seen = new Set<string>();
    const queue = [pathToFileURL(index).href];
    // One tab for the whole crawl; errors are collected per page.
    const { page, errors } = await open('about:blank');
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      errors.length = 0;
      await page.goto(url, { waitUntil: 'load' });
      expect(errors, url).toEqual([]);
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as unknown as { href: string }).href));
      for (const h of hrefs) {
        if (!h.startsWith('file:')) continue;
        const file = fileURLToPath(h.split('#')[0]!);
        expect(existsSync(file), `${url} links to missing ${file}`).toBe(true);
        if (file.endsWith('.html')) queue.push(pathToFileURL(file).href);
      }
      const broken = await page.$$eval('img', (imgs) => (imgs as unknown as { complete: boolean; naturalWidth: number; src: string }[]).filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src));
      expect(broken, url).toEqual([]);
    }
    await page.close();
    // index, trends and one page per case.
    expect(seen.size).toBe(2 + 4);
  });

  it('the case page shows the diff, and the slider moves', async () => {
    const { page, errors } = await open(pathToFileURL(path.join(path.dirname(index), 'cases', 'demo', 'screen', 'index.html')).href);
    expect(await page.locator('.pane.active img').getAttribute('src')).toBe('desktop.diff.png');
    expect(await page.locator('body').innerText()).toContain('1 differing pixel(s) in red');
    await page.getByRole('button', { name: 'Slider' }).click();
    const top = page.locator('.slider .top');
    expect(await top.evaluate((e) => (e as unknown as { style: { clipPath: string } }).style.clipPath)).toBe('inset(0px 50% 0px 0px)');
    await page.locator('.slider input').fill('20');
    expect(await top.evaluate((e) => (e as unknown as { style: { clipPath: string } }).style.clipPath)).toBe('inset(0px 80% 0px 0px)');
    await page.getByRole('button', { name: 'Side by side' }).click();
    expect(await page.locator('.pane.active figure').count()).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trends draw pass/fail per case and MIPS per suite over both builds', async () => {
    const { page, errors } = await open(pathToFileURL(path.join(path.dirname(index), 'trends.html')).href);
    expect(await page.locator('svg.outcome-grid rect').count()).toBe(4 * 2);
    expect(await page.locator('svg.outcome-grid title').allTextContents()).toContain('demo/screen @ 2222222222: FAIL');
    expect(await page.locator('svg.line-chart').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('report of a single run', () => {
  it('takes earlier builds from the results store, so new failures still come first', async () => {
    const { readFileSync } = await import('node:fs');
    const only = writeReport({ results: [path.join(root, 'results-2222222222bbbb')], out: path.join(root, 'report-one'), db: path.join(root, 'lab.db') });
    const html = readFileSync(only, 'utf8');
    expect(html).toContain('<th title="1111111111aaaa">1111111111</th>');
    expect(html.indexOf('NEW FAILURE')).toBeGreaterThan(0);
    expect(html.indexOf('demo/screen')).toBeLessThan(html.indexOf('demo/printer'));
    const alone = writeReport({ results: [path.join(root, 'results-2222222222bbbb')], out: path.join(root, 'report-alone'), db: null });
    expect(readFileSync(alone, 'utf8')).not.toContain('1111111111');
  });
});

describe('compatibility tiers', () => {
  it('derive from checks only', () => {
    expect(tierOf(['PASS', 'PASS', 'SKIP'])).toBe('Works');
    expect(tierOf(['PASS', 'XFAIL'])).toBe('Works with issues');
    expect(tierOf(['FAIL', 'XFAIL', 'ERROR'])).toBe('Does not work');
    expect(tierOf(['ERROR', 'SKIP'])).toBe('Untested');
    expect(tierOf([])).toBe('Untested');
  });
});
