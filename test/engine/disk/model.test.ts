/**
 * Model-based property tests: random sequences of write/read/flush/reopen
 * (and commit for chains) against a plain byte array, for raw images,
 * dynamic VHDs, two-level differencing chains and the in-memory overlay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../engine/disk/block-device.js';
import { commitDifferencingVhd } from '../../../engine/disk/commit.js';
import { openImage, vhdFooterOf } from '../../../engine/disk/open-image.js';
import { MemoryOverlay } from '../../../engine/disk/overlay.js';
import { createRawImage } from '../../../engine/disk/raw-image.js';
import { checkImage } from '../../../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd } from '../../../engine/disk/vhd-create.js';
import { prng, sha256File, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('disk-model-');
afterAll(cleanup);
let serial = 0;
const fresh = (name: string): string => path.join(dir, `${serial++}-${name}`);

// Sizes deliberately not multiples of the block size, so the partial last block is exercised.
const SECTORS = 2 * 1024 + 37;

type Op =
  | { t: 'write'; lba: number; count: number; seed: number }
  | { t: 'read'; lba: number; count: number }
  | { t: 'flush' }
  | { t: 'reopen' }
  | { t: 'commit' };

function opArb(withCommit: boolean): fc.Arbitrary<Op> {
  const range = fc
    .tuple(fc.nat({ max: SECTORS - 1 }), fc.integer({ min: 1, max: 300 }))
    .map(([lba, count]) => ({ lba, count: Math.min(count, SECTORS - lba) }));
  const ops: fc.Arbitrary<Op>[] = [
    fc.tuple(range, fc.nat()).map(([r, seed]) => ({ t: 'write' as const, ...r, seed })),
    fc.tuple(range, fc.nat()).map(([r, seed]) => ({ t: 'write' as const, ...r, seed })),
    range.map((r) => ({ t: 'read' as const, ...r })),
    fc.constant({ t: 'flush' as const }),
    fc.constant({ t: 'reopen' as const }),
  ];
  if (withCommit) ops.push(fc.constant({ t: 'commit' as const }));
  return fc.oneof(...ops);
}

function readAll(d: BlockDevice): Uint8Array {
  const b = new Uint8Array(d.sectorCount * 512);
  d.read(0, d.sectorCount, b);
  return b;
}

function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  // Compare as buffers: toEqual on megabyte arrays is slow and unreadable.
  expect(Buffer.compare(Buffer.from(actual.buffer, actual.byteOffset, actual.length), Buffer.from(expected.buffer, expected.byteOffset, expected.length))).toBe(0);
}

/**
 * Run `ops` against the device opened by `open`, mirroring writes in `model`.
 * `onCommit` merges the top child into its parent (chains only).
 */
function runOps(open: () => BlockDevice, model: Uint8Array, ops: Op[], onCommit?: () => void): void {
  let dev = open();
  try {
    for (const op of ops) {
      if (op.t === 'write') {
        const data = prng(op.seed + 1)(op.count * 512);
        dev.write(op.lba, op.count, data);
        model.set(data, op.lba * 512);
      } else if (op.t === 'read') {
        const b = new Uint8Array(op.count * 512 + 3);
        dev.read(op.lba, op.count, b, 3);
        expectSame(b.subarray(3), model.subarray(op.lba * 512, (op.lba + op.count) * 512));
      } else if (op.t === 'flush') {
        dev.flush();
      } else if (op.t === 'reopen') {
        dev.close();
        dev = open();
      } else if (onCommit) {
        dev.close();
        onCommit();
        dev = open();
      }
    }
    expectSame(readAll(dev), model);
  } finally {
    dev.close();
  }
}

