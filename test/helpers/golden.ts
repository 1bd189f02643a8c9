/**
 * Exact screenshot goldens for engine tests (the harness has its own, richer
 * golden files for suites). A frame must match the committed PNG pixel for
 * pixel (pixelmatch threshold 0, anti-aliasing counted). The actual frame is
 * always written under reports/test-artifacts/ so a failure can be looked at.
 *
 * To accept new renderings after a deliberate change:
 *   UPDATE_GOLDENS=1 npx vitest run <test file>
 * (never in CI: the CI variable disables it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import type { Frame } from '../../engine/machine.js';
import { encodePng } from '../../engine/display/png.js';

const root = join(import.meta.dirname, '../..');
const update = process.env.UPDATE_GOLDENS === '1' && !process.env.CI;

/** Compare `frame` with golden/<rel>.png; `rel` like 'boot-programs/text-builtin'. */
export function expectFrameMatchesGolden(frame: Frame, rel: string): void {
  const png = encodePng(frame);
  const artifact = join(root, 'reports/test-artifacts', `${rel}.png`);
  mkdirSync(dirname(artifact), { recursive: true });
  writeFileSync(artifact, png);
  const goldenPath = join(root, 'golden', `${rel}.png`);
  if (update) {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, png);
  }
  expect(existsSync(goldenPath), `missing golden ${goldenPath} (UPDATE_GOLDENS=1 creates it)`).toBe(true);
  const golden = PNG.sync.read(readFileSync(goldenPath));
  expect([frame.width, frame.height], `size of ${rel}`).toEqual([golden.width, golden.height]);
  const diff = pixelmatch(golden.data, frame.data, undefined, frame.width, frame.height, { threshold: 0, includeAA: true });
  expect(diff, `${diff} pixels differ from ${goldenPath}; actual in ${artifact}`).toBe(0);
}
