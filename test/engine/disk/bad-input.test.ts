/**
 * Every kind of bad input is an EngineInputError naming the file, the
 * structure and the byte offset; opening never writes (hash unchanged), and
 * `checkImage` reports the same problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineInputError } from '../../../engine/errors.js';
import { openImage, vhdFooterOf } from '../../../engine/disk/open-image.js';
import { checkImage } from '../../../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd } from '../../../engine/disk/vhd-create.js';
import { vhdChecksum } from '../../../engine/disk/vhd-footer.js';
import { sha256File, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('disk-bad-');
afterAll(cleanup);
let n = 0;
const MiB = 1024 * 1024;

/** A dynamic VHD with two allocated blocks (2 MiB blocks, 8 MiB disk). */
function dynamicImage(): string {
  const p = path.join(dir, `img${n++}.vhd`);
  createDynamicVhd(p, 8 * MiB, { exactSize: true });
  const d = openImage(p);
  d.write(0, 8, new Uint8Array(4096).fill(1));
  d.write(3 * 4096, 8, new Uint8Array(4096).fill(2));
  d.close();
  return p;
}

function be32(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32BE(v >>> 0, off);
}

/** Edit the footer (end and copy at 0), recomputing its checksum unless told not to. */
function patchFooter(p: string, edit: (f: Buffer) => void, fixChecksum = true): void {
  const b = fs.readFileSync(p);
  const at = b.length - 512;
  const f = Buffer.from(b.subarray(at));
  edit(f);
  if (fixChecksum) be32(f, 64, vhdChecksum(f, 0, 512, 64));
  f.copy(b, at);
  if (b.subarray(0, 8).toString('latin1') === 'conectix') f.copy(b, 0);
  fs.writeFileSync(p, b);
}

function patchHeader(p: string, edit: (h: Buffer) => void, fixChecksum = true): void {
  const b = fs.readFileSync(p);
  const h = b.subarray(512, 1536);
  edit(h);
  if (fixChecksum) be32(h, 36, vhdChecksum(h, 0, 1024, 36));
  fs.writeFileSync(p, b);
}

function setBat(p: string, index: number, sector: number): void {
  const b = fs.readFileSync(p);
  be32(b, 1536 + index * 4, sector);
  fs.writeFileSync(p, b);
}

/** Open must throw an EngineInputError matching `re` with an offset; file unchanged; check reports it. */
function expectRejected(p: string, re: RegExp, opts: { offset?: number; file?: string } = {}): void {
  const before = sha256File(p);
  let err: unknown;
  try {
    openImage(p).close();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineInputError);
  const e = err as EngineInputError;
  expect(e.message).toMatch(re);
  expect(e.message).toContain(path.basename(opts.file ?? p));
  expect(e.message).toMatch(/offset 0x[0-9a-f]+/);
  expect(typeof e.offset).toBe('number');
  if (opts.offset !== undefined) expect(e.offset).toBe(opts.offset);
  // Read-only open too, and the file stays byte-identical either way.
  expect(() => openImage(p, { readOnly: true }).close()).toThrow(EngineInputError);
  expect(sha256File(p)).toBe(before);
  const r = checkImage(p);
  expect(r.ok).toBe(false);
  expect(r.problems.some((x) => x.severity === 'error')).toBe(true);
  expect(sha256File(p)).toBe(before);
}

