/**
 * Crash safety of block allocation (vhd-dynamic.ts, allocateBlock):
 *  1. a real child process doing allocation-heavy writes is SIGKILLed at
 *     seeded points; the image must pass check and hold every flushed write;
 *  2. in-process, a simulated crash after every single write syscall of a
 *     workload (fs.writeSync throws from then on) must leave a valid image.
 */
import { spawn } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../engine/disk/block-device.js';
import { openImage, vhdFooterOf } from '../../../engine/disk/open-image.js';
import { checkImage } from '../../../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd } from '../../../engine/disk/vhd-create.js';
import { sha256File, tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const { dir, cleanup } = tempDir('disk-crash-');
afterAll(cleanup);
const SECTORS_KILL = (8 * 1024 * 1024) / 512;
const SECTORS_SIM = (2 * 1024 * 1024) / 512;
const PARENT_ID = 0xfffffffe;

// Keep in step with crash-child.mjs.
function mix(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
function workloadWrite(seed: number, i: number, sectors: number): { lba: number; count: number } {
  const count = 1 + (mix(seed, i * 2 + 1) % 48);
  const lba = mix(seed, i * 2) % (sectors - count);
  return { lba, count };
}
function sectorData(i: number, lba: number, out: Uint8Array, off: number): void {
  const dv = new DataView(out.buffer, out.byteOffset + off, 512);
  dv.setUint32(0, i, true);
  dv.setUint32(4, lba, true);
  for (let k = 8; k < 512; k++) out[off + k] = (i * 31 + lba + k) & 0xff;
}

/** Image to crash into: a dynamic VHD, or a differencing child over a parent filled with PARENT_ID data. */
function makeImage(kind: 'dynamic' | 'differencing', name: string, SECTORS = SECTORS_KILL): { image: string; parent?: string } {
  const opts = { blockSize: 64 * 1024, exactSize: true };
  if (kind === 'dynamic') {
    const image = path.join(dir, name + '.vhd');
    createDynamicVhd(image, SECTORS * 512, opts);
    return { image };
  }
  const parent = path.join(dir, name + '-parent.vhd');
  createDynamicVhd(parent, SECTORS * 512, opts);
  const p = openImage(parent, { durability: 'none' });
  const buf = new Uint8Array(256 * 512);
  for (let lba = 0; lba < SECTORS; lba += 256) {
    for (let s = 0; s < 256; s++) sectorData(PARENT_ID, lba + s, buf, s * 512);
    p.write(lba, 256, buf);
  }
  const f = vhdFooterOf(p)!;
  p.close();
  const image = path.join(dir, name + '.vhd');
  createDifferencingVhd(image, { path: parent, sectorCount: SECTORS, uniqueId: f.uniqueId, timeStamp: f.timeStamp }, opts);
  return { image, parent };
}

/**
 * Every sector must hold either what the model says after the first
 * `durable` writes, or the data of a later write (`durable` <= i < `maxWrites`)
 * that covers it (it may or may not have happened before the crash).
 */
function verify(dev: BlockDevice, seed: number, durable: number, maxWrites: number, hasParent: boolean): void {
  const SECTORS = dev.sectorCount;
  const last = new Int32Array(SECTORS).fill(-1);
  const later: Set<number>[] = [];
  for (let i = 0; i < maxWrites; i++) {
    const { lba, count } = workloadWrite(seed, i, SECTORS);
    for (let s = lba; s < lba + count; s++) {
      if (i < durable) last[s] = i;
      else (later[s] ??= new Set()).add(i);
    }
  }
  const all = new Uint8Array(SECTORS * 512);
  dev.read(0, SECTORS, all);
  const dv = new DataView(all.buffer);
  let bad = 0;
  let firstBad = '';
  for (let s = 0; s < SECTORS; s++) {
    const o = s * 512;
    const w = dv.getUint32(o, true);
    let isZero = true;
    for (let k = 0; k < 512; k++) {
      if (all[o + k] !== 0) {
        isZero = false;
        break;
      }
    }
    const base = last[s]! >= 0 ? last[s]! : hasParent ? PARENT_ID : -1;
    let ok: boolean;
    if (isZero) ok = base === -1;
    else if ((w === base || (later[s]?.has(w) ?? false)) && dv.getUint32(o + 4, true) === s) {
      // Same bytes sectorData() writes, compared in place.
      ok = true;
      for (let k = 8; k < 512; k++) {
        if (all[o + k] !== ((w * 31 + s + k) & 0xff)) {
          ok = false;
          break;
        }
      }
    } else ok = false;
    if (!ok) {
      if (!bad) firstBad = `sector ${s}: holds write ${isZero ? 'zeros' : w}, expected write ${base}${later[s] ? ` or one of ${[...later[s]!].join(',')}` : ''}`;
      bad++;
    }
  }
  expect(firstBad).toBe('');
  expect(bad).toBe(0);
}

describe('crash safety: SIGKILL of a writing child process', () => {
  let openModule = '';
  beforeAll(() => {
    // Transpile just the disk modules (no type check: vitest does not either)
    // so the child runs plain JS without building the whole project.
    const out = path.join(dir, 'build');
    const files = [...fs.readdirSync(path.join(root, 'engine/disk')).map((f) => `engine/disk/${f}`), 'engine/errors.ts'].filter((f) => f.endsWith('.ts'));
    for (const rel of files) {
      const js = ts.transpileModule(fs.readFileSync(path.join(root, rel), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel.replace(/\.ts$/, '.js')), js);
    }
    fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
    openModule = path.join(out, 'engine/disk/open-image.js');
  });

  const MAX = 400;
  for (const [kind, seed] of [
    ['dynamic', 11],
    ['dynamic', 13],
    ['differencing', 21],
    ['differencing', 22],
  ] as const) {
    it(`${kind}, seed ${seed}`, async () => {
      const { image, parent } = makeImage(kind, `kill-${kind}-${seed}`);
      const parentHash = parent ? sha256File(parent) : '';
      // Kill once the child has flushed at least this many writes (seeded, so runs are comparable).
      const killAfter = 20 + (mix(seed, 999) % 250);
      const child = spawn(process.execPath, [path.join(here, 'crash-child.mjs'), openModule, image, String(seed), String(MAX)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let durable = 0;
      let killed = false;
      let pending = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) {
          const m = /^flushed (\d+)$/.exec(l);
          if (m) durable = Number(m[1]);
          if (l === 'done') durable = MAX;
        }
        if (!killed && durable >= killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      const code = await new Promise<number | string | null>((resolve) => child.on('close', (c, sig) => resolve(sig ?? c)));
      expect(killed ? code : 'not killed').toBe('SIGKILL');
      const r = checkImage(image);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const dev = openImage(image, { readOnly: true });
      try {
        verify(dev, seed, durable, MAX, parent !== undefined);
      } finally {
        dev.close();
      }
      if (parent) expect(sha256File(parent)).toBe(parentHash);
    }, 60_000);
  }
});

describe('crash safety: simulated crash after every write syscall', () => {
  const require = createRequire(import.meta.url);
  const cjsFs = require('node:fs') as typeof fs;
  class Crash extends Error {}

  for (const kind of ['dynamic', 'differencing'] as const) {
    it(`${kind}: every prefix of the syscall sequence leaves a valid image`, () => {
      const seed = 5;
      const writes = 10;
      const template = makeImage(kind, `sim-${kind}`, SECTORS_SIM);
      const pristine = fs.readFileSync(template.image);
      const realWrite = cjsFs.writeSync;
      const realFsync = cjsFs.fsyncSync;
      let budget = Infinity;
      let calls = 0;
      let durableAt = 0;
      const install = (): void => {
        cjsFs.writeSync = ((...a: Parameters<typeof fs.writeSync>) => {
          if (calls++ >= budget) throw new Crash('crash');
          return (realWrite as (...x: unknown[]) => number)(...a);
        }) as typeof fs.writeSync;
        syncBuiltinESMExports();
      };
      const restore = (): void => {
        cjsFs.writeSync = realWrite;
        cjsFs.fsyncSync = realFsync;
        syncBuiltinESMExports();
      };
      const workload = (): void => {
        const dev = openImage(template.image, { durability: 'none' });
        const buf = new Uint8Array(48 * 512);
        try {
          for (let i = 0; i < writes; i++) {
            const { lba, count } = workloadWrite(seed, i, SECTORS_SIM);
            for (let s = 0; s < count; s++) sectorData(i, lba + s, buf, s * 512);
            dev.write(lba, count, buf);
            durableAt = i + 1;
          }
        } finally {
          // A crashed process never closes; dropping the handle is enough here.
          if (durableAt === writes) dev.close();
        }
      };
      // First count the syscalls of a full run.
      install();
      try {
        workload();
      } finally {
        restore();
      }
      const total = calls;
      expect(total).toBeGreaterThan(writes);
      for (let n = 0; n < total; n++) {
        fs.writeFileSync(template.image, pristine);
        calls = 0;
        budget = n;
        durableAt = 0;
        install();
        try {
          workload();
        } catch (e) {
          if (!(e instanceof Crash)) throw e;
        } finally {
          restore();
        }
        const r = checkImage(template.image);
        expect(r.problems.filter((p) => p.severity === 'error'), `crash after ${n} writes`).toEqual([]);
        const dev = openImage(template.image, { readOnly: true });
        try {
          verify(dev, seed, durableAt, writes, template.parent !== undefined);
        } finally {
          dev.close();
        }
      }
    }, 60_000);
  }
});
