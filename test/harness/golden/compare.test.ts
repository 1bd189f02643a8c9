import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approve, unusedGoldens } from '../../../harness/golden/approve.js';
import { compareFrames, compareMask } from '../../../harness/golden/compare.js';
import { goldenMetaSchema } from '../../../harness/golden/golden.js';
import type { Frame } from '../../../harness/machine-api.js';
import { decodePng, encodePng } from '../../../harness/png.js';
import type { LoadedResults } from '../../../harness/results/schema.js';
import { loadSuiteFile } from '../../../harness/suite/loader.js';

const exact = goldenMetaSchema.parse({});

const frameArb = fc
  .record({ w: fc.integer({ min: 1, max: 24 }), h: fc.integer({ min: 1, max: 16 }) })
  .chain(({ w, h }) => fc.uint8Array({ minLength: w * h * 4, maxLength: w * h * 4 }).map((data): Frame => ({ width: w, height: h, data: data.map((v, i) => (i % 4 === 3 ? 255 : v)) })));

describe('golden comparison', () => {
  it('a frame always matches itself and survives a PNG round trip', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const back = decodePng(encodePng(f));
        expect(compareFrames(f, back, exact).equal).toBe(true);
        expect(compareFrames(f, back, exact).diffPixels).toBe(0);
      }),
    );
  });

  it('any single changed channel of any pixel is a difference (threshold 0, anti-aliasing counted)', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 2 }), (f, p, ch) => {
        const px = p % (f.width * f.height);
        const g = { ...f, data: Uint8Array.from(f.data) };
        g.data[px * 4 + ch] = (g.data[px * 4 + ch]! + 1) % 256;
        const r = compareFrames(f, g, exact);
        expect(r.equal).toBe(false);
        expect(r.diffPixels).toBe(1);
        expect(r.box).toEqual({ x: px % f.width, y: Math.floor(px / f.width), width: 1, height: 1 });
        // Excluding exactly that pixel, or allowing one pixel, makes it match.
        const x = px % f.width;
        const y = Math.floor(px / f.width);
        expect(compareFrames(f, g, goldenMetaSchema.parse({ areas: { exclude: [{ x, y, width: 1, height: 1 }] } })).equal).toBe(true);
        expect(compareFrames(f, g, goldenMetaSchema.parse({ tolerance: { pixels: 1 } })).equal).toBe(true);
      }),
    );
  });

  it('checks width and height before pixels', () => {
    const a: Frame = { width: 4, height: 2, data: new Uint8Array(32) };
    const b: Frame = { width: 2, height: 4, data: new Uint8Array(32) };
    const r = compareFrames(a, b, exact);
    expect(r.equal).toBe(false);
    expect(r.reason).toBe('screen size differs: expected 4x2, got 2x4');
  });

  it('match areas restrict and exclude areas remove pixels from the comparison', () => {
    const meta = goldenMetaSchema.parse({ areas: { match: [{ x: 1, y: 1, width: 3, height: 2 }], exclude: [{ x: 2, y: 1, width: 1, height: 1 }] } });
    const m = compareMask(5, 4, meta);
    const rows = [0, 1, 2, 3].map((y) => Array.from(m.subarray(y * 5, y * 5 + 5)).join(''));
    expect(rows).toEqual(['00000', '01010', '01110', '00000']);
  });
});

describe('golden approve and prune', () => {
  it('promotes failed captures and lists goldens no case uses', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-golden-'));
    const results = path.join(root, 'results');
    const art = path.join(results, 'artifacts', 's', 'c');
    mkdirSync(art, { recursive: true });
    writeFileSync(path.join(art, 'screen.actual.png'), encodePng({ width: 1, height: 1, data: Uint8Array.of(1, 2, 3, 255) }));
    writeFileSync(path.join(art, 'log.actual.txt'), 'hello');
    const loaded = {
      file: path.join(results, 'results.json'),
      dir: results,
      results: {
        run: { engine: { version: '1', commit: 'abc', dirty: false } },
        cases: [
          {
            id: 's/c',
            name: 'c',
            artifacts: 'artifacts/s/c',
            image: { label: 'x', sha256: 'feed' },
            steps: [
              { kind: 'expect_golden', outcome: 'fail', artifacts: { actual: 'screen.actual.png' } },
              { kind: 'expect_serial', outcome: 'fail', artifacts: { actual: 'log.actual.txt' } },
              { kind: 'expect_golden', outcome: 'pass', artifacts: { actual: 'ok.actual.png' } },
            ],
          },
        ],
      },
    } as unknown as LoadedResults;
    const golden = path.join(root, 'golden');
    const done = approve(loaded, golden);
    expect(done.map((a) => [a.name, a.action])).toEqual([
      ['screen', 'created'],
      ['log', 'created'],
    ]);
    expect(readFileSync(path.join(golden, 's/c/log.txt'), 'utf8')).toBe('hello');
    expect(JSON.parse(readFileSync(path.join(golden, 's/c/screen.json'), 'utf8')).provenance).toMatchObject({ engineCommit: 'abc', imageHash: 'feed', case: 's/c' });
    expect(approve(loaded, golden)).toEqual([]);

    const suiteDir = path.join(root, 'suites', 's');
    mkdirSync(suiteDir, { recursive: true });
    writeFileSync(path.join(suiteDir, 'suite.yaml'), 'machine: { fda: { image: x.img } }\ncases:\n  - name: c\n    steps: [boot, { expect_golden: screen }]\n');
    // Goldens outside the loaded suites' folders (another suite, engine tests) are not the question.
    mkdirSync(path.join(golden, 'other-suite', 'x'), { recursive: true });
    writeFileSync(path.join(golden, 'other-suite', 'x', 'a.png'), 'png');
    const unused = unusedGoldens(loadSuiteFile(path.join(suiteDir, 'suite.yaml')), golden).map((f) => path.relative(golden, f));
    expect(unused.sort()).toEqual(['s/c/log.json', 's/c/log.txt']);
    unusedGoldens(loadSuiteFile(path.join(suiteDir, 'suite.yaml')), golden, true);
    expect(existsSync(path.join(golden, 's/c/log.txt'))).toBe(false);
    expect(existsSync(path.join(golden, 's/c/screen.png'))).toBe(true);
  });
});
