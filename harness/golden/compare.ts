/**
 * Screen comparison against a golden. Exact by default: sizes must agree, then
 * pixelmatch with threshold 0 and anti-aliased pixels counted as differences
 * (includeAA), over the golden's match areas minus its exclude areas. Only a
 * golden's own tolerance can loosen that.
 */
import pixelmatch from 'pixelmatch';
import type { Frame } from '../machine-api.js';
import type { Rect } from '../suite/schema.js';
import type { GoldenMeta } from './golden.js';

export interface CompareResult {
  equal: boolean;
  /** Why it is not equal, in one line. */
  reason?: string;
  diffPixels: number;
  /** Differences in red over a faded expected image (absent when sizes differ). */
  diff?: Frame;
}

function inside(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
}

/** 1 for every pixel that takes part in the comparison. */
export function compareMask(width: number, height: number, meta: Pick<GoldenMeta, 'areas'>): Uint8Array {
  const mask = new Uint8Array(width * height);
  const { match, exclude } = meta.areas;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = match.length === 0 || match.some((r) => inside(r, x, y));
      if (on && exclude.some((r) => inside(r, x, y))) on = false;
      mask[y * width + x] = on ? 1 : 0;
    }
  }
  return mask;
}

export function compareFrames(expected: Frame, actual: Frame, meta: Pick<GoldenMeta, 'areas' | 'tolerance'>, wantDiff = true): CompareResult {
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return {
      equal: false,
      reason: `screen size differs: expected ${expected.width}x${expected.height}, got ${actual.width}x${actual.height}`,
      diffPixels: Math.max(expected.width * expected.height, actual.width * actual.height),
    };
  }
  const { width, height } = expected;
  const masked = meta.areas.match.length > 0 || meta.areas.exclude.length > 0;
  let act = actual.data;
  if (masked) {
    // Pixels outside the compared area take the expected value, so they never differ.
    const mask = compareMask(width, height, meta);
    act = Uint8Array.from(actual.data);
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) {
        const o = i * 4;
        act[o] = expected.data[o]!;
        act[o + 1] = expected.data[o + 1]!;
        act[o + 2] = expected.data[o + 2]!;
        act[o + 3] = expected.data[o + 3]!;
      }
    }
  }
  const diff = wantDiff ? new Uint8Array(width * height * 4) : undefined;
  const diffPixels = pixelmatch(expected.data, act, diff, width, height, { threshold: meta.tolerance.threshold, includeAA: true });
  const equal = diffPixels <= meta.tolerance.pixels;
  return {
    equal,
    reason: equal ? undefined : `${diffPixels} pixel${diffPixels === 1 ? '' : 's'} differ${diffPixels === 1 ? 's' : ''} (tolerance ${meta.tolerance.pixels})`,
    diffPixels,
    diff: diff ? { width, height, data: diff } : undefined,
  };
}

/** Quick equality for polling loops (no diff image). */
export function framesEqual(a: Frame, b: Frame): boolean {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return false;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
