/**
 * Disk image fuzzer: mutates valid images (dynamic, fixed, differencing
 * child, differencing parent, raw) and for every case opens the image, reads
 * from it (start, end and random places) and runs `checkImage`, asserting:
 *   - the only exception is EngineInputError (no RangeError/TypeError/host crash),
 *   - no case takes more than a few seconds (no hang),
 *   - the file is byte-identical afterwards (opening and checking never write).
 *
 * Usage (after `npm run build`):
 *   node dist/scripts/disk-fuzz.js [cases=100000] [seed=1]
 * Exit 0 when every case passed, 1 otherwise (failing cases are printed
 * with their seed so they can be replayed).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineInputError } from '../engine/errors.js';
import { SECTOR_SIZE } from '../engine/disk/block-device.js';
import { openImage, vhdFooterOf } from '../engine/disk/open-image.js';
import { checkImage } from '../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd } from '../engine/disk/vhd-create.js';

/** Small deterministic PRNG (mulberry32): each case is reproducible from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  name: string;
  /** The file the case mutates. */
  target: string;
  /** The file the case opens (a child when the mutated file is its parent). */
  open: string;
  bytes: Buffer;
  /** Byte ranges worth mutating more often: metadata. */
  hot: [number, number][];
}

export interface FuzzStats {
  cases: number;
  rejected: number;
  opened: number;
  failures: string[];
  slowestMs: number;
}

function fill(p: string, writes: [number, number, number][]): void {
  const d = openImage(p, { durability: 'none' });
  for (const [lba, count, v] of writes) d.write(lba, count, new Uint8Array(count * SECTOR_SIZE).fill(v));
  d.close();
}

/** Build the seed images in `dir`. Small, so each case costs well under a millisecond of I/O. */
export function buildSeeds(dir: string): Seed[] {
  const KiB = 1024;
  const dyn = path.join(dir, 'seed-dynamic.vhd');
  createDynamicVhd(dyn, 512 * KiB + 3 * 512, { blockSize: 16 * KiB, exactSize: true });
  fill(dyn, [
    [0, 4, 1],
    [40, 30, 2],
    [1000, 7, 3],
  ]);
  const fixed = path.join(dir, 'seed-fixed.vhd');
  createFixedVhd(fixed, 64 * KiB, { exactSize: true });
  fill(fixed, [[3, 5, 9]]);
  const parent = path.join(dir, 'seed-parent.vhd');
  createDynamicVhd(parent, 256 * KiB, { blockSize: 4 * KiB, exactSize: true });
  fill(parent, [
    [0, 16, 4],
    [100, 20, 5],
  ]);
  const p = openImage(parent, { readOnly: true });
  const pf = vhdFooterOf(p)!;
  const child = path.join(dir, 'seed-child.vhd');
  createDifferencingVhd(child, { path: parent, sectorCount: p.sectorCount, uniqueId: pf.uniqueId, timeStamp: pf.timeStamp }, { blockSize: 4 * KiB });
  p.close();
  fill(child, [
    [2, 3, 6],
    [104, 1, 7],
    [300, 40, 8],
  ]);
  const raw = path.join(dir, 'seed-raw.img');
  fs.writeFileSync(raw, Buffer.alloc(32 * KiB, 0x11));
  const hotDynamic = (b: Buffer): [number, number][] => [
    [0, 512],
    [512, 1536],
    [1536, 2048 + 512],
    [b.length - 512, b.length],
  ];
  const seeds: Seed[] = [];
  for (const [name, target, open] of [
    ['dynamic', dyn, dyn],
    ['fixed', fixed, fixed],
    ['child', child, child],
    ['parent', parent, child],
    ['raw', raw, raw],
  ] as const) {
    const bytes = fs.readFileSync(target);
    const hot: [number, number][] = name === 'fixed' || name === 'raw' ? [[Math.max(0, bytes.length - 512), bytes.length]] : hotDynamic(bytes);
    seeds.push({ name, target, open, bytes, hot });
  }
  return seeds;
}

