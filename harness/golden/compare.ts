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
  /** The rectangle around the differing pixels. */
  box?: Rect;
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
  const box = diff && diffPixels > 0 ? diffBox(diff, width, height) : undefined;
  const where = box ? ` in x ${box.x}..${box.x + box.width - 1}, y ${box.y}..${box.y + box.height - 1}` : '';
  return {
    equal,
    reason: equal ? undefined : `${diffPixels} pixel${diffPixels === 1 ? '' : 's'} differ${diffPixels === 1 ? 's' : ''}${where} (tolerance ${meta.tolerance.pixels})`,
    diffPixels,
    box,
    diff: diff ? { width, height, data: diff } : undefined,
  };
}

/**
 * The rectangle around the differing pixels of a pixelmatch diff image: they
 * are pure red there, while unchanged pixels are drawn as grey (r = g = b).
 */
function diffBox(diff: Uint8Array, width: number, height: number): Rect | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (diff[o] === 255 && diff[o + 1] === 0 && diff[o + 2] === 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Quick equality for polling loops (no diff image). */
export function framesEqual(a: Frame, b: Frame): boolean {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return false;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
