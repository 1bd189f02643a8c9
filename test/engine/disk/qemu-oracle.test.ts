/**
 * qemu-img as the oracle: images it writes must read like their raw source,
 * and images we write must read back (through qemu-img) like our raw data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../../../engine/disk/open-image.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd, vhdCreateSize } from '../../../engine/disk/vhd-create.js';
import { VhdDynamic } from '../../../engine/disk/vhd-dynamic.js';
import { prng, run, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('qemu-oracle-');
afterAll(cleanup);

/** A raw file of `size` bytes with random data in scattered places and zero holes. */
function makeRaw(p: string, size: number, seed: number): Buffer {
  const rnd = prng(seed);
  const data = Buffer.alloc(size);
  for (let off = 0; off < size; off += 1024 * 1024) {
    // Every other MiB has data, in part; others stay zero so dynamic blocks stay sparse.
    if ((off / (1024 * 1024)) % 3 !== 1) data.set(rnd(Math.min(300 * 1024, size - off)), off);
  }
  fs.writeFileSync(p, data);
  return data;
}

function readAll(p: string): Buffer {
  const d = openImage(p, { readOnly: true });
  try {
    const buf = Buffer.alloc(d.sectorCount * 512);
    d.read(0, d.sectorCount, buf);
    return buf;
  } finally {
    d.close();
  }
}

describe('images written by qemu-img read like their raw source', () => {
  for (const sub of ['dynamic', 'fixed'] as const) {
    for (const size of [16 * 1024 * 1024, 5 * 1024 * 1024 + 3 * 512]) {
      it(`${sub} ${size} bytes`, () => {
        const raw = path.join(dir, `q-${sub}-${size}.raw`);
        const vhd = path.join(dir, `q-${sub}-${size}.vhd`);
        const data = makeRaw(raw, size, size + sub.length);
        run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', `subformat=${sub}`, raw, vhd]);
        const info = JSON.parse(run('qemu-img', ['info', '--output=json', '-f', 'vpc', vhd])) as { 'virtual-size': number };
        const ours = readAll(vhd);
        expect(ours.length).toBe(info['virtual-size']);
        // qemu rounds the size up to a CHS boundary; the tail beyond the source is zero.
        expect(ours.subarray(0, size).equals(data)).toBe(true);
        expect(ours.subarray(size).every((b) => b === 0)).toBe(true);
        // And the other way round: qemu's own raw conversion equals what we read.
        const back = path.join(dir, `q-${sub}-${size}.back.raw`);
        run('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', vhd, back]);
        expect(fs.readFileSync(back).equals(ours)).toBe(true);
      });
    }
  }

  it('a qemu dynamic image written by qemu-io sector by sector', () => {
    const vhd = path.join(dir, 'qio.vhd');
    run('qemu-img', ['create', '-f', 'vpc', '-o', 'subformat=dynamic', vhd, '8M']);
    run('qemu-io', ['-f', 'vpc', '-c', 'write -P 0xab 4096 1536', '-c', 'write -P 0x5c 5000192 512', vhd]);
    const ours = readAll(vhd);
    expect(ours.subarray(4096, 4096 + 1536).every((b) => b === 0xab)).toBe(true);
    expect(ours.subarray(5000192, 5000192 + 512).every((b) => b === 0x5c)).toBe(true);
    expect(ours.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(ours.subarray(4096 + 1536, 5000192).every((b) => b === 0)).toBe(true);
  });
});

describe('images we write read identically through qemu-img', () => {
  for (const kind of ['fixed', 'dynamic', 'dynamic-512k'] as const) {
    it(kind, () => {
      const size = vhdCreateSize(9 * 1024 * 1024 + 512 * 5);
      expect(size).toBeGreaterThanOrEqual(9 * 1024 * 1024 + 512 * 5);
      const vhd = path.join(dir, `ours-${kind}.vhd`);
      if (kind === 'fixed') createFixedVhd(vhd, size);
      else createDynamicVhd(vhd, size, { blockSize: kind === 'dynamic' ? 2 * 1024 * 1024 : 512 * 1024 });
      const model = Buffer.alloc(size);
      const rnd = prng(7);
      const d = openImage(vhd);
      for (let i = 0; i < 60; i++) {
        const r = rnd(8);
        const lba = ((r[0]! << 16) | (r[1]! << 8) | r[2]!) % (size / 512);
        const count = Math.min(1 + (r[3]! % 40), size / 512 - lba);
        const data = rnd(count * 512);
        d.write(lba, count, data);
        model.set(data, lba * 512);
      }
      // The last sector of a partial last block.
      d.write(size / 512 - 1, 1, Buffer.alloc(512, 0x77));
      model.fill(0x77, size - 512);
      d.close();
      const rawModel = path.join(dir, `ours-${kind}.model.raw`);
      fs.writeFileSync(rawModel, model);
      const info = JSON.parse(run('qemu-img', ['info', '--output=json', '-f', 'vpc', vhd])) as { 'virtual-size': number };
      expect(info['virtual-size']).toBe(size);
      // qemu-img compare exits 0 when the contents are identical.
      run('qemu-img', ['compare', '-f', 'vpc', '-F', 'raw', vhd, rawModel]);
      expect(readAll(vhd).equals(model)).toBe(true);
    });
  }

  it('exact-size images: we use current size, qemu-img uses the CHS size for our creator code', () => {
    const vhd = path.join(dir, 'exact.vhd');
    const size = 1474560; // 1.44 MB floppy: no VHD geometry describes it exactly
    createDynamicVhd(vhd, size, { exactSize: true });
    const d = openImage(vhd, { readOnly: true });
    expect(d.sectorCount * 512).toBe(size);
    const g = d.geometry;
    d.close();
    const info = JSON.parse(run('qemu-img', ['info', '--output=json', '-f', 'vpc', vhd])) as { 'virtual-size': number };
    expect(info['virtual-size']).toBe(g.cylinders * g.heads * g.sectorsPerTrack * 512);
    expect(info['virtual-size']).toBeLessThan(size);
  });

  it('a differencing child over a qemu-written parent', () => {
    const raw = path.join(dir, 'dp.raw');
    const parentPath = path.join(dir, 'dp.vhd');
    const data = makeRaw(raw, 6 * 1024 * 1024, 99);
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic', raw, parentPath]);
    const parent = openImage(parentPath, { readOnly: true }) as VhdDynamic;
    const childPath = path.join(dir, 'dp-child.vhd');
    createDifferencingVhd(childPath, { path: parentPath, sectorCount: parent.sectorCount, uniqueId: parent.footer.uniqueId, timeStamp: parent.footer.timeStamp });
    const model = Buffer.alloc(parent.sectorCount * 512);
    model.set(data);
    parent.close();
    const child = openImage(childPath);
    child.write(100, 3, Buffer.alloc(1536, 0xee));
    model.fill(0xee, 100 * 512, 103 * 512);
    child.close();
    expect(readAll(childPath).equals(model)).toBe(true);
  });
});