function mutate(src: Buffer, hot: [number, number][], r: () => number): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const kind = r();
    const pick = (): number => {
      if (r() < 0.8) {
        const [lo, hi] = hot[Math.floor(r() * hot.length)]!;
        return (lo + Math.floor(r() * Math.max(1, hi - lo))) % b.length;
      }
      return Math.floor(r() * b.length);
    };
    if (b.length === 0) break;
    if (kind < 0.45) {
      const at = pick();
      if (at < b.length) b[at] = b[at]! ^ (1 << Math.floor(r() * 8));
    } else if (kind < 0.7) {
      const at = pick();
      if (at < b.length) b[at] = Math.floor(r() * 256);
    } else if (kind < 0.82) {
      // Interesting 32-bit values at a 4-aligned spot (sizes, offsets, counts).
      const at = pick() & ~3;
      const vals = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 512, 3, b.length >>> 9, (b.length >>> 9) - 1];
      if (at + 4 <= b.length) b.writeUInt32BE(vals[Math.floor(r() * vals.length)]! >>> 0, at);
    } else if (kind < 0.9) {
      b = b.subarray(0, Math.floor(r() * b.length));
    } else if (kind < 0.95) {
      b = Buffer.concat([b, Buffer.alloc(Math.floor(r() * 5000))]);
    } else {
      // Copy a sector-sized run from elsewhere (e.g. footer over BAT).
      const from = pick();
      const to = pick();
      b.copy(b, to, from, Math.min(b.length, from + 512));
    }
  }
  return b;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Run one case; returns null when it passed, else a description of the failure. */
export function runCase(seeds: Seed[], caseSeed: number, stats: FuzzStats): string | null {
  const r = rng(caseSeed);
  const s = seeds[Math.floor(r() * seeds.length)]!;
  const mutant = mutate(s.bytes, s.hot, r);
  fs.writeFileSync(s.target, mutant);
  const before = sha(mutant);
  const t0 = performance.now();
  let failure: string | null = null;
  try {
    const d = openImage(s.open, { durability: 'none' });
    stats.opened++;
    try {
      const buf = new Uint8Array(64 * SECTOR_SIZE);
      const total = d.sectorCount;
      const spots = [0, Math.max(0, total - 64)];
      for (let i = 0; i < 6; i++) spots.push(Math.floor(r() * total));
      for (const lba of spots) {
        const count = Math.min(64, total - lba);
        if (count > 0) d.read(lba, count, buf);
      }
    } finally {
      d.close();
    }
  } catch (e) {
    if (e instanceof EngineInputError) stats.rejected++;
    else failure = `${s.name} case ${caseSeed}: open/read threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
  if (!failure) {
    try {
      checkImage(s.open);
    } catch (e) {
      if (!(e instanceof EngineInputError)) failure = `${s.name} case ${caseSeed}: check threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
  }
  const ms = performance.now() - t0;
  stats.slowestMs = Math.max(stats.slowestMs, ms);
  if (!failure && ms > 5000) failure = `${s.name} case ${caseSeed}: took ${ms.toFixed(0)} ms`;
  if (!failure && sha(fs.readFileSync(s.target)) !== before) failure = `${s.name} case ${caseSeed}: the file was modified`;
  // Restore the seed so the next case that opens a child sees a valid parent.
  fs.writeFileSync(s.target, s.bytes);
  stats.cases++;
  return failure;
}

export function runFuzz(cases: number, seed: number, onProgress?: (done: number, stats: FuzzStats) => void): FuzzStats {
  // Every case rewrites the image file; on a RAM file system that costs no
  // disk I/O (on ext4 with online discard, truncating rewrites are slow).
  const ram = '/dev/shm';
  const base = fs.existsSync(ram) && fs.statSync(ram).isDirectory() ? ram : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'disk-fuzz-'));
  const stats: FuzzStats = { cases: 0, rejected: 0, opened: 0, failures: [], slowestMs: 0 };
  try {
    const seeds = buildSeeds(dir);
    for (let i = 0; i < cases; i++) {
      const f = runCase(seeds, (seed * 1_000_003 + i) >>> 0, stats);
      if (f) stats.failures.push(f);
      if (onProgress && (i + 1) % 10000 === 0) onProgress(i + 1, stats);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cases = Number(process.argv[2] ?? 100000);
  const seed = Number(process.argv[3] ?? 1);
  if (!Number.isInteger(cases) || cases <= 0 || !Number.isInteger(seed)) {
    process.stderr.write('usage: disk-fuzz [cases=100000] [seed=1]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const stats = runFuzz(cases, seed, (done, s) => process.stdout.write(`${done} cases, ${s.failures.length} failures\n`));
  for (const f of stats.failures.slice(0, 50)) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(
    `${stats.cases} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${stats.opened} opened, ${stats.rejected} rejected with EngineInputError, ${stats.failures.length} failures, slowest case ${stats.slowestMs.toFixed(1)} ms\n`,
  );
  process.exit(stats.failures.length === 0 ? 0 : 1);
}
