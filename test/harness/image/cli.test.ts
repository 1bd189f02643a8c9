/** `lab image` end to end through commander, with qemu-img as a second opinion. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../harness/cli/image.js';
import { UsageError } from '../../../harness/cli/errors.js';
import { parseSize } from '../../../harness/image/size.js';
import { openImage } from '../../../engine/disk/open-image.js';
import { prng, run, sha256File, tempDir } from '../../engine/disk/helpers.js';

const { dir, cleanup } = tempDir('lab-image-cli-');
afterAll(cleanup);
afterEach(() => {
  process.exitCode = undefined;
});
const f = (name: string): string => path.join(dir, name);

/** Run `lab image ...`; returns stdout and the exit code the command set. */
async function lab(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('lab').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    process.exitCode = undefined;
    await program.parseAsync(['node', 'lab', 'image', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { out, code };
}

async function labError(...args: string[]): Promise<UsageError> {
  try {
    await lab(...args);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message.includes('\n')).toBe(false);
    return e as UsageError;
  }
  throw new Error(`lab image ${args.join(' ')} did not fail`);
}

describe('size parsing', () => {
  it('units and floppy names', () => {
    expect(parseSize('64M')).toBe(64 * 1024 * 1024);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.44M')).toBe(1474560);
    expect(parseSize('1.44MB')).toBe(1474560);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('12Q')).toMatch(/invalid size/);
    expect(parseSize('1000')).toMatch(/not a multiple of 512/);
  });
});