describe('bad input', () => {
  it('truncated dynamic VHD (footer gone, copy at 0 left)', () => {
    const p = dynamicImage();
    const size = fs.statSync(p).size;
    fs.truncateSync(p, size - 700);
    expectRejected(p, /footer missing at end of file/, { offset: size - 700 - 512 });
  });

  it('truncated fixed VHD (footer declares more data than the file holds)', () => {
    const p = path.join(dir, `fx${n++}.vhd`);
    createFixedVhd(p, 4 * MiB, { exactSize: true });
    const b = fs.readFileSync(p);
    fs.writeFileSync(p, Buffer.concat([b.subarray(0, 2 * MiB), b.subarray(b.length - 512)]));
    expectRejected(p, /fixed VHD is truncated/, { offset: 2 * MiB });
  });

  it('footer checksum mismatch', () => {
    const p = dynamicImage();
    const size = fs.statSync(p).size;
    patchFooter(p, (f) => (f[100] = 7), false);
    expectRejected(p, /footer: checksum mismatch \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\)/, { offset: size - 512 + 64 });
  });

  it('dynamic header checksum mismatch', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => (h[800] = 1), false);
    expectRejected(p, /dynamic header: checksum mismatch/, { offset: 512 + 36 });
  });

  it('wrong dynamic header cookie', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => h.write('cxsparsX', 0, 'latin1'));
    expectRejected(p, /dynamic header: cookie is "cxsparsX", expected "cxsparse"/, { offset: 512 });
  });

  it('wrong footer cookie with the VHD cookie elsewhere is not silently raw', () => {
    const p = dynamicImage();
    const size = fs.statSync(p).size;
    const b = fs.readFileSync(p);
    b.write('conectiX', size - 512, 'latin1');
    fs.writeFileSync(p, b);
    expectRejected(p, /footer missing at end of file/);
  });

  it('BAT entry past the end of the file', () => {
    const p = dynamicImage();
    setBat(p, 2, 0x100000);
    expectRejected(p, /BAT: entry 2 points at 0x20000000, past the end of the data area/, { offset: 1536 + 8 });
  });

  it('BAT entry overlapping metadata (the BAT itself)', () => {
    const p = dynamicImage();
    setBat(p, 1, 3); // sector 3 = byte 0x600, the BAT
    expectRejected(p, /BAT: entry 1 block at 0x600 overlaps the (dynamic header|block allocation table)/, { offset: 1536 + 4 });
  });

  it('BAT entries overlapping each other', () => {
    const p = dynamicImage();
    const b = fs.readFileSync(p);
    const first = b.readUInt32BE(1536);
    setBat(p, 3, first + 8);
    expectRejected(p, /BAT: entry \d overlaps|BAT: entry \d block at 0x[0-9a-f]+ overlaps the block of entry \d/);
  });

  it('absurd current size', () => {
    const p = dynamicImage();
    patchFooter(p, (f) => f.writeBigUInt64BE(1n << 50n, 48));
    expectRejected(p, /current size \d+ exceeds the 2 TiB VHD limit/);
  });

  it('max table entries too small for the size', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => be32(h, 28, 2));
    expectRejected(p, /max table entries 2 cannot cover the virtual size/, { offset: 512 + 28 });
  });

  it('absurd max table entries', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => be32(h, 28, 0xfffffff0));
    expectRejected(p, /max table entries \d+ describes more than 2 TiB/, { offset: 512 + 28 });
  });

  it('block size not a power of two', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => be32(h, 32, 3 * MiB));
    expectRejected(p, /block size 3145728 is not a power of two/, { offset: 512 + 32 });
  });

  it('block size not a multiple of the sector size', () => {
    const p = dynamicImage();
    patchHeader(p, (h) => be32(h, 32, 256));
    expectRejected(p, /block size 256 is not a power of two between 512/, { offset: 512 + 32 });
  });

  it('saved-state flag set', () => {
    const p = dynamicImage();
    const size = fs.statSync(p).size;
    patchFooter(p, (f) => (f[84] = 1));
    expectRejected(p, /saved-state flag is set/, { offset: size - 512 + 84 });
  });

  it('disk type unknown', () => {
    const p = dynamicImage();
    patchFooter(p, (f) => be32(f, 60, 9));
    expectRejected(p, /disk type 9 is not fixed/);
  });

  describe('parents', () => {
    function chain(): { parent: string; child: string } {
      const parent = dynamicImage();
      const d = openImage(parent, { readOnly: true });
      const f = vhdFooterOf(d)!;
      const child = path.join(dir, `child${n++}.vhd`);
      createDifferencingVhd(child, { path: parent, sectorCount: d.sectorCount, uniqueId: f.uniqueId, timeStamp: f.timeStamp });
      d.close();
      return { parent, child };
    }

    it('a good chain opens and reads the parent through the child', () => {
      const { child } = chain();
      const d = openImage(child, { readOnly: true });
      const b = new Uint8Array(512);
      d.read(0, 1, b);
      expect(b[0]).toBe(1);
      d.close();
      expect(checkImage(child).problems).toEqual([]);
    });

    it('missing parent', () => {
      const { parent, child } = chain();
      fs.renameSync(parent, parent + '.gone');
      expectRejected(child, /parent of differencing disk not found .*tried W2ru .*W2ku .*parent unicode name/, { offset: 512 + 64 });
      expect(checkImage(child).problems).toMatchObject([{ file: child, offset: 512 + 64, structure: 'parent locator' }]);
    });

    it('parent unique id mismatch', () => {
      const { parent, child } = chain();
      patchFooter(parent, (f) => (f[70] = f[70]! ^ 0xff));
      expectRejected(child, /unique id .* does not match the parent unique id .* in the dynamic header/, { offset: 512 + 40 });
      expect(checkImage(child).problems).toMatchObject([{ file: child, offset: 512 + 40, structure: 'dynamic header', severity: 'error' }]);
    });

    it('cyclic chain', () => {
      const { parent, child } = chain();
      // Rebuild the parent as a differencing disk of its own child, keeping its unique id.
      const d = openImage(parent, { readOnly: true });
      const pid = vhdFooterOf(d)!.uniqueId;
      d.close();
      const c = fs.readFileSync(child);
      const cf = c.subarray(c.length - 512);
      fs.rmSync(parent);
      createDifferencingVhd(parent, { path: child, sectorCount: (8 * MiB) / 512, uniqueId: new Uint8Array(cf.subarray(68, 84)), timeStamp: 0 }, { uniqueId: pid });
      expectRejected(child, /differencing chain is cyclic/);
      const r = checkImage(child);
      expect(r.problems.some((x) => x.structure === 'parent chain' && /cyclic/.test(x.message))).toBe(true);
    });

    it('parent with a bad footer checksum is reported against the parent file', () => {
      const { parent, child } = chain();
      patchFooter(parent, (f) => (f[200] = 9), false);
      expectRejected(child, /footer: checksum mismatch/, { file: parent });
      const r = checkImage(child);
      expect(r.problems.some((x) => x.file === parent && x.structure === 'footer' && x.offset === fs.statSync(parent).size - 512 + 64)).toBe(true);
    });
  });

  it('check reports every problem, not just the first', () => {
    const p = dynamicImage();
    const size = fs.statSync(p).size;
    setBat(p, 2, 0x100000);
    setBat(p, 3, 3);
    patchFooter(p, (f) => (f[300] = 1), false);
    const r = checkImage(p);
    const offsets = r.problems.filter((x) => x.severity === 'error').map((x) => x.offset);
    expect(offsets).toContain(size - 512 + 64); // footer checksum
    expect(offsets).toContain(1536 + 8); // BAT entry 2
    expect(offsets).toContain(1536 + 12); // BAT entry 3
    expect(offsets).toContain(0 + 64); // footer copy checksum (copy was patched too)
  });

  it('a clean image checks clean, and leaked space is only a warning', () => {
    const p = dynamicImage();
    expect(checkImage(p)).toMatchObject({ ok: true, problems: [] });
    // Simulate a crash after the footer moved but before the BAT entry: footer 2 MiB + 512 further on.
    const b = fs.readFileSync(p);
    const footer = b.subarray(b.length - 512);
    fs.writeFileSync(p, Buffer.concat([b, Buffer.alloc(2 * MiB + 512 - 512), footer]));
    const r = checkImage(p);
    expect(r.ok).toBe(true);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ severity: 'warning', structure: 'data area' });
  });
});
