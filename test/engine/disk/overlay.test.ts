/** Copy-on-write overlays: the base stays byte-identical unless committed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../engine/disk/block-device.js';
import { openImage } from '../../../engine/disk/open-image.js';
import { MemoryOverlay, openOverlay, VhdOverlay } from '../../../engine/disk/overlay.js';
import { checkImage } from '../../../engine/disk/vhd-check.js';
import { createDynamicVhd, createFixedVhd } from '../../../engine/disk/vhd-create.js';
import { prng, sha256File, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('disk-overlay-');
afterAll(cleanup);
const f = (name: string): string => path.join(dir, name);

function sector(d: BlockDevice, lba: number): Uint8Array {
  const b = new Uint8Array(512);
  d.read(lba, 1, b);
  return b;
}

function makeBase(name: string, kind: 'dynamic' | 'fixed'): string {
  const p = f(name);
  if (kind === 'dynamic') createDynamicVhd(p, 4 * 1024 * 1024, { exactSize: true });
  else createFixedVhd(p, 4 * 1024 * 1024, { exactSize: true });
  const d = openImage(p);
  d.write(0, 4, new Uint8Array(2048).fill(0x11));
  d.close();
  return p;
}

describe('on-disk (differencing VHD) overlay', () => {
  for (const kind of ['dynamic', 'fixed'] as const) {
    it(`${kind} base: writes land in the child; discard and commit`, () => {
      const base = makeBase(`vo-${kind}.vhd`, kind);
      const h = sha256File(base);
      const childPath = f(`vo-${kind}.overlay.vhd`);
      const ov = openOverlay(base, { kind: 'vhd', childPath });
      expect(ov).toBeInstanceOf(VhdOverlay);
      const o = ov as VhdOverlay;
      o.write(1, 1, new Uint8Array(512).fill(0x22));
      o.write(5000, 3, prng(1)(1536));
      o.flush();
      expect(sector(o, 0)[0]).toBe(0x11);
      expect(sector(o, 1)[0]).toBe(0x22);
      expect(sha256File(base)).toBe(h);
      expect(checkImage(childPath).ok).toBe(true);
      o.discard();
      expect(sector(o, 1)[0]).toBe(0x11);
      expect(sha256File(base)).toBe(h);
      o.write(2, 1, new Uint8Array(512).fill(0x33));
      o.commit();
      expect(sha256File(base)).not.toBe(h);
      const b = openImage(base, { readOnly: true });
      expect(sector(b, 2)[0]).toBe(0x33);
      expect(sector(b, 1)[0]).toBe(0x11);
      b.close();
      // After commit the child starts empty again but still reads the merged data.
      expect(sector(o, 2)[0]).toBe(0x33);
      o.close();
      expect(checkImage(base).ok).toBe(true);
    });
  }

  it('a temporary child is removed on close, the base untouched', () => {
    const base = makeBase('vo-tmp.vhd', 'dynamic');
    const h = sha256File(base);
    const o = openOverlay(base, { kind: 'vhd' }) as VhdOverlay;
    o.write(100, 1, new Uint8Array(512).fill(5));
    expect(fs.existsSync(o.childPath)).toBe(true);
    o.close();
    expect(fs.existsSync(o.childPath)).toBe(false);
    expect(fs.existsSync(path.dirname(o.childPath))).toBe(false);
    expect(sha256File(base)).toBe(h);
  });

  it('a raw base needs the memory overlay', () => {
    const p = f('raw-base.img');
    fs.writeFileSync(p, Buffer.alloc(65536));
    expect(() => openOverlay(p, { kind: 'vhd' })).toThrow(/needs a VHD base/);
  });
});

describe('memory overlay', () => {
  it('default overlay leaves the base untouched; persist writes through', () => {
    const base = makeBase('mo.vhd', 'dynamic');
    const h = sha256File(base);
    const ov = openOverlay(base);
    expect(ov).toBeInstanceOf(MemoryOverlay);
    ov.write(0, 8, prng(2)(4096));
    ov.write(8000, 100, prng(3)(51200));
    ov.flush();
    expect((ov as MemoryOverlay).dirtySectors()).toBe(108);
    ov.close();
    expect(sha256File(base)).toBe(h);
    const p = openOverlay(base, { persist: true });
    p.write(0, 1, new Uint8Array(512).fill(0x44));
    p.close();
    expect(sha256File(base)).not.toBe(h);
  });

  it('works over an ISO (read-only base) and a snapshot restores exactly', () => {
    const iso = f('m.iso');
    const b = Buffer.alloc(20 * 2048);
    b.write('CD001', 16 * 2048 + 1, 'latin1');
    fs.writeFileSync(iso, b);
    const ov = openOverlay(iso) as MemoryOverlay;
    ov.write(3, 2, new Uint8Array(1024).fill(9));
    const state = ov.saveState();
    ov.write(3, 1, new Uint8Array(512).fill(1));
    ov.loadState(state);
    expect(sector(ov, 3)[0]).toBe(9);
    expect(sector(ov, 4)[0]).toBe(9);
    expect(sector(ov, 5)[0]).toBe(0);
    expect(() => ov.commit()).toThrow();
    ov.close();
  });
});