describe('lab image', () => {
  it('create --dynamic and info agree with qemu-img', async () => {
    const r = await lab('create', '--dynamic', '64M', f('d.vhd'));
    expect(r.out).toMatch(/dynamic VHD, 64.02 MiB \(67125248 bytes\) \(rounded up/);
    const info = JSON.parse((await lab('info', '--json', f('d.vhd'))).out);
    expect(info).toMatchObject({ format: 'vhd', virtualSize: 67125248, geometry: { cylinders: 964, heads: 8, sectorsPerTrack: 17 } });
    expect(info.chain[0]).toMatchObject({ diskType: 'dynamic', allocatedBlocks: 0, totalBlocks: 33, blockSize: 2097152, creator: { app: 'clab' } });
    const q = JSON.parse(run('qemu-img', ['info', '--output=json', '-f', 'vpc', f('d.vhd')]));
    expect(q['virtual-size']).toBe(67125248);
    const text = (await lab('info', f('d.vhd'))).out;
    expect(text).toMatch(/format: vhd \(dynamic\)/);
    expect(text).toMatch(/allocated blocks: 0\/33 \(0%\)/);
    expect(text).toMatch(/creator: "clab" version 1.0 on Windows \(Wi2k\)/);
  });

  it('create --fixed --exact-size 1.44M, --raw, and --block-size', async () => {
    await lab('create', '--fixed', '--exact-size', '1.44M', f('fl.vhd'));
    expect(fs.statSync(f('fl.vhd')).size).toBe(1474560 + 512);
    await lab('create', '--raw', '1.44M', f('fl.img'));
    const raw = JSON.parse((await lab('info', '--json', f('fl.img'))).out);
    expect(raw).toMatchObject({ format: 'raw', virtualSize: 1474560, geometry: { cylinders: 80, heads: 2, sectorsPerTrack: 18 } });
    await lab('create', '--dynamic', '--block-size', '512K', '8M', f('b.vhd'));
    expect(JSON.parse((await lab('info', '--json', f('b.vhd'))).out).chain[0].blockSize).toBe(512 * 1024);
  });

  it('create --diff, info shows the chain, commit merges into the parent', async () => {
    await lab('create', '--dynamic', '--exact-size', '4M', f('p.vhd'));
    await lab('create', '--diff', f('p.vhd'), f('c.vhd'));
    const info = JSON.parse((await lab('info', '--json', f('c.vhd'))).out);
    expect(info.chain.map((l: { file: string }) => path.basename(l.file))).toEqual(['c.vhd', 'p.vhd']);
    expect(info.chain[0].parentUniqueId).toBe(info.chain[1].uniqueId);
    expect((await lab('info', f('c.vhd'))).out).toMatch(/parent 1: .*p\.vhd/);
    const c = openImage(f('c.vhd'));
    c.write(10, 2, new Uint8Array(1024).fill(0x99));
    c.close();
    const before = sha256File(f('p.vhd'));
    const r = await lab('commit', f('c.vhd'));
    expect(r.out).toMatch(/committed .*c\.vhd into .*p\.vhd: 2 sectors/);
    expect(sha256File(f('p.vhd'))).not.toBe(before);
    const p = openImage(f('p.vhd'), { readOnly: true });
    const b = new Uint8Array(1024);
    p.read(10, 2, b);
    p.close();
    expect(b.every((x) => x === 0x99)).toBe(true);
    expect((await lab('diff', f('p.vhd'), f('c.vhd'))).code).toBe(0);
    await labError('commit', f('p.vhd'));
  });

  it('convert raw -> dynamic -> fixed -> raw keeps the contents (qemu-img compare agrees)', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024);
    data.set(prng(4)(200 * 1024), 100 * 1024);
    data.set(prng(5)(4096), 2 * 1024 * 1024 + 512);
    fs.writeFileSync(f('in.img'), data);
    await lab('convert', '--exact-size', f('in.img'), f('conv.vhd'));
    expect(JSON.parse((await lab('info', '--json', f('conv.vhd'))).out).chain[0]).toMatchObject({ diskType: 'dynamic', allocatedBlocks: 2 });
    await lab('convert', '--to', 'fixed', '--exact-size', f('conv.vhd'), f('conv-fixed.vhd'));
    await lab('convert', f('conv-fixed.vhd'), f('back.img'));
    expect(fs.readFileSync(f('back.img')).equals(data)).toBe(true);
    expect((await lab('diff', f('in.img'), f('conv.vhd'))).out).toMatch(/contents identical/);
    // qemu reads our current-size ("clab") images by CHS; compare what both can see with a CHS-exact size.
    await lab('convert', f('in.img'), f('conv-chs.vhd'));
    run('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', f('back.img'), f('conv-chs.vhd')]);
  });

  it('diff lists changed ranges and exits 1', async () => {
    const a = Buffer.alloc(1024 * 1024);
    const b = Buffer.from(a);
    b[5000] = 1;
    b[900 * 1024] = 2;
    fs.writeFileSync(f('a.img'), a);
    fs.writeFileSync(f('b.img'), b);
    const r = await lab('diff', f('a.img'), f('b.img'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^0x0-0xffff \(64 KiB/m);
    expect(r.out).toMatch(/^0xe0000-0xeffff/m);
    expect(r.out).toMatch(/2 range\(s\), 128 KiB/);
    const j = JSON.parse((await lab('diff', '--json', '--granularity', '512', f('a.img'), f('b.img'))).out);
    expect(j.ranges).toEqual([
      { offset: 4608, length: 512 },
      { offset: 900 * 1024, length: 512 },
    ]);
  });

  it('check: clean exits 0, every problem listed with its offset and exit 1', async () => {
    await lab('create', '--dynamic', '--exact-size', '8M', f('chk.vhd'));
    const clean = await lab('check', f('chk.vhd'));
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/no errors/);
    const buf = fs.readFileSync(f('chk.vhd'));
    buf.writeUInt32BE(0x100000, 1536); // BAT entry 0 past the end
    buf.writeUInt32BE(0x200, 512 + 32); // block size 512: fine; checksum now wrong
    fs.writeFileSync(f('chk.vhd'), buf);
    const before = sha256File(f('chk.vhd'));
    const bad = await lab('check', f('chk.vhd'));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/error: .*chk\.vhd: dynamic header: checksum mismatch .* at offset 0x224/);
    expect(bad.out).toMatch(/error\(s\)/);
    expect(sha256File(f('chk.vhd'))).toBe(before);
    const j = JSON.parse((await lab('check', '--json', f('chk.vhd'))).out);
    expect(j.ok).toBe(false);
  });

  it('usage and input errors are one-line UsageErrors', async () => {
    expect((await labError('create', '--dynamic', '12Q', f('x.vhd'))).message).toMatch(/invalid size "12Q"/);
    expect((await labError('create', '--dynamic', '--fixed', '1M', f('x.vhd'))).message).toMatch(/exactly one of/);
    expect((await labError('info', f('missing.vhd'))).message).toMatch(/missing\.vhd: (image file not found|no such file)/);
    await lab('create', '--dynamic', '1M', f('e.vhd'));
    expect((await labError('create', '--dynamic', '1M', f('e.vhd'))).message).toMatch(/file already exists/);
    const b = fs.readFileSync(f('e.vhd'));
    b[b.length - 100] ^= 0xff;
    fs.writeFileSync(f('e.vhd'), b);
    expect((await labError('info', f('e.vhd'))).message).toMatch(/e\.vhd: footer: checksum mismatch .* at offset 0x/);
    expect((await labError('convert', '--to', 'qcow2', f('fl.img'), f('y.img'))).message).toMatch(/--to must be raw, fixed or dynamic/);
    expect((await labError('create', '--diff', f('fl.img'), f('z.vhd'))).message).toMatch(/must be a VHD/);
  });
});