describe('model-based: single images', () => {
  it('raw image', () => {
    fc.assert(
      fc.property(fc.array(opArb(false), { maxLength: 25 }), (ops) => {
        const p = fresh('r.img');
        createRawImage(p, SECTORS * 512);
        runOps(() => openImage(p), new Uint8Array(SECTORS * 512), ops);
      }),
      { numRuns: 40 },
    );
  });

  it('fixed VHD', () => {
    fc.assert(
      fc.property(fc.array(opArb(false), { maxLength: 25 }), (ops) => {
        const p = fresh('f.vhd');
        createFixedVhd(p, SECTORS * 512, { exactSize: true });
        runOps(() => openImage(p), new Uint8Array(SECTORS * 512), ops);
        expect(checkImage(p).problems).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it('dynamic VHD, several block sizes', () => {
    fc.assert(
      fc.property(fc.constantFrom(4096, 65536, 2 * 1024 * 1024), fc.array(opArb(false), { maxLength: 25 }), (bs, ops) => {
        const p = fresh('d.vhd');
        createDynamicVhd(p, SECTORS * 512, { blockSize: bs, exactSize: true });
        runOps(() => openImage(p, { durability: 'none' }), new Uint8Array(SECTORS * 512), ops);
        expect(checkImage(p).problems).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('model-based: two-level differencing chain', () => {
  it('base <- mid <- top, commit merges top into mid, base never changes', () => {
    fc.assert(
      fc.property(fc.constantFrom(4096, 65536), fc.nat(), fc.array(opArb(true), { maxLength: 25 }), (bs, baseSeed, ops) => {
        const basePath = fresh('base.vhd');
        createDynamicVhd(basePath, SECTORS * 512, { blockSize: bs, exactSize: true });
        const model = new Uint8Array(SECTORS * 512);
        const base = openImage(basePath, { durability: 'none' });
        // Base data in a few places, so children have something to inherit.
        const r = prng(baseSeed + 5);
        for (const lba of [0, 100, 1000, SECTORS - 9]) {
          const d = r(9 * 512);
          base.write(lba, 9, d);
          model.set(d, lba * 512);
        }
        const bf = vhdFooterOf(base)!;
        base.close();
        const midPath = fresh('mid.vhd');
        createDifferencingVhd(midPath, { path: basePath, sectorCount: SECTORS, uniqueId: bf.uniqueId, timeStamp: bf.timeStamp }, { blockSize: bs });
        const mid = openImage(midPath, { durability: 'none' });
        // Mid writes a range straddling a block boundary.
        const md = r(20 * 512);
        mid.write((2 * bs) / 512 - 10, 20, md);
        model.set(md, ((2 * bs) / 512 - 10) * 512);
        const mf = vhdFooterOf(mid)!;
        mid.close();
        const topPath = fresh('top.vhd');
        createDifferencingVhd(topPath, { path: midPath, sectorCount: SECTORS, uniqueId: mf.uniqueId, timeStamp: mf.timeStamp }, { blockSize: bs });
        const baseHash = sha256File(basePath);
        let midHash = sha256File(midPath);
        let committed = false;
        runOps(() => openImage(topPath, { durability: 'none' }), model, ops, () => {
          commitDifferencingVhd(topPath, { durability: 'none' });
          committed = true;
          // After a commit the mid image alone (over base) reads exactly what the top did.
          const m = openImage(midPath, { readOnly: true });
          expectSame(readAll(m), model);
          m.close();
          midHash = sha256File(midPath);
        });
        expect(sha256File(basePath)).toBe(baseHash);
        if (!committed) expect(sha256File(midPath)).toBe(midHash);
        for (const p of [basePath, midPath, topPath]) expect(checkImage(p).problems.filter((x) => x.severity === 'error')).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('model-based: in-memory overlay', () => {
  it('writes stay in memory; saveState/loadState round-trips; discard and commit behave', () => {
    fc.assert(
      fc.property(fc.array(opArb(false), { maxLength: 25 }), fc.constantFrom('discard', 'commit', 'none'), (ops, ending) => {
        const basePath = fresh('ovbase.vhd');
        createDynamicVhd(basePath, SECTORS * 512, { blockSize: 65536, exactSize: true });
        const baseModel = new Uint8Array(SECTORS * 512);
        const b = openImage(basePath, { durability: 'none' });
        const d0 = prng(3)(50 * 512);
        b.write(200, 50, d0);
        baseModel.set(d0, 200 * 512);
        b.close();
        const baseHash = sha256File(basePath);
        const model = baseModel.slice();
        let state: Uint8Array | null = null;
        const ov = new MemoryOverlay(openImage(basePath, { readOnly: true }), () => openImage(basePath, { durability: 'none' }));
        // "reopen" for an overlay = snapshot and restore into a brand-new overlay.
        let current = ov;
        runOps(
          () => {
            if (state) {
              current = new MemoryOverlay(openImage(basePath, { readOnly: true }), () => openImage(basePath, { durability: 'none' }));
              current.loadState(state);
            }
            return {
              sectorCount: current.sectorCount,
              readOnly: false,
              geometry: current.geometry,
              read: (l: number, c: number, buf: Uint8Array, o?: number) => current.read(l, c, buf, o),
              write: (l: number, c: number, buf: Uint8Array, o?: number) => current.write(l, c, buf, o),
              flush: () => current.flush(),
              close: () => {
                state = current.saveState();
              },
            };
          },
          model,
          ops,
        );
        expect(sha256File(basePath)).toBe(baseHash);
        if (state) current.loadState(state);
        if (ending === 'discard') {
          current.discard();
          expectSame(readAll(current), baseModel);
          expect(sha256File(basePath)).toBe(baseHash);
        } else if (ending === 'commit') {
          current.commit();
          const after = openImage(basePath, { readOnly: true });
          expectSame(readAll(after), model);
          after.close();
          expect(current.dirtySectors()).toBe(0);
        }
        current.close();
        if (current !== ov) ov.close();
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a malformed state', () => {
    const basePath = fresh('ov2.img');
    createRawImage(basePath, SECTORS * 512);
    const ov = new MemoryOverlay(openImage(basePath, { readOnly: true }));
    ov.write(5, 2, new Uint8Array(1024).fill(1));
    const s = ov.saveState();
    expect(() => ov.loadState(s.subarray(0, s.length - 1))).toThrow(/overlay state: truncated sector data/);
    const wrong = s.slice();
    wrong[0] = 0;
    expect(() => ov.loadState(wrong)).toThrow(/bad magic/);
    ov.close();
    fs.rmSync(basePath);
  });
});
