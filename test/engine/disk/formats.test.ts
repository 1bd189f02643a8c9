/**
 * Format details: geometry, the creator-specific size rule (checked against
 * qemu-img), legacy 511-byte footers, parent locators, ISO images, format
 * detection, and what qemu's vpc driver does with differencing images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineInputError } from '../../../engine/errors.js';
import { IsoImage } from '../../../engine/disk/iso-image.js';
import { detectFormat, openImage, vhdFooterOf } from '../../../engine/disk/open-image.js';
import { RawImage } from '../../../engine/disk/raw-image.js';
import { checkImage } from '../../../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd } from '../../../engine/disk/vhd-create.js';
import { vhdChecksum } from '../../../engine/disk/vhd-footer.js';
import { chsRoundedSectors, chsSectors, geometryForRawSize, vhdGeometryForSectors } from '../../../engine/disk/vhd-geometry.js';
import { prng, run, sha256File, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('disk-formats-');
afterAll(cleanup);
const f = (name: string): string => path.join(dir, name);

describe('geometry (VHD spec appendix)', () => {
  it('known values', () => {
    // 64 MiB as qemu-img creates it: 964/8/17.
    expect(vhdGeometryForSectors(131104)).toEqual({ cylinders: 964, heads: 8, sectorsPerTrack: 17 });
    // Above 65535*16*63 sectors the spec switches to 255 sectors per track.
    expect(vhdGeometryForSectors(65535 * 16 * 63 + 1000).sectorsPerTrack).toBe(255);
    // Capped at 65535/16/255.
    expect(vhdGeometryForSectors(2 ** 32)).toEqual({ cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
    expect(geometryForRawSize(1474560)).toEqual({ cylinders: 80, heads: 2, sectorsPerTrack: 18 });
    expect(geometryForRawSize(368640)).toEqual({ cylinders: 40, heads: 2, sectorsPerTrack: 9 });
  });

  it('the CHS size never exceeds the disk, and rounding up gives an exact geometry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 * 16 * 255 - 1 }), (n) => {
        const g = vhdGeometryForSectors(n);
        expect(chsSectors(g)).toBeLessThanOrEqual(n);
        expect(g.heads).toBeLessThanOrEqual(16);
        const r = chsRoundedSectors(n);
        expect(r).toBeGreaterThanOrEqual(n);
        expect(chsSectors(vhdGeometryForSectors(r))).toBe(r);
      }),
      { numRuns: 300 },
    );
  });
});

describe('creator-specific size rule matches qemu-img', () => {
  const base = f('creator-base.vhd');
  it.each(['vpc ', 'qemu', 'win ', 'd2v ', 'qem2', 'vbox', 'clab'])('creator %j', (app) => {
    if (!fs.existsSync(base)) run('qemu-img', ['create', '-f', 'vpc', '-o', 'subformat=dynamic', base, '16M']);
    const b = fs.readFileSync(base);
    const foot = b.subarray(b.length - 512);
    foot.write(app, 28, 'latin1');
    // A current size that is not the CHS size, as Hyper-V writes it.
    foot.writeBigUInt64BE(16n * 1024n * 1024n + 7n * 512n, 48);
    foot.writeUInt32BE(vhdChecksum(foot, 0, 512, 64), 64);
    foot.copy(b, 0);
    const p = f(`creator-${app.trim() || 'x'}.vhd`);
    fs.writeFileSync(p, b);
    const q = JSON.parse(run('qemu-img', ['info', '--output=json', '-f', 'vpc', p])) as { 'virtual-size': number };
    const d = openImage(p, { readOnly: true });
    const ours = d.sectorCount * 512;
    d.close();
    if (app === 'clab') {
      // Our own images: current size (qemu-img treats unknown creators as CHS-sized, so it differs).
      expect(ours).toBe(16 * 1024 * 1024 + 7 * 512);
    } else {
      expect(ours).toBe(q['virtual-size']);
    }
  });
});

describe('legacy 511-byte footer', () => {
  it('reads, checks with a warning, and rejects nothing', () => {
    const p = f('legacy.vhd');
    createFixedVhd(p, 1024 * 1024, { exactSize: true });
    const d = openImage(p);
    d.write(7, 1, new Uint8Array(512).fill(0x3c));
    d.close();
    // The last footer byte is reserved (zero); old Virtual PC did not write it.
    fs.truncateSync(p, fs.statSync(p).size - 1);
    expect(detectFormat(p)).toBe('vhd');
    const r = openImage(p, { readOnly: true });
    const b = new Uint8Array(512);
    r.read(7, 1, b);
    expect(r.sectorCount).toBe(2048);
    r.close();
    expect(b.every((x) => x === 0x3c)).toBe(true);
    const c = checkImage(p);
    expect(c.ok).toBe(true);
    expect(c.problems.map((x) => x.message)).toEqual([expect.stringMatching(/legacy 511-byte footer/)]);
  });
});

describe('legacy 511-byte footer on a dynamic disk', () => {
  it('allocating a block replaces it with a full 512-byte footer and keeps the data', () => {
    const p = f('legacy-dyn.vhd');
    createDynamicVhd(p, 1024 * 1024, { exactSize: true, blockSize: 65536 });
    const d = openImage(p);
    d.write(0, 1, new Uint8Array(512).fill(0x51));
    d.close();
    fs.truncateSync(p, fs.statSync(p).size - 1);
    const w = openImage(p);
    w.write(1000, 2, new Uint8Array(1024).fill(0x52));
    w.close();
    const c = checkImage(p);
    expect(c).toMatchObject({ ok: true, problems: [] });
    const r = openImage(p, { readOnly: true });
    const b = new Uint8Array(512);
    r.read(0, 1, b);
    expect(b[0]).toBe(0x51);
    r.read(1001, 1, b);
    expect(b[0]).toBe(0x52);
    r.close();
  });
});

describe('parent locators', () => {
  function chain(sub: string): { parent: string; child: string } {
    fs.mkdirSync(f(sub), { recursive: true });
    const parent = path.join(f(sub), 'parent.vhd');
    createDynamicVhd(parent, 1024 * 1024, { exactSize: true, blockSize: 65536 });
    const p = openImage(parent);
    p.write(0, 1, new Uint8Array(512).fill(0x61));
    const pf = vhdFooterOf(p)!;
    p.close();
    const child = path.join(f(sub), 'child.vhd');
    createDifferencingVhd(child, { path: parent, sectorCount: 2048, uniqueId: pf.uniqueId, timeStamp: pf.timeStamp });
    return { parent, child };
  }
  const firstByte = (p: string): number => {
    const d = openImage(p, { readOnly: true });
    const b = new Uint8Array(512);
    d.read(0, 1, b);
    d.close();
    return b[0]!;
  };

  it('W2ru (relative) still resolves after moving the pair', () => {
    chain('pair');
    fs.renameSync(f('pair'), f('pair-moved'));
    expect(firstByte(path.join(f('pair-moved'), 'child.vhd'))).toBe(0x61);
  });

  it('W2ku (absolute) resolves when only the child moves', () => {
    const { child } = chain('abs');
    fs.mkdirSync(f('elsewhere'));
    const moved = path.join(f('elsewhere'), 'child.vhd');
    fs.renameSync(child, moved);
    expect(firstByte(moved)).toBe(0x61);
  });

  it('the parent unicode name next to the child is the last resort', () => {
    const { parent, child } = chain('name');
    fs.mkdirSync(f('name2'));
    fs.renameSync(child, path.join(f('name2'), 'child.vhd'));
    fs.renameSync(parent, path.join(f('name2'), 'parent.vhd'));
    fs.rmSync(f('name'), { recursive: true });
    expect(firstByte(path.join(f('name2'), 'child.vhd'))).toBe(0x61);
  });

  it('MacX file URL locators are read', () => {
    const { parent, child } = chain('mac');
    // Rewrite the W2ru locator into a MacX one holding a file:// URL, and make the others miss.
    const b = fs.readFileSync(child);
    const url = Buffer.from('file://' + parent, 'utf8');
    const locOff = 512 + 576;
    const dataOff = Number(b.readBigUInt64BE(locOff + 16));
    b.write('MacX', locOff, 'latin1');
    b.writeUInt32BE(url.length, locOff + 8);
    b.fill(0, dataOff, dataOff + 1024);
    url.copy(b, dataOff);
    const loc2 = locOff + 24;
    b.write('XXXX', loc2, 'latin1'); // unknown platform: ignored
    const hdr = b.subarray(512, 1536);
    hdr.fill(0, 64, 576); // no parent unicode name
    hdr.writeUInt32BE(vhdChecksum(hdr, 0, 1024, 36), 36);
    const moved = path.join(f('elsewhere'), 'mac-child.vhd');
    fs.writeFileSync(moved, b);
    expect(firstByte(moved)).toBe(0x61);
  });
});

describe('ISO and raw', () => {
  function makeIso(p: string, cdSectors: number): void {
    const b = Buffer.alloc(cdSectors * 2048);
    b[16 * 2048] = 1;
    b.write('CD001', 16 * 2048 + 1, 'latin1');
    for (let s = 17; s < cdSectors; s++) b.fill(s & 0xff, s * 2048, (s + 1) * 2048);
    fs.writeFileSync(p, b);
  }

  it('ISO: detected, read-only, 2048-byte reads and 512-byte views agree', () => {
    const p = f('disc.iso');
    makeIso(p, 40);
    expect(detectFormat(p)).toBe('iso');
    const d = openImage(p);
    expect(d).toBeInstanceOf(IsoImage);
    const iso = d as IsoImage;
    expect(iso.readOnly).toBe(true);
    expect(iso.cdSectorCount).toBe(40);
    expect(iso.sectorCount).toBe(160);
    const big = new Uint8Array(2 * 2048);
    iso.read2048(20, 2, big);
    expect(big[0]).toBe(20);
    expect(big[2048]).toBe(21);
    const small = new Uint8Array(512);
    iso.read(21 * 4 + 3, 1, small);
    expect(small[511]).toBe(21);
    expect(() => iso.write(0, 1, small)).toThrow(/read-only/);
    iso.close();
  });

  it('ISO with a truncated last sector is rejected with its offset', () => {
    const p = f('trunc.iso');
    makeIso(p, 20);
    fs.truncateSync(p, 20 * 2048 - 100);
    expect(() => openImage(p)).toThrow(EngineInputError);
    expect(() => openImage(p)).toThrow(/not a multiple of 2048 bytes \(truncated at offset 0x9800\)/);
  });

  it('raw: truncated (non-sector) size rejected; reads and writes round-trip', () => {
    const p = f('r.img');
    fs.writeFileSync(p, Buffer.alloc(4096 + 100));
    expect(() => openImage(p)).toThrow(/raw image size 4196 is not a multiple of 512 bytes/);
    fs.truncateSync(p, 8192);
    const d = openImage(p) as RawImage;
    const data = prng(3)(1024);
    d.write(14, 2, data);
    const back = new Uint8Array(1024);
    d.read(14, 2, back);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    expect(() => d.read(15, 2, back)).toThrow(RangeError);
    d.close();
  });

  it('read-only opening never writes and refuses writes', () => {
    const p = f('ro.vhd');
    createDynamicVhd(p, 1024 * 1024);
    const h = sha256File(p);
    const d = openImage(p, { readOnly: true });
    expect(() => d.write(0, 1, new Uint8Array(512))).toThrow(/read-only/);
    d.close();
    expect(sha256File(p)).toBe(h);
  });
});

describe("qemu's vpc driver and differencing images", () => {
  it('qemu-img opens our child and reads its own sectors, but does not follow the parent', () => {
    const parent = f('qd-parent.vhd');
    createDynamicVhd(parent, 4 * 1024 * 1024);
    const p = openImage(parent);
    p.write(0, 1, new Uint8Array(512).fill(0x41));
    const pf = vhdFooterOf(p)!;
    const n = p.sectorCount;
    p.close();
    const child = f('qd-child.vhd');
    createDifferencingVhd(child, { path: parent, sectorCount: n, uniqueId: pf.uniqueId, timeStamp: pf.timeStamp });
    const c = openImage(child);
    c.write(8, 1, new Uint8Array(512).fill(0x42));
    c.close();
    const out = run('qemu-io', ['-f', 'vpc', '-r', '-c', 'read -P 0x42 4096 512', '-c', 'read -P 0 0 512', child]);
    // qemu sees the child's sector, and zeros (not the parent's 0x41) where the child has none.
    expect(out).not.toMatch(/Pattern verification failed/);
  });
});
